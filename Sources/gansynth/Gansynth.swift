import ArgumentParser
@main struct Gansynth: ParsableCommand {}
