/// A float32 array in C (row-major) order, as stored in a NumPy `.npy` file.
///
/// `values.count` is the product of `shape` (1 for a 0-d array, `shape == []`).
/// `NPY.decode` always returns such an array; `NPY.encode` trusts the caller to keep them in step.
public struct NPYArray: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }
}

/// Reads and writes NumPy's `.npy` format (versions 1.0 to 3.0), float32 and C order only.
///
/// The golden ONNX fixtures are `.npy` files, so this is the one place that knows the format.
/// Decoding checks every length against the input before allocating, so hostile bytes yield an
/// `NPYError`, never a crash or an allocation larger than the input.
public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
    /// numpy's own default is 10,000 bytes; anything past this is not a real header.
    public static let maximumHeaderBytes = 65_536
    /// numpy aligns the data to this many bytes so it can be memory-mapped.
    static let alignment = 64
    /// numpy pads the header so the first axis can grow in place to this many digits.
    static let growthAxisMaxDigits = 21

    public static func decode(_ bytes: [UInt8]) throws(NPYError) -> NPYArray {
        let seen = bytes.prefix(magic.count)
        guard seen.elementsEqual(magic.prefix(seen.count)) else { throw .notNPY }
        guard bytes.count >= 8 else { throw .truncated(expectedBytes: 10, actualBytes: bytes.count) }

        let major = bytes[6]
        let minor = bytes[7]
        let lengthFieldBytes: Int
        switch (major, minor) {
        case (1, 0): lengthFieldBytes = 2
        case (2, 0), (3, 0): lengthFieldBytes = 4
        default: throw .unsupportedVersion(major: Int(major), minor: Int(minor))
        }
        let headerStart = 8 + lengthFieldBytes
        guard bytes.count >= headerStart else { throw .truncated(expectedBytes: headerStart, actualBytes: bytes.count) }
        var headerLength = 0
        for i in (8..<headerStart).reversed() { headerLength = headerLength << 8 | Int(bytes[i]) }
        guard headerLength <= maximumHeaderBytes else { throw .headerTooLong(bytes: headerLength) }
        let dataStart = headerStart + headerLength
        guard bytes.count >= dataStart else { throw .truncated(expectedBytes: dataStart, actualBytes: bytes.count) }

        let header = try NPYHeader.parse(bytes[headerStart..<dataStart])
        let (count, overflow) = header.shape.reduce((1, false)) { acc, dim in
            let (product, o) = acc.0.multipliedReportingOverflow(by: dim)
            return (product, acc.1 || o)
        }
        let (dataBytes, byteOverflow) = count.multipliedReportingOverflow(by: 4)
        let (expected, endOverflow) = dataStart.addingReportingOverflow(dataBytes)
        guard !overflow, !byteOverflow, !endOverflow else { throw .shapeOverflow(shape: header.shapeText) }
        guard bytes.count >= expected else { throw .truncated(expectedBytes: expected, actualBytes: bytes.count) }
        guard bytes.count == expected else { throw .trailingData(expectedBytes: expected, actualBytes: bytes.count) }

        var values = [Float]()
        values.reserveCapacity(count)
        var i = dataStart
        while i < expected {
            let b0 = UInt32(bytes[i])
            let b1 = UInt32(bytes[i + 1]) << 8
            let b2 = UInt32(bytes[i + 2]) << 16
            let b3 = UInt32(bytes[i + 3]) << 24
            values.append(Float(bitPattern: b0 | b1 | b2 | b3))
            i += 4
        }
        return NPYArray(shape: header.shape, values: values)
    }

    /// Writes descr `'<f4'` byte for byte as `numpy.save` does: version 1.0 unless the header
    /// outgrows its 16-bit length (thousands of axes), then 2.0.
    public static func encode(_ a: NPYArray) -> [UInt8] {
        let dims = a.shape.map(String.init)
        let shapeText = dims.count == 1 ? "(\(dims[0]),)" : "(" + dims.joined(separator: ", ") + ")"
        var text = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        if let first = dims.first { text += String(repeating: " ", count: max(0, growthAxisMaxDigits - first.count)) }

        var out = wrapHeader(text, lengthFieldBytes: 2)
        if out.isEmpty { out = wrapHeader(text, lengthFieldBytes: 4) }
        out.reserveCapacity(out.count + 4 * a.values.count)
        for v in a.values {
            let bits = v.bitPattern
            out += [UInt8(bits & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 24)]
        }
        return out
    }

    /// Magic, version and length field, then the header padded with spaces and a newline so the
    /// data starts on a 64-byte boundary. Like numpy, an already aligned header still gets a full
    /// 64 bytes of padding. Empty when the header does not fit the length field.
    private static func wrapHeader(_ text: String, lengthFieldBytes: Int) -> [UInt8] {
        let unpadded = magic.count + 2 + lengthFieldBytes + text.utf8.count + 1
        let header = Array(text.utf8) + Array(repeating: UInt8(ascii: " "), count: alignment - unpadded % alignment) + [0x0A]
        let length = header.count
        guard lengthFieldBytes == 4 || length <= Int(UInt16.max) else { return [] }
        let lengthField = (0..<lengthFieldBytes).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
        let version: [UInt8] = lengthFieldBytes == 2 ? [1, 0] : [2, 0]
        return magic + version + lengthField + header
    }
}

