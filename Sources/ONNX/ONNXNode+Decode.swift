/// Message decoders for NodeProto, AttributeProto and ValueInfoProto (with its TypeProto).
extension ONNXNode {
    init(message: ProtoReader, index: Int) throws(ONNXError) {
        var reader = message
        self.init(opType: "", inputs: [], outputs: [])
        try reader.forEachField(of: name.isEmpty ? "NodeProto #\(index)" : "NodeProto #\(index) '\(name)'") { r, field throws(ONNXError) in
            switch field.number {
            case 1: inputs.append(try r.string(field))
            case 2: outputs.append(try r.string(field))
            case 3: name = try r.string(field)
            case 4: opType = try r.string(field)
            case 5:
                let (key, value) = try Self.attribute(r.message(field))
                guard attributes.updateValue(value, forKey: key) == nil else {
                    throw .malformed("attribute '\(key)' appears twice")
                }
            case 7: domain = Self.normalizedDomain(try r.string(field))
            default: try r.skip(field.wireType)  // doc_string (6), overload (8), metadata_props (9), ...
            }
        }
    }

    /// "ai.onnx" and "" both name the default operator domain; this reader always says "".
    static func normalizedDomain(_ domain: String) -> String {
        domain == "ai.onnx" ? "" : domain
    }

    /// AttributeProto. The value is taken from the field its `type` names; files that omit
    /// `type` (very old exporters) get the kind of whichever value field is present.
    private static func attribute(_ message: ProtoReader) throws(ONNXError) -> (String, ONNXAttribute) {
        var reader = message
        var name = ""
        var type: Int32 = 0
        var float: Float?
        var int: Int64?
        var string: String?
        var tensor: ONNXTensor?
        var floats: [Float] = []
        var ints: [Int64] = []
        var strings: [String] = []
        var present: UInt64 = 0  // bit n: field n was seen
        var reference = ""
        try reader.forEachField(of: name.isEmpty ? "AttributeProto" : "AttributeProto '\(name)'") { r, field throws(ONNXError) in
            if field.number < 64 { present |= 1 << field.number }
            switch field.number {
            case 1: name = try r.string(field)
            case 2: float = try r.float(field)
            case 3: int = try r.int64(field)
            case 4: string = try r.lossyString(field)
            case 5: tensor = try ONNXTensor(message: r.message(field))
            case 6, 10, 11, 22, 23: _ = try r.bytes(field)  // subgraphs, tensor lists, sparse tensors: not decoded
            case 7: try r.appendFloats(field, to: &floats)
            case 8: try r.appendInt64s(field, to: &ints)
            case 9: strings.append(try r.lossyString(field))
            case 20: type = try r.int32(field)
            case 21: reference = try r.string(field)
            default: try r.skip(field.wireType)  // doc_string (13), tp (14), type_protos (15), ...
            }
        }
        guard reference.isEmpty else {
            throw .malformed(
                "attribute '\(name)' refers to function attribute '\(reference)' (ref_attr_name), which is only valid inside a function body")
        }
        if type == 0 {
            // Value fields in AttributeType order: f, i, s, t, g, floats, ints, strings, tensors, graphs, sparse_tensor.
            let kinds: [(field: Int, type: Int32)] = [(2, 1), (3, 2), (4, 3), (5, 4), (6, 5), (7, 6), (8, 7), (9, 8), (10, 9), (11, 10), (22, 11)]
            guard let kind = kinds.first(where: { present & 1 << $0.field != 0 }) else {
                throw .malformed("attribute '\(name)' has neither a type (field 20) nor a value")
            }
            type = kind.type
        }
        switch type {
        case 1: return (name, .float(float ?? 0))
        case 2: return (name, .int(int ?? 0))
        case 3: return (name, .string(string ?? ""))
        case 4:
            guard let tensor else { throw .malformed("attribute '\(name)' has type TENSOR but no tensor (field 5)") }
            return (name, .tensor(tensor))
        case 5:
            guard present & 1 << 6 != 0 else { throw .malformed("attribute '\(name)' has type GRAPH but no graph (field 6)") }
            return (name, .graph)
        case 6: return (name, .floats(floats))
        case 7: return (name, .ints(ints))
        case 8: return (name, .strings(strings))
        default: return (name, .other(type: Int(type)))
        }
    }
}

extension ONNXValueInfo {
    /// ValueInfoProto: name (1), type (2) -> TypeProto: tensor_type (1) -> elem_type (1),
    /// shape (2) -> TensorShapeProto: dim (1) -> dim_value (1) | dim_param (2).
    init(message: ProtoReader) throws(ONNXError) {
        var reader = message
        self.init(name: "", elementType: nil, shape: nil)
        try reader.forEachField(of: name.isEmpty ? "ValueInfoProto" : "ValueInfoProto '\(name)'") { r, field throws(ONNXError) in
            switch field.number {
            case 1: name = try r.string(field)
            case 2: (elementType, shape) = try Self.tensorType(in: r.message(field))
            default: try r.skip(field.wireType)
            }
        }
    }

    /// The element type and shape of a TypeProto's tensor_type; (nil, nil) for other kinds.
    private static func tensorType(in typeProto: ProtoReader) throws(ONNXError) -> (ONNXDataType?, [ONNXDimension]?) {
        var reader = typeProto
        var elementType: ONNXDataType?
        var shape: [ONNXDimension]?
        try reader.forEachField(of: "TypeProto") { r, field throws(ONNXError) in
            guard field.number == 1 else { return try r.skip(field.wireType) }  // sequence, map, optional...
            var tensor = try r.message(field)
            try tensor.forEachField(of: "TypeProto.Tensor") { t, field throws(ONNXError) in
                switch field.number {
                case 1: elementType = ONNXDataType(rawValue: try t.int32(field))
                case 2: shape = try dimensions(t.message(field))
                default: try t.skip(field.wireType)
                }
            }
        }
        return (elementType, shape)
    }

    private static func dimensions(_ shapeProto: ProtoReader) throws(ONNXError) -> [ONNXDimension] {
        var reader = shapeProto
        var dims: [ONNXDimension] = []
        try reader.forEachField(of: "TensorShapeProto") { r, field throws(ONNXError) in
            guard field.number == 1 else { return try r.skip(field.wireType) }
            var dimension = try r.message(field)
            var value = ONNXDimension.unknown
            try dimension.forEachField(of: "TensorShapeProto.Dimension #\(dims.count)") { d, field throws(ONNXError) in
                switch field.number {
                case 1: value = .value(try d.int64(field))
                case 2: value = .parameter(try d.string(field))
                default: try d.skip(field.wireType)  // denotation (3)
                }
            }
            dims.append(value)
        }
        return dims
    }
}
