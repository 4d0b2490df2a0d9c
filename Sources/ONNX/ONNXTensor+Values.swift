/// Conversions from the stored form to Swift arrays, each checking that the data is inside
/// the file, of a type that converts, and exactly as long as the dims say.
extension ONNXTensor {
    /// The number of elements the dims describe (1 for a scalar, whose dims are []).
    public func elementCount() throws(ONNXError) -> Int {
        var count = 1
        for dim in dims {
            guard dim >= 0 else { throw .malformed("tensor '\(name)' has a negative dimension in dims \(dims)") }
            // Int(exactly:) matters on 32-bit boards, where a dimension can exceed Int.
            let product = Int(exactly: dim).map { count.multipliedReportingOverflow(by: $0) }
            guard let product, !product.overflow else {
                throw .malformed("tensor '\(name)' has dims \(dims), more elements than this machine can address")
            }
            count = product.partialValue
        }
        return count
    }

    /// The values as Float: FLOAT, FLOAT16, BFLOAT16 and DOUBLE convert (DOUBLE rounding),
    /// and so do integer and BOOL tensors.
    public func floats() throws(ONNXError) -> [Float] {
        try requireInlineData()
        let count = try elementCount()
        switch dataType {
        case .float:
            if let copied = rawFloatsCopied(count) { return copied }
            return try values(count, UInt32.self, typed: floatData, fromRaw: { Float(bitPattern: $0) }, fromTyped: { $0 })
        case .float16:
            return try values(count, UInt16.self, typed: int32Data, fromRaw: Self.float(half:)) {
                Self.float(half: UInt16(truncatingIfNeeded: $0))
            }
        case .bfloat16:
            return try values(count, UInt16.self, typed: int32Data, fromRaw: Self.float(bfloat16:)) {
                Self.float(bfloat16: UInt16(truncatingIfNeeded: $0))
            }
        case .double:
            return try values(count, UInt64.self, typed: doubleData, fromRaw: { Float(Double(bitPattern: $0)) }, fromTyped: { Float($0) })
        default:
            return try integers(count, expected: "a numeric type (FLOAT, FLOAT16, BFLOAT16, DOUBLE, an integer type or BOOL)")
        }
    }

    /// The values as Int64, from any integer or BOOL tensor; UINT64 values above Int64.max throw.
    public func int64s() throws(ONNXError) -> [Int64] {
        try requireInlineData()
        return try integers(try elementCount(), expected: "an integer type (INT8 to UINT64) or BOOL")
    }

    /// FLOAT raw_data is the common case (every weight of most models): on little-endian
    /// machines it is already in memory order, so it is copied in one go.
    private func rawFloatsCopied(_ count: Int) -> [Float]? {
        #if _endian(little)
            guard let raw = rawData else { return nil }
            let (expectedBytes, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
            guard !overflow, raw.count == expectedBytes else { return nil }  // values() reports the error
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                raw.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
                initialized = count
            }
        #else
            return nil
        #endif
    }

    private func requireInlineData() throws(ONNXError) {
        if isExternal { throw .externalData(tensor: name) }
    }

    /// Integer and BOOL tensors, converted to Float or Int64.
    private func integers<Out: ConvertibleFromInteger>(_ count: Int, expected: String) throws(ONNXError) -> [Out] {
        let name = name
        let fromInt32: (Int32) throws(ONNXError) -> Out = { Out(Int64($0)) }
        let fromUInt64: (UInt64) throws(ONNXError) -> Out = { (value) throws(ONNXError) in try Out.exactly(value, tensor: name) }
        switch dataType {
        case .int8: return try values(count, UInt8.self, typed: int32Data, fromRaw: { Out(Int64(Int8(bitPattern: $0))) }, fromTyped: fromInt32)
        case .uint8, .bool: return try values(count, UInt8.self, typed: int32Data, fromRaw: { Out(Int64($0)) }, fromTyped: fromInt32)
        case .int16: return try values(count, UInt16.self, typed: int32Data, fromRaw: { Out(Int64(Int16(bitPattern: $0))) }, fromTyped: fromInt32)
        case .uint16: return try values(count, UInt16.self, typed: int32Data, fromRaw: { Out(Int64($0)) }, fromTyped: fromInt32)
        case .int32: return try values(count, UInt32.self, typed: int32Data, fromRaw: { Out(Int64(Int32(bitPattern: $0))) }, fromTyped: fromInt32)
        case .int64: return try values(count, UInt64.self, typed: int64Data, fromRaw: { Out(Int64(bitPattern: $0)) }, fromTyped: { Out($0) })
        case .uint32: return try values(count, UInt32.self, typed: uint64Data, fromRaw: { Out(Int64($0)) }, fromTyped: fromUInt64)
        case .uint64:
            return try values(count, UInt64.self, typed: uint64Data, fromRaw: fromUInt64, fromTyped: fromUInt64)
        default: throw .unsupportedDataType(tensor: name, type: dataType.rawValue, expected: expected)
        }
    }

    /// Reads `count` values from raw_data (as little-endian `Wire` words) if present, else from
    /// the typed field; either way the length is checked before anything is allocated.
    private func values<Wire: FixedWidthInteger & UnsignedInteger, Typed, Out>(
        _ count: Int, _: Wire.Type, typed: [Typed], fromRaw: (Wire) throws(ONNXError) -> Out, fromTyped: (Typed) throws(ONNXError) -> Out
    ) throws(ONNXError) -> [Out] {
        let width = MemoryLayout<Wire>.size
        let (expectedBytes, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow else { throw .malformed("tensor '\(name)' has dims \(dims), more bytes than this machine can address") }
        var result: [Out] = []
        if let raw = rawData {
            guard raw.count == expectedBytes else { throw .sizeMismatch(tensor: name, expectedBytes: expectedBytes, actualBytes: raw.count) }
            result.reserveCapacity(count)
            // withUnsafeBytes only rethrows untyped errors, so the first failure is carried out.
            var failure: ONNXError?
            raw.withUnsafeBytes { bytes in
                do throws(ONNXError) {
                    for offset in stride(from: 0, to: expectedBytes, by: width) {
                        result.append(try fromRaw(Wire(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Wire.self))))
                    }
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
        } else {
            guard typed.count == count else {
                throw .sizeMismatch(tensor: name, expectedBytes: expectedBytes, actualBytes: typed.count * width)
            }
            result.reserveCapacity(count)
            for value in typed { result.append(try fromTyped(value)) }
        }
        return result
    }

    /// IEEE 754 binary16 to binary32, exactly (every half value is a float value).
    static func float(half bits: UInt16) -> Float {
        let sign: UInt32 = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa × 2^-24, exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }

    /// bfloat16 is the top half of a binary32.
    static func float(bfloat16 bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }
}

/// The two element types tensors convert to.
private protocol ConvertibleFromInteger {
    init(_ value: Int64)
    static func exactly(_ value: UInt64, tensor: String) throws(ONNXError) -> Self
}

extension Float: ConvertibleFromInteger {
    fileprivate static func exactly(_ value: UInt64, tensor: String) -> Float { Float(value) }
}

extension Int64: ConvertibleFromInteger {
    fileprivate static func exactly(_ value: UInt64, tensor: String) throws(ONNXError) -> Int64 {
        guard let converted = Int64(exactly: value) else {
            throw .valueOutOfRange(tensor: tensor, detail: "UINT64 value \(value) does not fit in Int64")
        }
        return converted
    }
}
