// `gansynth interpolate`: walks between seeds (or, with fixed z, between classes) as grid rows or as numbered
// video frames. Every input is interpolated between the endpoints' own inputs — z by slerp or lerp, a
// conditional model's one-hot label and InfoGAN's one-hot categorical codes linearly, continuous codes linearly —
// so the first and last image of a row are exactly `gansynth sample --seeds` of its endpoints.
// StyleGAN models walk in W instead (as NVlabs' gen_video.py): the keyframes' W, truncation applied, linearly.

import ArgumentParser
import GanImage
import GanLatent
import GanModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension InterpolationMode: ExpressibleByArgument {}

struct Interpolate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Interpolate between seeds or classes: grid rows, or numbered frames for a video.",
        discussion: """
            Rows: --seeds a,b,c gives one row per consecutive pair (a→b, b→c); --pairs P gives P rows, row r \
            going from seed+2r to seed+2r+1. With --frames DIR the keyframes of --seeds form one path, written \
            as DIR/frame_0000.png … (5 digits or more from 10,000 frames on), each segment `steps` frames, plus the \
            last keyframe unless the path is a loop (first seed = last seed); older frames in DIR that this run does \
            not write are removed. Make a video with: ffmpeg -framerate 30 -i DIR/frame_%04d.png -pix_fmt yuv420p walk.mp4
            """)

    @OptionGroup var model: ModelOptions

    @Option(parsing: .unconditional, help: ArgumentHelp("Keyframe seeds, e.g. 1,7 or 3,9,4,3, at most 1024 (or seeds for --label-from/--label-to: one row each).", valueName: "list"), transform: SeedList.parse)
    var seeds: SeedList?

    @Option(parsing: .unconditional, help: ArgumentHelp("Rows of endpoint pairs, 1-1024: row r goes from seed+2r to seed+2r+1.", valueName: "p"))
    var pairs: Int?

    @Option(parsing: .unconditional, help: "First seed for --pairs, or the fixed seed of a label morph (0-4294967295). Default: 0.", transform: parseSeed)
    var seed: UInt32?

    @Option(parsing: .unconditional, help: "Images per row (both endpoints included), or frames per segment with --frames; 2-10000.")
    var steps: Int = 10

    @Option(parsing: .unconditional, help: "slerp or linear. Default: slerp for normal latents, linear for uniform ones.")
    var mode: InterpolationMode?

    @Option(parsing: .unconditional, help: ArgumentHelp("Fix the class of a conditional model (index or name).", valueName: "label"))
    var label: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Morph from this class (fixed z) ...", valueName: "label"))
    var labelFrom: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("... to this class.", valueName: "label"))
    var labelTo: String?

    @OptionGroup var truncationOption: TruncationOption
    @OptionGroup var style: StyleOptions

    @Option(parsing: .unconditional, help: ArgumentHelp("Keyframes from a .npy file of z vectors (N x z_dim float32) instead of seeds: row i is keyframe i, as `sample --latents` makes image i.", valueName: "file.npy"))
    var latents: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("BiGAN models: keyframes from images, e.g. a.png,b.png: each image's z by the encoder, so the walk goes between the reconstructions G(E(x)).", valueName: "list"))
    var images: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Write numbered frames into this folder instead of one grid.", valueName: "dir"))
    var frames: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Write the walk as one animation instead: .gif (gray models exact, RGB with one quantized palette), .webp (lossless) or .mp4 (H.264 through ffmpeg on PATH). Frames as for --frames.", valueName: "file"))
    var video: String?

    @Option(parsing: .unconditional, help: "Frames per second of --video, 1-120. Default: 30 (a GIF rounds the frame time to hundredths of a second).")
    var fps: Double = 30

    @OptionGroup var grid: GridOptions
    @OptionGroup var encoding: EncodingOptions

    @Argument(help: "Output file or - (not with --frames or --video).")
    var output: String?

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        guard (2...10_000).contains(steps) else { throw ValidationError("--steps must be 2 to 10000, got \(steps)") }
        let morph = labelFrom != nil || labelTo != nil
        if morph && (labelFrom == nil || labelTo == nil) { throw ValidationError("--label-from and --label-to go together") }
        if morph && label != nil { throw ValidationError("give either --label or --label-from/--label-to") }
        if morph && pairs != nil { throw ValidationError("--pairs walks between seeds; a label morph keeps z fixed") }
        if pairs != nil && seeds != nil { throw ValidationError("give either --seeds or --pairs, not both") }
        if latents != nil && (seeds != nil || pairs != nil || seed != nil) {
            throw ValidationError("give either --latents or seeds (--seeds, --pairs, --seed): the file's rows are the keyframes")
        }
        if images != nil && (seeds != nil || pairs != nil || seed != nil || latents != nil || morph) {
            throw ValidationError("give either --images or seeds (--seeds, --pairs, --seed, --latents, label morphs): the images are the keyframes")
        }
        if let images, images.split(separator: ",").count < 2 {
            throw ValidationError("--images needs at least two images to walk between, e.g. a.png,b.png")
        }
        if !morph && pairs == nil && seeds == nil && latents == nil && images == nil {
            throw ValidationError("say what to walk between: --seeds a,b, --pairs P, --latents FILE, --images a.png,b.png or --label-from/--label-to")
        }
        if let p = pairs {
            guard (1...1024).contains(p) else { throw ValidationError("--pairs must be 1 to 1024, got \(p)") }
            guard Int64(seed ?? 0) + 2 * Int64(p) - 1 <= Int64(maximumSeed) else {
                throw ValidationError("--pairs \(p) from --seed \(seed ?? 0) runs past the largest seed")
            }
        }
        if let seeds {
            if seeds.seeds.count > 1024 { throw ValidationError("--seeds names \(seeds.seeds.count) seeds, more than 1024") }
            if !morph && seeds.seeds.count < 2 { throw ValidationError("--seeds needs at least two seeds to walk between") }
            if seed != nil { throw ValidationError("give either --seeds or --seed, not both: --seed is for --pairs and label morphs") }
        }
        if frames != nil && output != nil { throw ValidationError("--frames writes a folder of frames; drop the output file '\(output!)'") }
        if let video {
            if frames != nil { throw ValidationError("give either --frames DIR or --video FILE") }
            if let output { throw ValidationError("--video writes '\(video)'; drop the output file '\(output)'") }
            _ = try VideoFormat.of(video)
        }
        if !(1...120).contains(fps) { throw ValidationError("--fps must be 1 to 120, got \(fps)") }
        if frames == nil && video == nil && output == nil { throw ValidationError("missing output file (or --frames DIR, --video FILE)") }
        if let output { _ = try encoding.imageFormat(for: output) }
    }

    func run() throws {
        let (generator, path) = try model.load()
        let spec = generator.inputs
        let truncation = truncationOption.truncation
        try checkTruncation(truncation, for: generator, latents: latents != nil)
        try style.check(for: generator)
        let inW = generator.wSpace != nil && labelFrom == nil
        if inW, let mode, mode != .linear {
            throw CLIError.usage("'\(generator.card.name)' walks in W, linearly (as gen_video.py); --mode \(mode.rawValue) is for walks in z")
        }
        var latentsFile = try latents.map { path throws(CLIError) in try LatentsFile.load(path, dimension: spec.zDimension) }
        if let images {
            try requireEncoder(generator, for: "interpolate --images")
            let paths = images.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard paths.count <= 1024 else { throw CLIError.usage("--images names \(paths.count) images, more than 1024") }
            var loaded: [InputImage] = []
            for p in paths { loaded.append(try InputImage.load(p, for: generator)) }
            let z = try encodeImages(loaded, generator: generator, model: model)
            latentsFile = LatentsFile(name: loaded[0].name, sha256: loaded[0].sha256, rows: loaded.count,
                                      dimension: spec.zDimension, values: z,
                                      origin: "keyframe i's z is E(image i) for " + imagesText(loaded))
        }
        if let latentsFile, labelFrom == nil, latentsFile.rows < 2 {
            throw CLIError.usage("--latents '\(terminalSafe(latentsFile.name))' has 1 row; a walk needs at least two keyframes")
        }
        let mode = self.mode ?? (spec.zDistribution == .uniform ? .linear : .slerp)
        let fixedLabel = try label.map { text throws(CLIError) in try resolveLabel(text, for: generator) }
        // With --latents, keyframe i is row i (and seed i for what the row does not give).
        let seedList = latentsFile.map { (0..<$0.rows).map(UInt32.init) } ?? seeds?.seeds

        // Each path is a list of (start, end, t) points; a row of the grid or the whole frame sequence.
        var paths: [[ImageRequest]] = []
        // The seeds the paths go through, in order (PNG text): not one per cell, most of which have no seed.
        var keyframes: [UInt32] = []
        let ts = interpolationSteps(steps)
        if let from = labelFrom, let to = labelTo {
            let a = try resolveLabel(from, for: generator, option: "--label-from")
            let b = try resolveLabel(to, for: generator, option: "--label-to")
            keyframes = seedList ?? [seed ?? 0]
            for s in keyframes {
                paths.append(ts.map { t in
                    var r = ImageRequest(seed: s, z: latentsFile?.row(Int(s)))
                    r.labelWeights = spec.labels.indices.map { Float((1 - t) * ($0 == a ? 1 : 0) + t * ($0 == b ? 1 : 0)) }
                    if t == 0 { r.labelWeights = nil; r.label = a }
                    if t == 1 { r.labelWeights = nil; r.label = b }
                    return r
                })
            }
            if sequence { paths = [paths.flatMap { $0 }] }
        } else {
            let keys: [UInt32] = seedList ?? (0..<(2 * pairs!)).map { (seed ?? 0) + UInt32($0) }
            keyframes = keys
            let segments: [(UInt32, UInt32)] = pairs != nil
                ? stride(from: 0, to: keys.count, by: 2).map { (keys[$0], keys[$0 + 1]) }
                : zip(keys, keys.dropFirst()).map { ($0, $1) }
            // (from, to, t) along each path.
            var points: [[(UInt32, UInt32, Double)]]
            if sequence {
                let loop = keys.first == keys.last
                let frameTs = (0..<steps).map { Double($0) / Double(steps) }
                var path = segments.flatMap { seg in frameTs.map { (seg.0, seg.1, $0) } }
                if !loop { path.append((keys.last!, keys.last!, 0)) }
                points = [path]
            } else {
                points = segments.map { seg in ts.map { (seg.0, seg.1, $0) } }
            }
            if inW {
                let w = try keyframeWs(keys, generator, fixedLabel, latentsFile)
                paths = points.map { $0.map { a, b, t in
                    let r = t == 1 ? b : a
                    var request = ImageRequest(seed: r, label: fixedLabel)
                    request.ws = t == 0 ? w[a]! : t == 1 ? w[b]! : zip(w[a]!, w[b]!).map { $0 + Float(t) * ($1 - $0) }
                    return request
                } }
            } else {
                paths = points.map { $0.map { walk($0.0, $0.1, t: $0.2, generator, mode, fixedLabel, latentsFile) } }
            }
        }

        let requests = paths.flatMap { $0 }
        guard requests.count <= Limits.images else {
            throw CLIError.usage("that makes \(requests.count) images, more than \(Limits.images); use fewer seeds or steps")
        }
        if !sequence {
            try checkPictureSize(count: requests.count, generator: generator, grid: grid, columns: steps)
            try checkFormat(encoding.imageFormat(for: output!), for: generator)
        } else {
            try checkPictureSize(count: 1, generator: generator, grid: grid)
            if video == nil { try checkFormat(formatForFrames(), for: generator) }
        }
        // Walks in W give their W as they are; the psi they were mapped with only shows in the PNG text.
        let (images, inputs) = try render(requests, generator: generator, model: model, truncation: truncation,
                                          style: style.controls)
        let text = provenance(generator: generator, modelPath: path, seeds: keyframes, truncation: truncation,
                              extra: [("gansynth:interpolation", inW ? "linear in W" : mode.rawValue)]
                                  + conditionsText(inputs, generator: generator) + style.controls.text(for: generator)
                                  + (latentsFile.map { [("gansynth:latents", $0.describe())] } ?? []))
        if let video {
            try writeVideo(images.map { scaledFrame($0) }, to: video, fps: fps)
        } else if let dir = frames {
            try makeDirectory(dir)
            let ext = try formatForFrames().fileExtension
            let digits = frameDigits(count: images.count)
            for (i, image) in images.enumerated() {
                try write(scaledFrame(image), to: "\(dir)/frame_\(String(i).leftPadded(digits)).\(ext)", encoding: encoding, text: text)
            }
            try removeStaleFrames(in: dir, keeping: images.count, digits: digits, fileExtension: ext)
        } else {
            try write(compose(images, grid: grid, columns: steps), to: output!, encoding: encoding, text: text)
        }
    }

    /// Each keyframe's W as `sample` maps it (psi and cutoff applied): the ends of the walks in W.
    private func keyframeWs(_ keys: [UInt32], _ generator: Generator, _ fixedLabel: Int?,
                            _ latents: LatentsFile?) throws(CLIError) -> [UInt32: [Float]] {
        let unique = Array(Set(keys)).sorted()
        let requests = unique.map { ImageRequest(seed: $0, label: fixedLabel, z: latents?.row(Int($0))) }
        let inputs = generatorInputs(for: requests, generator: generator, truncation: truncationOption.truncation,
                                     style: style.controls)
        let ws: [Float]
        do { ws = try generator.mapping(inputs, parallelism: model.parallelism) } catch { throw .refusedInputs(error) }
        let per = ws.count / max(1, unique.count)
        return Dictionary(uniqueKeysWithValues: unique.enumerated().map { ($1, Array(ws[($0 * per)..<(($0 + 1) * per)])) })
    }

    /// Frames (of --frames and --video) are single images, scaled by --scale.
    private func scaledFrame(_ image: Image) -> Image {
        grid.scale.up > 1 ? upscaleNearest(image, factor: grid.scale.up) : downscaleArea(image, factor: grid.scale.down)
    }

    /// One path through every keyframe, frame by frame, rather than grid rows.
    private var sequence: Bool { frames != nil || video != nil }

    private func formatForFrames() throws -> ImageFormat {
        try encoding.imageFormat() ?? .png
    }

    /// The inputs at `t` between the inputs `sample` would give seeds a and b.
    /// `latents`: keyframe seeds are its row numbers, and each row is that keyframe's z.
    private func walk(_ a: UInt32, _ b: UInt32, t: Double, _ generator: Generator, _ mode: InterpolationMode,
                      _ fixedLabel: Int?, _ latents: LatentsFile?) -> ImageRequest {
        let spec = generator.inputs
        func z(_ s: UInt32) -> [Float] {
            latents?.row(Int(s)) ?? latentVector(seed: s, dimension: spec.zDimension, distribution: spec.zDistribution,
                                                 truncation: truncationOption.truncation)
        }
        if t == 0 { return ImageRequest(seed: a, label: fixedLabel, z: latents.map { _ in z(a) }) }
        if t == 1 { return ImageRequest(seed: b, label: fixedLabel, z: latents.map { _ in z(b) }) }
        var r = ImageRequest(seed: a, label: fixedLabel)
        r.z = interpolate(z(a), z(b), t: t, mode: mode)
        let ca = drawnConditions(seed: a, labelCount: spec.labels.count, categoricalSizes: spec.categoricalSizes,
                                 continuousCount: spec.continuousCount)
        let cb = drawnConditions(seed: b, labelCount: spec.labels.count, categoricalSizes: spec.categoricalSizes,
                                 continuousCount: spec.continuousCount)
        if spec.isConditional, fixedLabel == nil, let la = ca.label, let lb = cb.label {
            r.labelWeights = spec.labels.indices.map { Float((1 - t) * ($0 == la ? 1 : 0) + t * ($0 == lb ? 1 : 0)) }
        }
        if !spec.categoricalSizes.isEmpty {
            let wa = oneHot(ca.categorical, sizes: spec.categoricalSizes), wb = oneHot(cb.categorical, sizes: spec.categoricalSizes)
            r.categoricalWeights = zip(wa, wb).map { Float((1 - t) * Double($0) + t * Double($1)) }
        }
        r.continuous = zip(ca.continuous, cb.continuous).map { Float((1 - t) * Double($0) + t * Double($1)) }
        return r
    }
}

