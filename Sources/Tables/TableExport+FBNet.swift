import Foundation

/// The `fbnet-jsonl` export: FBNet's runtime LUT (facebookresearch/mobile-vision,
/// `runtime_lut`: `LUTSchema` records, one JSON object per line, as `OpLut.load` reads a
/// `DEVICE-op_lut_database.json`). A record has exactly the schema's ten fields: `load_from_json`
/// refuses any other. BoardBench's ops are whole blocks, so `op_type` is the block kind and the
/// block's parameters are `op_args`; docs/formats.md lists every field and where it departs
/// from FBNet's Caffe2 records.
extension TableExporter {
    /// Caffe2's `TensorProto.DataType.FLOAT`: FBNet records hold these codes, not names.
    public static let fbnetFloatDataType = 1

    static func fbnetJSONL(_ table: LatencyTable) -> ExportedFile {
        let entries = table.sortedEntries
        var text = ""
        for e in entries {
            let shapes = fbnetInputShapes(e.layer)
            let args: [String] = fbnetArguments(e.layer).map(jsonString)
            let shapeList: [String] = shapes.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" }
            let dtypes: [String] = shapes.map { _ in "\(fbnetFloatDataType)" }
            let fields: [(String, String)] = [
                ("op_type", jsonString(e.layer.kind)),
                ("op_args", "[" + args.joined(separator: ", ") + "]"),
                ("input_shapes", "[" + shapeList.joined(separator: ", ") + "]"),
                ("input_dtypes", "[" + dtypes.joined(separator: ", ") + "]"),
                ("runtime_us_p0", "\(e.p0 / 1e3)"),
                ("runtime_us_p10", "\(e.p10 / 1e3)"),
                ("runtime_us_p50", "\(e.p50 / 1e3)"),
                ("runtime_us_p90", "\(e.p90 / 1e3)"),
                ("runtime_us_p100", "\(e.p100 / 1e3)"),
                ("device", jsonString(table.record.device)),
            ]
            text += "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}\n"
        }
        return ExportedFile(name: "\(table.record.device)-op_lut_database.json", contents: text, entryCount: entries.count)
    }

    /// The block's input with the batch of 1: [[1, C, H, W]] (NCHW, as FBNet), [[1, T, D]] or [[1, F]].
    public static func fbnetInputShapes(_ layer: TableLayer) -> [[Int]] { [[1] + layer.input] }

    /// The block's parameters as FBNet stores a Caffe2 op's arguments: each argument's protobuf
    /// text (`name: "kernel"\ni: 3\n`), sorted by name. Which arguments appear follows the
    /// table key's fields, so two entries never share `op_type`, `input_shapes` and `op_args`.
    public static func fbnetArguments(_ layer: TableLayer) -> [String] {
        var args: [String: String] = [:]
        func int(_ name: String, _ v: Int) { args[name] = "name: \"\(name)\"\ni: \(v)\n" }
        args["output_shape"] = "name: \"output_shape\"\n" + ([1] + layer.output).map { "ints: \($0)\n" }.joined()
        if layer.kernel > 0 { int("kernel", layer.kernel) }
        if layer.kernel > 0 || layer.stride != 1 { int("stride", layer.stride) }
        if layer.middle > 0 { int("middle", layer.middle) }
        if ["mbconv", "bottleneck", "transformer"].contains(layer.kind) { args["expand_ratio"] = "name: \"expand_ratio\"\nf: \(layer.expandRatio)\n" }
        if layer.seChannels > 0 { int("se_channels", layer.seChannels) }
        if layer.heads > 0 { int("heads", layer.heads) }
        if layer.activation != "none" { args["activation"] = "name: \"activation\"\ns: \"\(layer.activation)\"\n" }
        if layer.identitySkip { int("identity_skip", 1) }
        if ["conv", "linear", "patchEmbed"].contains(layer.kind) { int("bias", layer.bias ? 1 : 0) }
        return args.keys.sorted().map { args[$0]! }
    }

    /// `text` as a JSON string literal.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for u in text.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
