// `gansynth models` (what is installed) and `gansynth info` (everything a model file says about itself).

import ArgumentParser
import GanModel

struct ListModels: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "models", abstract: "List installed models, one per line.")

    func run() throws {
        let found = ModelLocator.installedModels()
        if found.isEmpty {
            print("no models found; searched: \(ModelLocator.searchDirectories().joined(separator: ", "))")
            return
        }
        let width = found.map(\.name.count).max()!
        for (name, path) in found {
            let padded = name + String(repeating: " ", count: width - name.count)
            do {
                let g = try Generator(path: path)
                print("\(padded)  \(summary(g))  \(path)")
            } catch .notAGenerator {
                continue  // another program's GGUF file (a language model, a test fixture) sharing the folder
            } catch {
                print("\(padded)  unreadable: \(error)  \(path)")
            }
        }
    }
}

func summary(_ g: Generator) -> String {
    let o = g.output
    var parts = ["\(o.width)x\(o.height) \(o.channels == 1 ? "gray" : "RGB")", "z \(g.inputs.zDimension)"]
    if g.inputs.isConditional { parts.append("\(g.inputs.labels.count) labels") }
    if !g.inputs.categoricalSizes.isEmpty || g.inputs.continuousCount > 0 {
        parts.append("codes \(g.inputs.categoricalSizes.map(String.init).joined(separator: "+"))cat+\(g.inputs.continuousCount)cont")
    }
    parts.append("\(formatCount(g.parameterCount)) params")
    return parts.joined(separator: ", ")
}

func formatCount(_ n: Int) -> String {
    if n >= 1_000_000 { return "\(Double(n / 10_000) / 100)M" }
    if n >= 1_000 { return "\(Double(n / 10) / 100)k" }
    return "\(n)"
}

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a model's metadata, inputs, layers, parameters and cost.")

    @Argument(help: "Model name or path. Default: \(ModelLocator.defaultModel).")
    var model: String?

    func run() throws {
        let options = try ModelOptions.parse(model.map { ["--model", $0] } ?? [])
        let (g, path) = try options.load(compute: false)
        let c = g.card
        print("name:        \(c.name)")
        print("file:        \(path)")
        for (key, value) in [("description", c.description), ("license", c.license), ("dataset", c.dataset),
                             ("paper", c.paper), ("training", c.trainingCommand), ("epochs", c.epochs.map(String.init))] {
            if let value { print("\(key):" + String(repeating: " ", count: 12 - key.count) + value) }
        }
        let i = g.inputs
        print("inputs:      z \(i.zDimension) (\(i.zDistribution.rawValue))")
        if i.isConditional {
            print("             label: \(i.labels.enumerated().map { "\($0.offset)=\($0.element)" }.joined(separator: ", "))")
        }
        // Codes count from 1, as `sweep --code K` and its PNG text do.
        for (k, size) in i.categoricalSizes.enumerated() { print("             categorical code \(k + 1): \(size) values") }
        if i.continuousCount > 0 {
            print("             continuous codes 1-\(i.continuousCount) (sweep --code K), uniform in [-1, 1]")
        }
        if let w = g.wSpace {
            print("             W: \(w.count) rows of \(w.dimension) (--truncation-psi, --truncation-cutoff, mix, --ws)"
                  + (g.hasNoise ? "; noise inputs (--noise-mode)" : ""))
        }
        let o = g.output
        print("output:      \(o.channels)x\(o.height)x\(o.width) (\(o.channels == 1 ? "gray" : "RGB"), \(o.range == .tanh ? "tanh, [-1, 1]" : "sigmoid, [0, 1]"))")
        print("parameters:  \(g.parameterCount) (\(formatCount(g.parameterCount)))")
        print("MACs/image:  \(g.macsPerImage) (\(formatCount(g.macsPerImage)))")
        if let e = g.encoderGraph {
            print("encoder:     image \(o.channels)x\(o.height)x\(o.width) -> z \(i.zDimension), \(e.macsPerImage) MACs/image "
                  + "(encode, reconstruct, interpolate --images)")
        }
        print("layers:")
        printNodes(g.graph)
        if let e = g.encoderGraph {
            print("encoder layers:")
            printNodes(e)
        }
    }

    private func printNodes(_ graph: Graph) {
        for node in graph.nodes {
            let inputs = node.inputs.isEmpty ? "" : " <- " + node.inputs.map(String.init).joined(separator: ",")
            let macs = node.macs > 0 ? "  \(formatCount(node.macs)) MACs" : ""
            print("  \(node.index)".padding(5) + terminalSafe(node.summary).padding(44) + "-> \(node.shape.map(String.init).joined(separator: "x"))\(inputs)\(macs)")
        }
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}

/// Every line `models` and `info` print carries text from model files: escaped first.
private func print(_ line: String) { Swift.print(terminalSafe(line)) }
