// A BiGAN file's encoder E: image → z, run with the generator's machinery (the same kernels, chunks and
// workspaces) on the encoder graph's own plan.

import GanKernels

extension Generator {
    /// z (count, zDimension) of `images` (count, C, H, W), each in the model's output range (the pixels' inverse
    /// mapping, FORMAT.md "The encoder"). Each image's z is computed alone: it never depends on the others.
    public func encode(_ images: [Float], count: Int, parallelism: Parallelism = .serial) throws(GeneratorInputError) -> [Float] {
        guard let e = encoderGraph else { throw .noEncoder }
        guard count >= 0 else { throw .count(count) }
        let perImage = output.channels * output.height * output.width
        guard images.count == count * perImage else { throw .size(array: "images", expected: count * perImage, found: images.count) }
        if let i = images.firstIndex(where: { !$0.isFinite }) { throw .notFinite(array: "images", index: i) }
        let z = inputs.zDimension
        var result = [Float](repeating: 0, count: count * z)
        guard count > 0 else { return result }
        var batch = GeneratorInputs(count: count, z: [])
        batch.images = images
        let chunk = 64
        let workspace = Workspace(graph: e, steps: encoderSteps, batch: min(chunk, count))
        result.withUnsafeMutableBufferPointer { out in
            for start in stride(from: 0, to: count, by: chunk) {
                let n = min(chunk, count - start)
                run(batch, images: start..<(start + n), workspace: workspace, parallelism: parallelism,
                    into: out.baseAddress! + start * z, steps: encoderSteps, output: e.output.index, graph: e)
            }
        }
        return result
    }
}
