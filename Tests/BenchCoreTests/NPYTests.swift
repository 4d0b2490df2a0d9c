import BenchCore
import Foundation
import Testing

/// Files written by numpy 2.4 (`numpy.save`, and `numpy.lib.format.write_array(version=(2, 0))`).
private enum NumpyFiles {
    /// `numpy.array(1.5, dtype=numpy.float32)`: 0-d.
    static let scalar = """
        k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAg\
        ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/
        """
    /// `numpy.arange(3, dtype=numpy.float32)`.
    static let vector = """
        k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAg\
        ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPwAAAEA=
        """
    /// `numpy.arange(4, dtype=numpy.float32).reshape(2, 1, 2) - 1.25`.
    static let cube = """
        k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDEsIDIpLCB9\
        ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAKC/AACAvgAAQD8AAOA/
        """
    /// `numpy.array([0.5, -2], dtype=numpy.float32)` written as format version 2.0.
    static let version2 = """
        k05VTVBZAgB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAg\
        ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAA/AAAAwA==
        """
    /// `numpy.zeros((0, 3), dtype=numpy.float32)`: no data at all.
    static let empty = """
        k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDAsIDMpLCB9ICAg\
        ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo=
        """

    static func bytes(_ base64: String) -> [UInt8] { [UInt8](Data(base64Encoded: base64) ?? Data()) }
}

/// An `.npy` file with a hand-written header, to exercise the parser and each rejection.
private func npyFile(header: String, version: UInt8 = 1, data: [UInt8] = []) -> [UInt8] {
    let text = Array(header.utf8)
    let length = version == 1 ? [UInt8(text.count & 0xFF), UInt8(text.count >> 8)] : [UInt8(text.count & 0xFF), UInt8(text.count >> 8 & 0xFF), 0, 0]
    return [0x93] + Array("NUMPY".utf8) + [version, 0] + length + text + data
}

private func floatBytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * $0)) } }
}

private func decodeError(_ bytes: [UInt8]) -> NPYError? {
    do {
        _ = try NPY.decode(bytes)
        return nil
    } catch {
        return error
    }
}

@Suite struct NPYDecodeTests {
    @Test func readsFilesWrittenByNumpy() throws {
        #expect(try NPY.decode(NumpyFiles.bytes(NumpyFiles.scalar)) == NPYArray(shape: [], values: [1.5]))
        #expect(try NPY.decode(NumpyFiles.bytes(NumpyFiles.vector)) == NPYArray(shape: [3], values: [0, 1, 2]))
        #expect(try NPY.decode(NumpyFiles.bytes(NumpyFiles.cube)) == NPYArray(shape: [2, 1, 2], values: [-1.25, -0.25, 0.75, 1.75]))
        #expect(try NPY.decode(NumpyFiles.bytes(NumpyFiles.version2)) == NPYArray(shape: [2], values: [0.5, -2]))
        #expect(try NPY.decode(NumpyFiles.bytes(NumpyFiles.empty)) == NPYArray(shape: [0, 3], values: []))
    }

    @Test(arguments: [
        #"{"shape": (2,), "fortran_order": False, "descr": "<f4"}"#,
        "{'fortran_order':False,'shape':(2,),'descr':'<f4',}",
        "  {  'descr' : '=f4' ,\n 'fortran_order' : False , 'shape' : ( 2 , ) , }   \n",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (+2,)}\n",
    ])
    func parsesAnyDictLayout(_ header: String) throws {
        let file = npyFile(header: header, data: floatBytes([3, 4]))
        #expect(try NPY.decode(file) == NPYArray(shape: [2], values: [3, 4]))
    }

    @Test func readsVersion3AndScalarShape() throws {
        let file = npyFile(header: "{'descr': '<f4', 'fortran_order': False, 'shape': ()}", version: 3, data: floatBytes([7]))
        #expect(try NPY.decode(file) == NPYArray(shape: [], values: [7]))
    }
}

