/// Little-endian writer for the plan format.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { append(v.littleEndian) }
    mutating func u32(_ v: UInt32) { append(v.littleEndian) }
    mutating func u64(_ v: UInt64) { append(v.littleEndian) }
    mutating func i64(_ v: Int64) { append(v.littleEndian) }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func count(_ n: Int) { u32(UInt32(n)) }
    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        count(utf8.count)
        bytes.append(contentsOf: utf8)
    }
    mutating func pad(toMultipleOf alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }

    private mutating func append<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }
}

/// Bounds-checked little-endian reader: every read past the end throws, and counts are
/// checked against the bytes left so a hostile count cannot trigger a huge allocation.
struct ByteReader {
    let bytes: ArraySlice<UInt8>
    private(set) var position: Int
    let context: String

    init(_ bytes: ArraySlice<UInt8>, context: String) {
        self.bytes = bytes
        self.position = bytes.startIndex
        self.context = context
    }

    var remaining: Int { bytes.endIndex - position }

    mutating func u8() throws(PlanError) -> UInt8 { try integer() }
    mutating func u16() throws(PlanError) -> UInt16 { try integer() }
    mutating func u32() throws(PlanError) -> UInt32 { try integer() }
    mutating func u64() throws(PlanError) -> UInt64 { try integer() }
    mutating func i64() throws(PlanError) -> Int64 { try integer() }
    mutating func f32() throws(PlanError) -> Float { Float(bitPattern: try u32()) }

    /// A count of items each at least `minimumItemSize` bytes long.
    mutating func count(minimumItemSize: Int, limit: Int = 1 << 24) throws(PlanError) -> Int {
        let n = Int(try u32())
        guard n <= limit, n * minimumItemSize <= remaining else {
            throw .malformed("\(context): count \(n) exceeds what the section holds")
        }
        return n
    }

    mutating func string() throws(PlanError) -> String {
        let n = try count(minimumItemSize: 1, limit: 4096)
        let slice = bytes[position..<position + n]
        position += n
        guard let s = String(validating: slice, as: UTF8.self) else { throw .malformed("\(context): string is not UTF-8") }
        return s
    }

    private mutating func integer<T: FixedWidthInteger>() throws(PlanError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw .malformed("\(context): unexpected end of data") }
        var v: T = 0
        for i in 0..<size { v |= T(bytes[position + i]) << (8 * i) }
        position += size
        return v
    }
}