/// Frame numbers have 4 digits (ffmpeg's frame_%04d), more from 10,000 frames on, so names still sort in order.
func frameDigits(count: Int) -> Int { max(4, String(count - 1).count) }

/// Frames of an earlier, longer (or differently numbered) run in the same folder would play on after this
/// video's end: files named exactly like a frame (frame_ + digits + this extension) that this run did not write
/// are removed.
func removeStaleFrames(in dir: String, keeping count: Int, digits: Int, fileExtension ext: String) throws(CLIError) {
    guard let listing = opendir(dir) else { return }
    var stale: [String] = []
    while let entry = readdir(listing) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard name.hasPrefix("frame_"), name.hasSuffix("." + ext) else { continue }
        let number = name.dropFirst(6).dropLast(ext.count + 1)
        guard !number.isEmpty, number.allSatisfy(\.isASCII), number.allSatisfy(\.isNumber) else { continue }
        if number.count != digits || (Int(number).map { $0 >= count } ?? true) { stale.append(name) }
    }
    closedir(listing)
    for name in stale where unlink("\(dir)/\(name)") != 0 && errno != ENOENT {
        throw CLIError(description: "cannot remove the stale frame '\(terminalSafe(dir))/\(terminalSafe(name))': "
                       + String(cString: strerror(errno)), exitStatus: ExitStatus.cannotCreate)
    }
}

func makeDirectory(_ path: String) throws(CLIError) {
    if ModelLocator.isDirectory(path) { return }
    guard mkdir(path, 0o777) == 0 else {
        throw CLIError(description: "cannot create folder '\(path)': \(String(cString: strerror(errno)))",
                       exitStatus: ExitStatus.cannotCreate)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
