// conv_transpose2d against PyTorch on random layers (Training/make_test_fixtures.py writes
// Tests/Fixtures/conv-transpose2d.expected.gguf): every kernel, stride, padding and output padding a model file may
// declare, inputs down to 1×1, each way the layer's shape allows. The suite also runs these under AddressSanitizer
// (README's test command), which catches a write past the output; a write into a neighbouring image or channel
// shows as a wrong value here.

import Foundation
import GGUFFormat
@testable import GanKernels
import Testing

private let fixturePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/conv-transpose2d.expected.gguf").path

private struct PyTorchCase: CustomTestStringConvertible {
    let g: ConvGeometry
    /// (Cin, B, H, W) as the kernels take it, and PyTorch's (B, Cout, Ho, Wo) output moved to (Cout, B, Ho, Wo).
    let x: [Float], weight: [Float], bias: [Float], expected: [Float]
    var testDescription: String {
        "Cin \(g.inChannels) Cout \(g.outChannels) k\(g.kernel) s\(g.stride) p\(g.padding) op\(g.outputPadding) "
            + "B \(g.batch) \(g.inHeight)x\(g.inWidth)"
    }
}

/// (B, C, P) → (C, B, P).
private func swapBatchAndChannels(_ v: [Float], batch: Int, channels: Int, plane: Int) -> [Float] {
    var out = [Float](repeating: 0, count: v.count)
    for b in 0..<batch { for c in 0..<channels { for i in 0..<plane {
        out[(c * batch + b) * plane + i] = v[(b * channels + c) * plane + i]
    }}}
    return out
}

private func loadCases() throws -> [PyTorchCase] {
    let file = try GGUFFile(path: fixturePath)
    var cases: [PyTorchCase] = []
    while let geometry = file.tensor(named: "case.\(cases.count).geometry") {
        let i = cases.count
        func floats(_ name: String) throws -> [Float] {
            let t = try #require(file.tensor(named: "case.\(i).\(name)"))
            return try file.floats(of: t)
        }
        let d = try file.floats(of: geometry).map { Int($0) }
        let g = ConvGeometry(inChannels: d[0], outChannels: d[1], kernel: d[2], stride: d[3], padding: d[4],
                             outputPadding: d[5], batch: d[6], inHeight: d[7], inWidth: d[8])
        cases.append(PyTorchCase(
            g: g,
            x: swapBatchAndChannels(try floats("x"), batch: g.batch, channels: g.inChannels, plane: g.inHeight * g.inWidth),
            weight: try floats("weight"), bias: try floats("bias"),
            expected: swapBatchAndChannels(try floats("y"), batch: g.batch, channels: g.outChannels,
                                           plane: g.transposedOutHeight * g.transposedOutWidth)))
    }
    return cases
}

@Suite struct ConvTransposeParity {
    @Test func theFixtureHoldsTheCases() throws {
        let cases = try loadCases()
        #expect(cases.count >= 150)
        #expect(cases.contains { $0.g.inHeight == 1 && $0.g.inWidth == 1 })
        #expect(cases.contains { $0.g.padding > 0 && $0.g.inHeight == 1 })
    }

    @Test(arguments: try loadCases())
    fileprivate func everyWayMatchesPyTorch(_ c: PyTorchCase) {
        let g = c.g
        var methods: [TransposedConvolution.Method] = [.columnsThenScatter]
        if g.kernel + g.outputPadding - 2 * g.padding == g.stride && g.kernel >= g.stride { methods.append(.subPixel) }
        if TransposedConvolution.fewChannelsFits(outChannels: g.outChannels, kernel: g.kernel, stride: g.stride,
                                                 padding: g.padding, outputPadding: g.outputPadding) {
            methods.append(.fewChannels)
        }
        var reference = [Float](repeating: .nan, count: c.expected.count)
        convTranspose2dReference(g, x: c.x, weight: c.weight, bias: c.bias, activation: .identity, y: &reference)
        #expect(maxAbs(reference, c.expected) < 1e-5, "the reference twin")
        for method in methods {
            let layer = TransposedConvolution(weight: c.weight, inChannels: g.inChannels, outChannels: g.outChannels,
                                              kernel: g.kernel, stride: g.stride, padding: g.padding,
                                              outputPadding: g.outputPadding, method: method)
            for threads in [1, 2] {
                var y = [Float](repeating: .nan, count: c.expected.count)
                var scratch = [Float](repeating: 0, count: max(layer.scratchCount(g), 1))
                layer.apply(g, x: c.x, bias: c.bias, activation: .identity, y: &y, scratch: &scratch,
                            parallelism: Parallelism(threads: threads))
                #expect(maxAbs(y, c.expected) < 1e-5, "\(method), \(threads) threads")
            }
        }
    }
}