public enum NPYError: Error, CustomStringConvertible, Sendable, Equatable, ExitStatusProviding {
    case notNPY
    case unsupportedVersion(major: Int, minor: Int)
    case truncated(expectedBytes: Int, actualBytes: Int)
    case trailingData(expectedBytes: Int, actualBytes: Int)
    case headerTooLong(bytes: Int)
    case malformedHeader(reason: String)
    case bigEndian(descr: String)
    case unsupportedDType(descr: String)
    case fortranOrder
    case shapeOverflow(shape: String)

    public var description: String {
        switch self {
        case .notNPY:
            "not a NumPy .npy file (it does not start with \\x93NUMPY); write arrays with numpy.save"
        case .unsupportedVersion(let major, let minor):
            ".npy format version \(major).\(minor) is not supported (only 1.0, 2.0 and 3.0); write the file with numpy.save"
        case .truncated(let expected, let actual):
            ".npy file is truncated: expected \(expected) bytes but found \(actual); copy or save the file again"
        case .trailingData(let expected, let actual):
            ".npy file has \(actual - expected) bytes after the array data (expected \(expected) bytes, found \(actual));"
                + " save exactly one array per file with numpy.save"
        case .headerTooLong(let bytes):
            ".npy header is \(bytes) bytes, over the \(NPY.maximumHeaderBytes)-byte limit; the file is corrupt or not an .npy file"
        case .malformedHeader(let reason):
            ".npy header is not a valid dict literal: \(reason); write the file with numpy.save"
        case .bigEndian(let descr):
            ".npy array is big-endian ('\(descr)'); BoardBench expects little-endian float32;"
                + " convert with arr.astype('<f4')"
        case .unsupportedDType(let descr):
            ".npy array has dtype '\(descr)'; BoardBench expects float32; convert with arr.astype(numpy.float32)"
        case .fortranOrder:
            ".npy array is stored in Fortran order; save a C-ordered array: numpy.ascontiguousarray(arr)"
        case .shapeOverflow(let shape):
            ".npy shape \(shape) has more elements than fit in memory; the header is corrupt"
        }
    }

    public var exitStatus: ExitStatus { .dataError }
}

/// The three keys of an `.npy` header, read from its Python dict literal.
private struct NPYHeader {
    var shape: [Int]
    var shapeText: String

    /// Parses `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` in any key order,
    /// either quote style, any spacing and optional trailing commas, then checks each value.
    static func parse(_ bytes: ArraySlice<UInt8>) throws(NPYError) -> NPYHeader {
        var parser = PythonLiteralParser(bytes: bytes)
        let entries = try parser.parseHeaderDict()
        var byKey: [String: PythonLiteral] = [:]
        for (key, value) in entries {
            guard ["descr", "fortran_order", "shape"].contains(key) else {
                throw .malformedHeader(reason: "unexpected key '\(key)'")
            }
            guard byKey.updateValue(value, forKey: key) == nil else { throw .malformedHeader(reason: "key '\(key)' appears twice") }
        }
        guard let descr = byKey["descr"], let fortran = byKey["fortran_order"], let shape = byKey["shape"] else {
            throw .malformedHeader(reason: "it needs the keys 'descr', 'fortran_order' and 'shape'")
        }

        guard case .string(let dtype) = descr else { throw .unsupportedDType(descr: descr.text) }
        switch dtype {
        case "<f4": break
        case "=f4" where isLittleEndianHost: break
        case ">f4": throw .bigEndian(descr: dtype)
        default: throw .unsupportedDType(descr: dtype)
        }

        guard case .bool(let isFortran) = fortran else {
            throw .malformedHeader(reason: "'fortran_order' is \(fortran.text), not True or False")
        }
        guard !isFortran else { throw .fortranOrder }

        guard case .tuple(let dims) = shape else { throw .malformedHeader(reason: "'shape' is \(shape.text), not a tuple") }
        var result: [Int] = []
        for dim in dims {
            guard case .integer(let digits, let negative) = dim, !negative else {
                throw .malformedHeader(reason: "'shape' is \(shape.text); dimensions must be non-negative integers")
            }
            guard let value = Int(digits) else { throw .shapeOverflow(shape: shape.text) }
            result.append(value)
        }
        return NPYHeader(shape: result, shapeText: shape.text)
    }

    private static var isLittleEndianHost: Bool { 1.littleEndian == 1 }
}