@Suite struct NPYEncodeTests {
    @Test func matchesNumpySaveByteForByte() throws {
        for base64 in [NumpyFiles.scalar, NumpyFiles.vector, NumpyFiles.cube, NumpyFiles.empty] {
            let numpy = NumpyFiles.bytes(base64)
            #expect(NPY.encode(try NPY.decode(numpy)) == numpy)
        }
    }

    @Test(arguments: [[], [5], [2, 3], [1, 3, 4, 4], [1, 1, 1, 1, 1, 1, 1, 2], [123_456_789_012, 0]])
    func headerIsVersion1AlignedTo64Bytes(_ shape: [Int]) throws {
        let count = shape.reduce(1, *)
        let bytes = NPY.encode(NPYArray(shape: shape, values: [Float](repeating: 0.5, count: count)))
        #expect(Array(bytes.prefix(8)) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        #expect(bytes[10 + headerLength - 1] == UInt8(ascii: "\n"))
        #expect(bytes.count == 10 + headerLength + 4 * count)
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"))
    }

    @Test func roundTripsEveryBitPattern() throws {
        let values: [Float] = [0, -0.0, 1, -1, .pi, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e-20]
        for shape in [[values.count], [1, values.count, 1]] {
            let decoded = try NPY.decode(NPY.encode(NPYArray(shape: shape, values: values)))
            #expect(decoded.shape == shape)
            #expect(decoded.values.map(\.bitPattern) == values.map(\.bitPattern))
        }
        #expect(try NPY.decode(NPY.encode(NPYArray(shape: [], values: [42]))) == NPYArray(shape: [], values: [42]))
    }

    @Test func hugeRankFallsBackToVersion2() throws {
        // Past 65,535 header bytes numpy switches to version 2.0 and so does encode; decode then
        // refuses the header as over its 64 KiB limit, as numpy.load does past 10,000 bytes.
        let shape = [Int](repeating: 1, count: 25_000)
        let bytes = NPY.encode(NPYArray(shape: shape, values: [9]))
        #expect(bytes[6] == 2 && bytes[7] == 0)
        let headerLength = (8..<12).reversed().reduce(0) { $0 << 8 | Int(bytes[$1]) }
        #expect((12 + headerLength) % 64 == 0)
        #expect(bytes.count == 12 + headerLength + 4)
        #expect(decodeError(bytes) == .headerTooLong(bytes: headerLength))
    }
}

@Suite struct NPYRejectionTests {
    private static let valid = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"

