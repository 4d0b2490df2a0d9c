/// Message decoders for ModelProto and GraphProto. Field numbers are those of onnx.proto;
/// fields not listed are skipped, whatever their wire type.
extension ONNXModel {
    /// Decodes a serialized ModelProto (the contents of an .onnx file).
    public init(bytes: [UInt8]) throws(ONNXError) {
        try self.init(message: ProtoReader(bytes))
    }

    init(message: ProtoReader) throws(ONNXError) {
        var reader = message
        var irVersion: Int64 = 0
        var producerName = ""
        var producerVersion = ""
        var domain = ""
        var modelVersion: Int64 = 0
        var opsets: [String: Int64] = [:]
        var graph: ONNXGraph?
        var metadata: [String: String] = [:]
        try reader.forEachField(of: "ModelProto") { r, field throws(ONNXError) in
            switch field.number {
            case 1: irVersion = try r.int64(field)
            case 2: producerName = try r.lossyString(field)
            case 3: producerVersion = try r.lossyString(field)
            case 4: domain = try r.string(field)
            case 5: modelVersion = try r.int64(field)
            case 7: graph = try ONNXGraph(message: r.message(field))
            case 8:
                let (opsetDomain, version) = try Self.operatorSet(r.message(field))
                if let earlier = opsets[opsetDomain], earlier != version {
                    let shown = opsetDomain.isEmpty ? "ai.onnx" : opsetDomain
                    throw .malformed("opset_import lists domain '\(shown)' twice, with versions \(earlier) and \(version)")
                }
                opsets[opsetDomain] = version
            case 14:
                let (key, value) = try Self.stringPair(r.message(field))
                metadata[key] = value
            default: try r.skip(field.wireType)  // doc_string (6), training_info (20), functions (25), ...
            }
        }
        // Both are required of a model; checking them also means a truncated file whose cut
        // falls between two top-level fields is refused instead of read as a smaller model.
        guard let graph else { throw .malformed("ModelProto has no graph (field 7)") }
        guard !opsets.isEmpty else { throw .malformed("ModelProto has no opset_import (field 8)") }
        self.init(
            irVersion: irVersion, producerName: producerName, producerVersion: producerVersion, domain: domain,
            modelVersion: modelVersion, opsets: opsets, graph: graph, metadata: metadata)
    }

    /// OperatorSetIdProto: domain (1), version (2).
    private static func operatorSet(_ message: ProtoReader) throws(ONNXError) -> (domain: String, version: Int64) {
        var reader = message
        var domain = ""
        var version: Int64 = 0
        try reader.forEachField(of: "OperatorSetIdProto") { r, field throws(ONNXError) in
            switch field.number {
            case 1: domain = try r.string(field)
            case 2: version = try r.int64(field)
            default: try r.skip(field.wireType)
            }
        }
        return (ONNXNode.normalizedDomain(domain), version)
    }

    /// StringStringEntryProto: key (1), value (2).
    private static func stringPair(_ message: ProtoReader) throws(ONNXError) -> (key: String, value: String) {
        var reader = message
        var key = ""
        var value = ""
        try reader.forEachField(of: "StringStringEntryProto") { r, field throws(ONNXError) in
            switch field.number {
            case 1: key = try r.lossyString(field)
            case 2: value = try r.lossyString(field)
            default: try r.skip(field.wireType)
            }
        }
        return (key, value)
    }
}

extension ONNXGraph {
    init(message: ProtoReader) throws(ONNXError) {
        var reader = message
        self.init()
        try reader.forEachField(of: name.isEmpty ? "GraphProto" : "GraphProto '\(name)'") { r, field throws(ONNXError) in
            switch field.number {
            case 1: nodes.append(try ONNXNode(message: r.message(field), index: nodes.count))
            case 2: name = try r.string(field)
            case 5: initializers.append(try ONNXTensor(message: r.message(field)))
            case 11: inputs.append(try ONNXValueInfo(message: r.message(field)))
            case 12: outputs.append(try ONNXValueInfo(message: r.message(field)))
            case 13: valueInfo.append(try ONNXValueInfo(message: r.message(field)))
            case 15:
                _ = try r.bytes(field)
                hasSparseInitializers = true
            default: try r.skip(field.wireType)  // doc_string (10), quantization_annotation (14), metadata_props (16)
            }
        }
    }
}
