/// A tensor value (TensorProto): an initializer, a tensor attribute, or a standalone `.pb` file.
///
/// The values stay as they were stored (raw_data as a slice of the input bytes, or the typed
/// repeated field) until `floats()` or `int64s()` converts them, checking the size on the way.
/// A tensor read from a file therefore keeps that file's bytes alive.
public struct ONNXTensor: Sendable, Equatable {
    public var name: String
    public var dims: [Int64]
    public var dataType: ONNXDataType
    /// The values live in a separate file (data_location EXTERNAL or external_data entries);
    /// reading them throws `ONNXError.externalData`.
    public var isExternal: Bool

    // Storage as written; at most one is expected to be non-empty, raw_data winning if present.
    var rawData: ArraySlice<UInt8>?
    var floatData: [Float] = []
    var int32Data: [Int32] = []
    var int64Data: [Int64] = []
    var doubleData: [Double] = []
    var uint64Data: [UInt64] = []
    var stringCount = 0

    /// A tensor whose values are little-endian bytes, as TensorProto.raw_data holds them.
    public init(name: String, dims: [Int64], dataType: ONNXDataType, rawData: [UInt8]) {
        self.name = name
        self.dims = dims
        self.dataType = dataType
        self.isExternal = false
        self.rawData = rawData[...]
    }

    public init(name: String, dims: [Int64], floats: [Float]) {
        self.name = name
        self.dims = dims
        self.dataType = .float
        self.isExternal = false
        self.floatData = floats
    }

    public init(name: String, dims: [Int64], int64s: [Int64]) {
        self.name = name
        self.dims = dims
        self.dataType = .int64
        self.isExternal = false
        self.int64Data = int64s
    }

    /// Decodes a serialized TensorProto, such as the input_0.pb and output_0.pb files of the
    /// ONNX backend test data.
    public init(bytes: [UInt8]) throws(ONNXError) {
        try self.init(message: ProtoReader(bytes))
    }

    public init(bytes: ArraySlice<UInt8>) throws(ONNXError) {
        try self.init(message: ProtoReader(bytes))
    }

    init(message: ProtoReader) throws(ONNXError) {
        var reader = message
        var name = ""
        var dims: [Int64] = []
        var typeCode: Int32 = 0
        var dataLocation: Int32 = 0
        var hasExternalEntries = false
        var rawData: ArraySlice<UInt8>?
        var floatData: [Float] = []
        var int32Data: [Int32] = []
        var int64Data: [Int64] = []
        var doubleData: [Double] = []
        var uint64Data: [UInt64] = []
        var stringCount = 0
        try reader.forEachField(of: name.isEmpty ? "TensorProto" : "TensorProto '\(name)'") { r, field throws(ONNXError) in
            switch field.number {
            case 1: try r.appendInt64s(field, to: &dims)
            case 2: typeCode = try r.int32(field)
            case 4: try r.appendFloats(field, to: &floatData)
            case 5: try r.appendVarints(field, to: &int32Data) { Int32(truncatingIfNeeded: $0) }
            case 6:
                _ = try r.bytes(field)
                stringCount += 1
            case 7: try r.appendInt64s(field, to: &int64Data)
            case 8: name = try r.string(field)
            case 9: rawData = try r.bytes(field)
            case 10: try r.appendFixed64s(field, to: &doubleData) { Double(bitPattern: $0) }
            case 11: try r.appendVarints(field, to: &uint64Data) { $0 }
            case 13:
                _ = try r.bytes(field)
                hasExternalEntries = true
            case 14: dataLocation = try r.int32(field)
            default: try r.skip(field.wireType)  // segment (3), doc_string (12), metadata_props (16), future fields
            }
        }
        guard let dataType = ONNXDataType(rawValue: typeCode) else {
            throw .unsupportedDataType(tensor: name, type: typeCode, expected: "a data type defined by onnx.proto (1 to 28)")
        }
        self.name = name
        self.dims = dims
        self.dataType = dataType
        self.isExternal = dataLocation == 1 || hasExternalEntries
        self.rawData = rawData
        self.floatData = floatData
        self.int32Data = int32Data
        self.int64Data = int64Data
        self.doubleData = doubleData
        self.uint64Data = uint64Data
        self.stringCount = stringCount
    }
}
