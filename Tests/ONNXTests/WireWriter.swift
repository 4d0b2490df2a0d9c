/// A test-only protobuf writer, so tests can state the bytes they feed the reader field by
/// field. It writes exactly what it is told (including wrong wire types and bad lengths).
struct WireWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ wireType: UInt8) { varint(UInt64(field) << 3 | UInt64(wireType)) }

    mutating func fixed32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func fixed64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }

    // Fields.
    mutating func int(_ field: Int, _ value: Int64) {
        key(field, 0)
        varint(UInt64(bitPattern: value))
    }

    mutating func float(_ field: Int, _ value: Float) {
        key(field, 5)
        fixed32(value.bitPattern)
    }

    mutating func double(_ field: Int, _ value: Double) {
        key(field, 1)
        fixed64(value.bitPattern)
    }

    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        key(field, 2)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    mutating func message(_ field: Int, _ build: (inout WireWriter) -> Void) {
        var inner = WireWriter()
        build(&inner)
        bytes(field, inner.bytes)
    }

    mutating func packedInts(_ field: Int, _ values: [Int64]) {
        var inner = WireWriter()
        for v in values { inner.varint(UInt64(bitPattern: v)) }
        bytes(field, inner.bytes)
    }

    /// The pre-proto3 encoding of a repeated scalar: one key per element.
    mutating func unpackedInts(_ field: Int, _ values: [Int64]) {
        for v in values { int(field, v) }
    }

    mutating func packedFloats(_ field: Int, _ values: [Float]) {
        var inner = WireWriter()
        for v in values { inner.fixed32(v.bitPattern) }
        bytes(field, inner.bytes)
    }

    mutating func packedDoubles(_ field: Int, _ values: [Double]) {
        var inner = WireWriter()
        for v in values { inner.fixed64(v.bitPattern) }
        bytes(field, inner.bytes)
    }

    /// One field of each wire type, numbered so no ONNX message uses them: the reader must skip all.
    mutating func unknownFields() {
        int(1000, -5)
        double(1001, 2.5)
        string(1002, "ignored")
        message(1003) { $0.int(1, 1) }
        float(1004, 1.5)
    }

    static func build(_ body: (inout WireWriter) -> Void) -> [UInt8] {
        var w = WireWriter()
        body(&w)
        return w.bytes
    }
}
