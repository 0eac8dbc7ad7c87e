"""gansynth training helpers: IDX data loading, GGUF export, parity fixtures."""
