/// Field-level reads: each checks the wire type the schema expects, so a corrupted file is
/// caught at the first field that does not fit rather than decoded into nonsense.
extension ProtoReader {
    /// Reads every field of this message, calling `body` for each; a malformed-data error
    /// from inside is prefixed with "field N of `message`", where `message` is evaluated only
    /// on failure (so it can name the node or tensor once its name field has been read).
    public mutating func forEachField(
        of message: @autoclosure () -> String, _ body: (inout ProtoReader, ProtoField) throws(ONNXError) -> Void
    ) throws(ONNXError) {
        var current = 0
        do throws(ONNXError) {
            while true {
                current = 0
                guard let field = try nextField() else { return }
                current = field.number
                try body(&self, field)
            }
        } catch {
            throw error.within(current == 0 ? message() : "field \(current) of \(message())")
        }
    }

    public mutating func int64(_ field: ProtoField) throws(ONNXError) -> Int64 {
        try expect(field, .varint)
        return Int64(bitPattern: try readVarint())
    }

    /// An `int32` or enum field: negative values are sign-extended to ten bytes on the wire,
    /// so the low 32 bits are the value.
    public mutating func int32(_ field: ProtoField) throws(ONNXError) -> Int32 {
        try expect(field, .varint)
        return Int32(truncatingIfNeeded: try readVarint())
    }

    public mutating func float(_ field: ProtoField) throws(ONNXError) -> Float {
        try expect(field, .fixed32)
        return Float(bitPattern: try readFixed32())
    }

    public mutating func bytes(_ field: ProtoField) throws(ONNXError) -> ArraySlice<UInt8> {
        try expect(field, .lengthDelimited)
        return try readLengthDelimited()
    }

    /// A `string` field that must be UTF-8 (names, which other names must match exactly).
    public mutating func string(_ field: ProtoField) throws(ONNXError) -> String {
        let start = position
        let slice = try bytes(field)
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw .malformed("string at offset \(start) is not valid UTF-8")
        }
        return text
    }

    /// A `bytes` or free-text field, with invalid UTF-8 replaced by U+FFFD.
    public mutating func lossyString(_ field: ProtoField) throws(ONNXError) -> String {
        String(decoding: try bytes(field), as: UTF8.self)
    }

    /// An embedded message, as a reader over its bytes.
    public mutating func message(_ field: ProtoField) throws(ONNXError) -> ProtoReader {
        ProtoReader(try bytes(field))
    }

    // MARK: Repeated scalars, packed or not

    /// One element of a repeated varint field, or all of a packed run of them.
    public mutating func appendVarints<T>(
        _ field: ProtoField, to values: inout [T], _ convert: (UInt64) -> T
    ) throws(ONNXError) {
        switch field.wireType {
        case .varint:
            values.append(convert(try readVarint()))
        case .lengthDelimited:
            var packed = ProtoReader(try readLengthDelimited())
            while !packed.isAtEnd { values.append(convert(try packed.readVarint())) }
        default:
            throw wrongWireType(field, expected: "varint or packed (2)")
        }
    }

    /// One element of a repeated fixed32 field, or all of a packed run of them.
    public mutating func appendFixed32s<T>(
        _ field: ProtoField, to values: inout [T], _ convert: (UInt32) -> T
    ) throws(ONNXError) {
        try appendFixed(field, .fixed32, UInt32.self, to: &values, convert)
    }

    /// One element of a repeated fixed64 field, or all of a packed run of them.
    public mutating func appendFixed64s<T>(
        _ field: ProtoField, to values: inout [T], _ convert: (UInt64) -> T
    ) throws(ONNXError) {
        try appendFixed(field, .fixed64, UInt64.self, to: &values, convert)
    }

    public mutating func appendInt64s(_ field: ProtoField, to values: inout [Int64]) throws(ONNXError) {
        try appendVarints(field, to: &values) { Int64(bitPattern: $0) }
    }

    public mutating func appendFloats(_ field: ProtoField, to values: inout [Float]) throws(ONNXError) {
        try appendFixed32s(field, to: &values) { Float(bitPattern: $0) }
    }

    private mutating func appendFixed<Wire: FixedWidthInteger & UnsignedInteger, T>(
        _ field: ProtoField, _ single: ProtoWireType, _: Wire.Type, to values: inout [T], _ convert: (Wire) -> T
    ) throws(ONNXError) {
        let size = MemoryLayout<Wire>.size
        switch field.wireType {
        case single:
            values.append(convert(try readLittleEndian(Wire.self)))
        case .lengthDelimited:
            let start = position
            let packed = try readLengthDelimited()
            guard packed.count % size == 0 else {
                throw .malformed("packed run at offset \(start) is \(packed.count) bytes, not a multiple of \(size)")
            }
            // The count is bounded by bytes already in memory, so reserving is safe; growth stays
            // geometric so that many small runs of one field cost linear time, not quadratic.
            let needed = values.count + packed.count / size
            if values.capacity < needed { values.reserveCapacity(Swift.max(needed, 2 * values.capacity)) }
            packed.withUnsafeBytes { raw in
                for offset in stride(from: 0, to: raw.count, by: size) {
                    values.append(convert(Wire(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Wire.self))))
                }
            }
        default:
            throw wrongWireType(field, expected: "\(single.rawValue) or packed (2)")
        }
    }

    private func expect(_ field: ProtoField, _ wireType: ProtoWireType) throws(ONNXError) {
        guard field.wireType == wireType else { throw wrongWireType(field, expected: "\(wireType.rawValue)") }
    }

    private func wrongWireType(_ field: ProtoField, expected: String) -> ONNXError {
        .malformed("wire type \(field.wireType.rawValue) where the schema needs \(expected)")
    }
}
