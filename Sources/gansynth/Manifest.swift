// The manifest of a generated data set, as CSV (RFC 4180, header row) and JSON Lines, one row per image file
// in index order, so that `pandas.read_csv`, `pandas.read_json(lines=True)` and `datasets.load_dataset("csv" |
// "json", ...)` read it as it is. Both are streamed to temp files and renamed into place together.

import GanImage

struct ManifestRow {
    var file: String
    var index: Int
    var seed: UInt32
    var label: Int?
    var labelName: String?
    var truncation: Double?
    /// StyleGAN's psi, cutoff and noise mode; nil for other models (the columns are then left out).
    var style: StyleControls?
    var model: String
    /// SHA-256 of the model file (lowercase hex).
    var modelSHA256: String
    /// InfoGAN codes; nil for models without codes (the columns are then left out).
    var categorical: [Int]?
    var continuous: [Float]?
}

final class ManifestWriter {
    private let csv: StreamedFile
    private let jsonl: StreamedFile
    private let hasCodes: Bool, hasStyle: Bool

    /// Writes `<base>.csv` and `<base>.jsonl`.
    init(base: String, hasCodes: Bool, hasStyle: Bool = false) throws(ImageError) {
        csv = try StreamedFile(path: base + ".csv")
        jsonl = try StreamedFile(path: base + ".jsonl")
        self.hasCodes = hasCodes
        self.hasStyle = hasStyle
        var header = ["file", "index", "seed", "label", "label_name", "truncation", "model"]
        if hasCodes { header += ["categorical", "continuous"] }
        if hasStyle { header += ["truncation_psi", "truncation_cutoff", "noise_mode"] }
        header.append("model_sha256")
        try csv.append(header.joined(separator: ",") + "\n")
    }

    func append(_ row: ManifestRow) throws(ImageError) {
        var cells = [csvField(row.file), "\(row.index)", "\(row.seed)", row.label.map(String.init) ?? "",
                     csvField(row.labelName ?? ""), row.truncation.map { "\($0)" } ?? "", csvField(row.model)]
        var fields = [("file", jsonString(row.file)), ("index", "\(row.index)"), ("seed", "\(row.seed)"),
                      ("label", row.label.map(String.init) ?? "null"), ("label_name", row.labelName.map(jsonString) ?? "null"),
                      ("truncation", row.truncation.map { "\($0)" } ?? "null"), ("model", jsonString(row.model))]
        if hasCodes {
            let categorical = row.categorical ?? [], continuous = row.continuous ?? []
            cells += [categorical.map(String.init).joined(separator: ";"), continuous.map { "\($0)" }.joined(separator: ";")]
            fields += [("categorical", "[" + categorical.map(String.init).joined(separator: ",") + "]"),
                       ("continuous", "[" + continuous.map { "\($0)" }.joined(separator: ",") + "]")]
        }
        if hasStyle {
            let style = row.style ?? StyleControls()
            let psi = "\(style.psi ?? 1)", cutoff = style.cutoff.map(String.init), noise = (style.noise ?? .const).rawValue
            cells += [psi, cutoff ?? "", noise]
            fields += [("truncation_psi", psi), ("truncation_cutoff", cutoff ?? "null"), ("noise_mode", jsonString(noise))]
        }
        cells.append(row.modelSHA256)
        fields.append(("model_sha256", jsonString(row.modelSHA256)))
        try csv.append(cells.joined(separator: ",") + "\n")
        try jsonl.append("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}\n")
    }

    func commit() throws(ImageError) {
        try csv.commit()
        try jsonl.commit()
    }
}

/// Quoted only when it must be: a comma, quote, CR or LF inside.
private func csvField(_ s: String) -> String {
    guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
    return "\"" + s.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
}

func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20:
            let hex = String(u.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}