    @Test func dtypeOtherThanLittleEndianFloat32IsRefusedWithTheFix() {
        let bigEndian = decodeError(npyFile(header: "{'descr': '>f4', 'fortran_order': False, 'shape': (1,)}", data: [0, 0, 0, 0]))
        #expect(bigEndian == .bigEndian(descr: ">f4"))
        #expect(bigEndian?.description.contains("astype('<f4')") == true)

        let double = decodeError(npyFile(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", data: [UInt8](repeating: 0, count: 8)))
        #expect(double == .unsupportedDType(descr: "<f8"))
        #expect(double?.description.contains("expects float32; convert with arr.astype(numpy.float32)") == true)
        #expect(double?.exitStatus == .dataError)

        for descr in ["'<i8'", "'|u1'", "'<f2'", "'|f4'", "[('a', '<f4')]"] {
            let error = decodeError(npyFile(header: "{'descr': \(descr), 'fortran_order': False, 'shape': (1,)}", data: [0, 0, 0, 0]))
            guard case .unsupportedDType = error else {
                Issue.record("\(descr) gave \(String(describing: error))")
                continue
            }
        }
    }

    @Test func fortranOrderIsRefused() {
        let error = decodeError(npyFile(header: "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2)}", data: floatBytes([1, 2, 3, 4])))
        #expect(error == .fortranOrder)
        #expect(error?.description.contains("numpy.ascontiguousarray") == true)
    }

    @Test func lengthMismatchesNameBothSizes() {
        let short = decodeError(npyFile(header: Self.valid, data: floatBytes([1])))
        #expect(short == .truncated(expectedBytes: 10 + Self.valid.utf8.count + 8, actualBytes: 10 + Self.valid.utf8.count + 4))
        #expect(short?.description.contains("expected \(10 + Self.valid.utf8.count + 8) bytes") == true)
        let long = decodeError(npyFile(header: Self.valid, data: floatBytes([1, 2, 3])))
        #expect(long == .trailingData(expectedBytes: 10 + Self.valid.utf8.count + 8, actualBytes: 10 + Self.valid.utf8.count + 12))
    }

    @Test(arguments: ["(4611686018427387904, 4)", "(3037000500, 3037000500)", "(123456789012345678901234567890,)"])
    func shapesTooLargeAreRefusedBeforeAllocating(_ shape: String) {
        let error = decodeError(npyFile(header: "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape)}"))
        #expect(error == .shapeOverflow(shape: shape))
    }

    @Test func headersOver64KiBAreRefused() {
        var file = npyFile(header: Self.valid, version: 2)
        file[8...11] = [0x01, 0x00, 0x01, 0x00]  // 65,537 bytes
        #expect(decodeError(file) == .headerTooLong(bytes: 65_537))
        file[8...11] = [0xFF, 0xFF, 0xFF, 0xFF]
        #expect(decodeError(file) == .headerTooLong(bytes: 4_294_967_295))
    }

    @Test func wrongMagicOrVersionIsRefused() {
        #expect(decodeError(Array("PK\u{3}\u{4}zipfile".utf8)) == .notNPY)
        #expect(decodeError([]) == .truncated(expectedBytes: 10, actualBytes: 0))
        var file = npyFile(header: Self.valid, data: floatBytes([1, 2]))
        file[6] = 4
        #expect(decodeError(file) == .unsupportedVersion(major: 4, minor: 0))
        file[6] = 1
        file[7] = 1
        #expect(decodeError(file) == .unsupportedVersion(major: 1, minor: 1))
    }

    @Test(arguments: [
        "", "{", "[]", "{'descr': '<f4', 'fortran_order': False}", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}",
        "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", "{'descr': '<f4', 'fortran_order': False, 'shape': (2)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': [2]}", "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}",
        "{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", "{'descr': '<f4, 'fortran_order': False, 'shape': (2,)}",
        "{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,),,}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x", "{'descr': '<f4', 'fortran_order': false, 'shape': (2,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (0x2,)}", "{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': \(String(repeating: "(", count: 100))}", "{1: 2}", "{'a\\n': 1}",
    ])
    func malformedHeadersAreRefused(_ header: String) {
        let error = decodeError(npyFile(header: header, data: floatBytes([1, 2])))
        guard case .malformedHeader(let reason) = error else {
            Issue.record("header \(header.prefix(80).debugDescription) gave \(String(describing: error))")
            return
        }
        #expect(!reason.isEmpty)
        #expect(error?.description.contains("numpy.save") == true)
    }

    @Test func everyTruncationOfAValidFileThrows() {
        for base64 in [NumpyFiles.scalar, NumpyFiles.vector, NumpyFiles.cube, NumpyFiles.version2, NumpyFiles.empty] {
            let file = NumpyFiles.bytes(base64)
            for length in 0..<file.count {
                #expect(decodeError(Array(file.prefix(length))) != nil, "prefix of \(length) bytes decoded")
            }
        }
    }

    @Test func corruptedBytesNeverCrash() {
        // A fixed-seed LCG, so a failure reproduces.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        let original = NumpyFiles.bytes(NumpyFiles.cube)
        for _ in 0..<5_000 {
            var file = original
            for _ in 0..<(1 + next() % 4) { file[next() % file.count] = UInt8(truncatingIfNeeded: next()) }
            if let array = try? NPY.decode(file) {
                #expect(array.values.count == array.shape.reduce(1, *))
            }
        }
    }
}
