// Text from a model file (names, descriptions, labels, op names) reaches the terminal only through here: control
// characters are shown as escapes, so a file cannot forge a second `gansynth:` line or send ESC sequences.

/// `text` with every control character (C0, DEL, C1) written as `\n`, `\t`, `\r` or `\u{…}`.
func terminalSafe(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar.value {
        case 0x0A: out += "\\n"
        case 0x09: out += "\\t"
        case 0x0D: out += "\\r"
        case 0x00..<0x20, 0x7F..<0xA0: out += "\\u{" + String(scalar.value, radix: 16) + "}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
