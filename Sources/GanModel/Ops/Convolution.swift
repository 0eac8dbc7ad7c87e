// Shared by conv2d and conv_transpose2d: attributes, output size and the tensors both read.

import GanKernels

struct ConvParameters: Equatable, Sendable {
    var inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, outputPadding: Int

    init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0) {
        self.inChannels = inChannels; self.outChannels = outChannels; self.kernel = kernel
        self.stride = stride; self.padding = padding; self.outputPadding = outputPadding
    }

    init(_ a: NodeAttributes, transposed: Bool) throws(ModelError) {
        kernel = try a.int("kernel_size", in: 1...15)
        stride = try a.int("stride", default: 1, in: 1...8)
        inChannels = try a.int("in_channels", in: 1...65536)
        outChannels = try a.int("out_channels", in: 1...65536)
        padding = try a.int("padding", default: 0, in: 0...(kernel - 1))
        outputPadding = transposed ? try a.int("output_padding", default: 0, in: 0...(stride - 1)) : 0
    }

    var summary: String { "\(inChannels) -> \(outChannels) k\(kernel) s\(stride) p\(padding)" + (outputPadding > 0 ? " op\(outputPadding)" : "") }

    /// Output shape, tensors (PyTorch layouts) and multiply-adds on input `x`.
    func signature(_ x: [Int], transposed: Bool, _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        guard x.count == 3, x[0] == inChannels else { throw c.mismatch("expects (\(inChannels), H, W) input, got \(x)") }
        let (h, w) = transposed
            ? ((x[1] - 1) * stride - 2 * padding + kernel + outputPadding, (x[2] - 1) * stride - 2 * padding + kernel + outputPadding)
            : (x[1] + 2 * padding - kernel < 0 ? 0 : (x[1] + 2 * padding - kernel) / stride + 1,
               x[2] + 2 * padding - kernel < 0 ? 0 : (x[2] + 2 * padding - kernel) / stride + 1)
        guard h >= 1, w >= 1, h <= 65536, w <= 65536 else {
            throw c.mismatch("kernel \(kernel), stride \(stride), padding \(padding) on input \(x) give an output of \(h)x\(w)")
        }
        let weight = transposed ? [inChannels, outChannels, kernel, kernel] : [outChannels, inChannels, kernel, kernel]
        // A transposed convolution's work scales with its input, a convolution's with its output.
        let (mh, mw) = transposed ? (x[1], x[2]) : (h, w)
        let (macs, overflow) = (inChannels * outChannels * kernel * kernel).multipliedReportingOverflow(by: mh * mw)
        guard !overflow else { throw c.mismatch("too many multiply-adds") }
        return NodeSignature(shape: [outChannels, h, w], tensors: [("weight", weight, false), ("bias", [outChannels], true)],
                             macs: macs)
    }

    func geometry(_ inShape: [Int], batch: Int) -> ConvGeometry {
        ConvGeometry(inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride, padding: padding,
                     outputPadding: outputPadding, batch: batch, inHeight: inShape[1], inWidth: inShape[2])
    }
}
