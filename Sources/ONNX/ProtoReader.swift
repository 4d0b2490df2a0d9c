/// The protobuf wire types ONNX files use. Groups (3 and 4) are deprecated, never written by
/// ONNX, and refused as malformed; 6 and 7 do not exist.
public enum ProtoWireType: UInt8, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5
}

/// One field key: which field follows, and how its value is encoded.
public struct ProtoField: Sendable, Equatable {
    public var number: Int
    public var wireType: ProtoWireType

    public init(number: Int, wireType: ProtoWireType) {
        self.number = number
        self.wireType = wireType
    }
}

/// A bounds-checked reader of protobuf wire format over a slice of bytes.
///
/// Every read past the end throws, and every length prefix is checked against the bytes left
/// before anything is sliced, so hostile input cannot make it trap or allocate. Nested messages
/// and `bytes` fields are returned as slices sharing the input's storage: nothing is copied.
/// Offsets in error messages are indices into the array the top-level reader was made from.
public struct ProtoReader: Sendable {
    public let bytes: ArraySlice<UInt8>
    public private(set) var position: Int

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    public init(_ bytes: [UInt8]) { self.init(bytes[...]) }

    public var remaining: Int { bytes.endIndex - position }
    public var isAtEnd: Bool { position >= bytes.endIndex }

    // MARK: Wire primitives

    /// The next field key, or nil at the end of the message.
    public mutating func nextField() throws(ONNXError) -> ProtoField? {
        guard !isAtEnd else { return nil }
        let start = position
        let key = try readVarint()
        // Field numbers are at most 2^29 - 1, so a key never needs more than 32 bits.
        guard key <= UInt64(UInt32.max), key >> 3 != 0 else {
            throw .malformed("field key \(key) at offset \(start) has an invalid field number")
        }
        let number = Int(key >> 3)
        let rawWireType = UInt8(key & 7)
        guard let wireType = ProtoWireType(rawValue: rawWireType) else {
            let why = rawWireType == 3 || rawWireType == 4 ? "the deprecated group encoding, which ONNX never writes" : "an invalid wire type"
            throw .malformed("field \(number) at offset \(start) uses wire type \(rawWireType), \(why)")
        }
        return ProtoField(number: number, wireType: wireType)
    }

    /// A base-128 varint of at most 10 bytes; longer ones, or ones beyond 64 bits, are refused.
    public mutating func readVarint() throws(ONNXError) -> UInt64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while position < bytes.endIndex {
            let byte = bytes[position]
            position += 1
            // The tenth byte holds bit 63 only; anything more is an overlong or overflowing varint.
            if shift == 63, byte > 1 {
                throw .malformed("varint at offset \(start) is longer than 10 bytes or exceeds 64 bits")
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        throw .malformed("varint at offset \(start) runs past the end of its message")
    }

    public mutating func readFixed32() throws(ONNXError) -> UInt32 {
        try readLittleEndian(UInt32.self)
    }

    public mutating func readFixed64() throws(ONNXError) -> UInt64 {
        try readLittleEndian(UInt64.self)
    }

    /// A length-prefixed value; the length is checked against the bytes left before slicing.
    public mutating func readLengthDelimited() throws(ONNXError) -> ArraySlice<UInt8> {
        let start = position
        let length = try readVarint()
        guard length <= UInt64(remaining) else {
            throw .malformed("length \(length) at offset \(start) exceeds the \(remaining) bytes left")
        }
        let end = position + Int(length)
        defer { position = end }
        return bytes[position..<end]
    }

    /// Skips one value of any wire type (for fields this reader does not need).
    public mutating func skip(_ wireType: ProtoWireType) throws(ONNXError) {
        switch wireType {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed64()
        case .lengthDelimited: _ = try readLengthDelimited()
        case .fixed32: _ = try readFixed32()
        }
    }

    mutating func readLittleEndian<T: FixedWidthInteger & UnsignedInteger>(_: T.Type) throws(ONNXError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else {
            throw .malformed("\(size * 8)-bit value at offset \(position) runs past the end of its message (\(remaining) bytes left)")
        }
        let offset = position - bytes.startIndex
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
        position += size
        return T(littleEndian: value)
    }
}
