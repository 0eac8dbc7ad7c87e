// Everything that can be wrong with a model file above the container level: metadata of the wrong type or
// out of range, graphs that do not type-check, tensors missing, extra or of the wrong shape. Each message is
// one sentence that names the key, node or tensor and the numbers involved.

import GGUFFormat

public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    case container(GGUFError)
    case notAGenerator(architecture: String?)
    case unsupportedFormatVersion(Int)
    case missingKey(String)
    case wrongKeyType(key: String, expected: String, found: String)
    case valueOutOfRange(key: String, value: String, allowed: String)
    /// A NUL byte in a string gansynth shows or records (`element` for an array's).
    case nulInString(key: String, element: Int?, byteOffset: Int)
    case unknownOp(node: Int, op: String)
    case badInputs(node: Int, op: String, reason: String)
    case shapeMismatch(node: Int, op: String, reason: String)
    case missingTensor(name: String, node: Int, op: String)
    case tensorShape(name: String, expected: [Int], found: [Int])
    case unusedTensor(name: String)
    case badTensorValue(name: String, index: Int, value: Float, reason: String)
    case outputShape(expected: [Int], found: [Int])
    case activationTooLarge(node: Int, elements: Int, limit: Int)
    case workspaceTooLarge(bytesPerImage: Int, limit: Int)
    /// A fault in the encoder graph (`gansynth.encoder.*`), said as such.
    indirect case encoder(ModelError)
    case encoderOutputShape(zDimension: Int, found: [Int])

    public var description: String {
        switch self {
        case .container(let e):
            return e.description
        case .notAGenerator(let arch):
            return "not a gansynth model: general.architecture is \(arch.map { "'\($0)'" } ?? "missing"), expected 'gansynth'"
        case .unsupportedFormatVersion(let v):
            return "gansynth.format_version is \(v); this gansynth reads version 1"
        case .missingKey(let key):
            return "metadata key '\(key)' is missing"
        case .wrongKeyType(let key, let expected, let found):
            return "metadata key '\(key)' must be \(expected), found \(found)"
        case .valueOutOfRange(let key, let value, let allowed):
            return "metadata key '\(key)' is \(value); allowed: \(allowed)"
        case .nulInString(let key, let element, let offset):
            return "metadata key '\(key)'\(element.map { " element \($0)" } ?? "") holds a NUL byte (byte \(offset)); "
                + "names, labels and descriptions must be text without NUL"
        case .unknownOp(let node, let op):
            return "graph node \(node) has unknown op '\(op)'; see Models/FORMAT.md for the supported ops"
        case .badInputs(let node, let op, let reason):
            return "graph node \(node) (\(op)): \(reason)"
        case .shapeMismatch(let node, let op, let reason):
            return "graph node \(node) (\(op)) does not type-check: \(reason)"
        case .missingTensor(let name, let node, let op):
            return "tensor '\(name)' needed by graph node \(node) (\(op)) is missing"
        case .tensorShape(let name, let expected, let found):
            return "tensor '\(name)' has shape \(found), the graph needs \(expected)"
        case .unusedTensor(let name):
            return "tensor '\(name)' is not used by the graph"
        case .badTensorValue(let name, let index, let value, let reason):
            return "tensor '\(name)' element \(index) is \(value): \(reason)"
        case .outputShape(let expected, let found):
            return "the graph's last node makes \(found) per image, but gansynth.output.* declares \(expected)"
        case .activationTooLarge(let node, let elements, let limit):
            return "graph node \(node) makes \(elements) values per image, more than the limit of \(limit)"
        case .encoder(let e):
            return "encoder: \(e)"
        case .encoderOutputShape(let z, let found):
            return "the encoder's last node makes \(found) per image, but gansynth.z.dim is \(z)"
        case .workspaceTooLarge(let bytes, let limit):
            return "the graph needs \(bytes >> 20) MiB of working memory per image, more than the limit of \(limit >> 20) MiB"
        }
    }
}
