extension Architecture {
    /// One line of compact JSON in the spec form, keys in a fixed order, numbers spelt one way:
    /// the identity of an architecture (plan metadata, latency-table keys). Parsing it gives the
    /// same architecture back. Meant for checked architectures (`SearchSpace.check` normalises,
    /// so two spellings of one network share one canonical string).
    public var canonical: String {
        var parts = [
            "\"space\":\(Self.quote(space))", "\"resolution\":\(resolution)", "\"widthMultiplier\":\(Format.number(widthMultiplier))",
        ]
        if let embedDim { parts.append("\"embedDim\":\(embedDim)") }
        parts.append("\"stages\":[" + stages.map(\.canonical).joined(separator: ",") + "]")
        if !layerWidths.isEmpty {
            let pairs = layerWidths.keys.sorted().map { "\(Self.quote($0)):\(Format.number(layerWidths[$0]!))" }
            parts.append("\"layerWidths\":{" + pairs.joined(separator: ",") + "}")
        }
        if !skippedLayers.isEmpty { parts.append("\"skip\":[" + skippedLayers.sorted().map(Self.quote).joined(separator: ",") + "]") }
        return "{" + parts.joined(separator: ",") + "}"
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

extension Architecture.StageChoice {
    var canonical: String {
        var parts = ["\"depth\":\(depth)"]
        if !kernels.isEmpty { parts.append("\"kernels\":[" + kernels.map(String.init).joined(separator: ",") + "]") }
        if !expands.isEmpty { parts.append("\"expands\":[" + expands.map(Format.number).joined(separator: ",") + "]") }
        if !heads.isEmpty { parts.append("\"heads\":[" + heads.map(String.init).joined(separator: ",") + "]") }
        if let widthMultiplier { parts.append("\"widthMultiplier\":\(Format.number(widthMultiplier))") }
        return "{" + parts.joined(separator: ",") + "}"
    }
}