/// The subset of Python literals an `.npy` header can hold.
private indirect enum PythonLiteral {
    case string(String)
    case integer(digits: String, negative: Bool)
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])

    /// Python's spelling, for error messages.
    var text: String {
        switch self {
        case .string(let s): "'\(s)'"
        case .integer(let digits, let negative): (negative ? "-" : "") + digits
        case .bool(let b): b ? "True" : "False"
        case .none: "None"
        case .tuple(let items): items.count == 1 ? "(\(items[0].text),)" : "(" + items.map(\.text).joined(separator: ", ") + ")"
        case .list(let items): "[" + items.map(\.text).joined(separator: ", ") + "]"
        }
    }
}

/// A recursive-descent parser over the header bytes; nesting is capped so hostile input cannot
/// exhaust the stack.
private struct PythonLiteralParser {
    let bytes: ArraySlice<UInt8>
    var index: Int
    static let maximumDepth = 8
    static let maximumIntegerDigits = 40

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    /// `{ key: value, ... }` followed only by whitespace (numpy ends the header with spaces and `\n`).
    mutating func parseHeaderDict() throws(NPYError) -> [(String, PythonLiteral)] {
        try expect(UInt8(ascii: "{"))
        var entries: [(String, PythonLiteral)] = []
        while true {
            skipSpace()
            if peek() == UInt8(ascii: "}") { break }
            guard case .string(let key) = try parseValue(depth: 1) else { throw failure("dict keys must be strings") }
            try expect(UInt8(ascii: ":"))
            entries.append((key, try parseValue(depth: 1)))
            skipSpace()
            if peek() == UInt8(ascii: ",") { index += 1 } else { break }
        }
        try expect(UInt8(ascii: "}"))
        skipSpace()
        guard index == bytes.endIndex else { throw failure("unexpected text after the closing '}'") }
        return entries
    }

    private mutating func parseValue(depth: Int) throws(NPYError) -> PythonLiteral {
        guard depth <= Self.maximumDepth else { throw failure("values nest too deeply") }
        skipSpace()
        guard let c = peek() else { throw failure("it ends where a value should be") }
        switch c {
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return .string(try parseString(quote: c))
        case UInt8(ascii: "("):
            index += 1
            let (items, trailingComma) = try parseSequence(until: UInt8(ascii: ")"), depth: depth)
            // `(5)` is just 5 in Python; only `(5,)` is a one-element tuple.
            if items.count == 1 && !trailingComma { return items[0] }
            return .tuple(items)
        case UInt8(ascii: "["):
            index += 1
            return .list(try parseSequence(until: UInt8(ascii: "]"), depth: depth).items)
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseInteger()
        default:
            let word = takeWhile { Self.isIdentifier($0) }
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            default: throw failure(word.isEmpty ? "unexpected character" : "unknown name '\(word)'")
            }
        }
    }

    private mutating func parseSequence(until close: UInt8, depth: Int) throws(NPYError) -> (items: [PythonLiteral], trailingComma: Bool) {
        var items: [PythonLiteral] = []
        var trailingComma = false
        while true {
            skipSpace()
            if peek() == close { break }
            items.append(try parseValue(depth: depth + 1))
            skipSpace()
            trailingComma = peek() == UInt8(ascii: ",")
            if trailingComma { index += 1 } else { break }
        }
        try expect(close)
        return (items, trailingComma)
    }

    private mutating func parseString(quote: UInt8) throws(NPYError) -> String {
        index += 1
        var scalars: [UInt8] = []
        while let c = peek() {
            index += 1
            if c == quote { return String(decoding: scalars, as: UTF8.self) }
            if c == UInt8(ascii: "\n") { break }
            if c == UInt8(ascii: "\\") {
                guard let escaped = peek(), [UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\"")].contains(escaped) else {
                    throw failure("unsupported escape sequence in a string")
                }
                index += 1
                scalars.append(escaped)
            } else {
                scalars.append(c)
            }
        }
        throw failure("a string is not closed")
    }

    private mutating func parseInteger() throws(NPYError) -> PythonLiteral {
        var negative = false
        if let sign = peek(), sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            index += 1
            skipSpace()
        }
        let digits = takeWhile { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        guard !digits.isEmpty else { throw failure("a sign is not followed by digits") }
        guard digits.count <= Self.maximumIntegerDigits else { throw failure("an integer has too many digits") }
        if let c = peek(), Self.isIdentifier(c) { throw failure("only plain decimal integers are allowed") }
        return .integer(digits: digits, negative: negative)
    }

    private mutating func expect(_ c: UInt8) throws(NPYError) {
        skipSpace()
        guard peek() == c else { throw failure("expected '\(Character(Unicode.Scalar(c)))'") }
        index += 1
    }

    private func peek() -> UInt8? { index < bytes.endIndex ? bytes[index] : nil }

    private mutating func skipSpace() {
        while let c = peek(), c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0C { index += 1 }
    }

    private mutating func takeWhile(_ predicate: (UInt8) -> Bool) -> String {
        let start = index
        while let c = peek(), predicate(c) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private static func isIdentifier(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(c) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
    }

    private func failure(_ reason: String) -> NPYError {
        .malformedHeader(reason: "\(reason) at header byte \(index - bytes.startIndex)")
    }
}
