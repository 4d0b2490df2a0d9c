import Foundation
import ONNX
import Testing

/// Tensor conversions, on TensorProtos written by onnx.numpy_helper / onnx.helper (onnx 1.23.2)
/// and on hand-built ones for the failure cases.
@Suite struct ONNXTensorValueTests {
    static func tensor(base64: String) throws -> ONNXTensor {
        try ONNXTensor(bytes: [UInt8](try #require(Data(base64Encoded: base64))))
    }

    static func tensorBytes(_ body: (inout WireWriter) -> Void) -> [UInt8] { WireWriter.build(body) }

    @Test func float16RawDataConvertsExactly() throws {
        // numpy float16 [0, 1, -2, 65504, 6e-8, inf, -inf, 0.1, -0.0, 2^-14], raw_data.
        let t = try Self.tensor(base64: "CAoQCkIBaEoUAAAAPADA/3sBAAB8APxmLgCAAAQ=")
        #expect(t.name == "h")
        #expect(t.dataType == .float16)
        #expect(t.dims == [10])
        let values = try t.floats()
        // float32 values numpy gives for the same halves.
        let expected: [Float] = [0, 1, -2, 65504, 5.960464477539063e-08, .infinity, -.infinity, 0.0999755859375, -0.0, 6.103515625e-05]
        #expect(values == expected)
        #expect(values[8].sign == .minus)
    }

    @Test func float16InInt32DataAndNaNConvert() throws {
        let bytes = Self.tensorBytes {
            $0.int(1, 3)
            $0.int(2, 10)
            $0.packedInts(5, [0x3C00, 0x7E00, 0x8001])  // 1, NaN, the smallest negative subnormal
        }
        let values = try ONNXTensor(bytes: bytes).floats()
        #expect(values[0] == 1)
        #expect(values[1].isNaN)
        #expect(values[2] == -0x1p-24)
    }

    @Test func bfloat16InInt32Data() throws {
        // helper.make_tensor("bf", BFLOAT16, [3], [1.0, -2.5, 3.140625]): bit patterns in int32_data.
        let t = try Self.tensor(base64: "CAMQECoIgH+ggAPJgAFCAmJm")
        #expect(try t.floats() == [1, -2.5, 3.140625])
    }

    @Test func int8RawDataToIntegersAndFloats() throws {
        let t = try Self.tensor(base64: "CAIIAhADQgJpOEoEgH8A/w==")
        #expect(t.dims == [2, 2])
        #expect(try t.int64s() == [-128, 127, 0, -1])
        #expect(try t.floats() == [-128, 127, 0, -1])
    }

    @Test func uint64AboveInt64MaxIsOutOfRangeForInt64ButNotForFloat() throws {
        let t = try Self.tensor(base64: "CAMQDUIDdTY0ShgAAAAAAAAAAP////////9///////////8=")
        let error = #expect(throws: ONNXError.self) { try t.int64s() }
        #expect(error == .valueOutOfRange(tensor: "u64", detail: "UINT64 value 18446744073709551615 does not fit in Int64"))
        #expect(try t.floats() == [0, 0x1p63, 0x1p64])
    }

    @Test func doubleDataAndBoolRawData() throws {
        let d = try Self.tensor(base64: "CAIQC0IBZFIQmpmZmZmZuT8AAAAAAAAMwA==")
        #expect(try d.floats() == [Float(0.1), -3.5])
        let b = try Self.tensor(base64: "CAMQCUIBYkoDAQAB")
        #expect(try b.int64s() == [1, 0, 1])
        let error = #expect(throws: ONNXError.self) { try d.int64s() }
        #expect(error == .unsupportedDataType(tensor: "d", type: 11, expected: "an integer type (INT8 to UINT64) or BOOL"))
    }

    @Test func stringTensorsAreUnsupported() throws {
        let s = try Self.tensor(base64: "CAIQCDIBYTICYmNCAXM=")
        #expect(s.dataType == .string)
        let error = #expect(throws: ONNXError.self) { try s.floats() }
        #expect(error?.description.contains("tensor 's' has data type STRING (8)") == true)
        #expect(throws: ONNXError.self) { try s.int64s() }
    }

    @Test(arguments: [
        (ONNXDataType.uint8, [UInt8(200), 7], [Int64(200), 7]),
        (.int16, [0x00, 0x80, 0xFF, 0x7F], [-32768, 32767]),
        (.uint16, [0xFF, 0xFF, 1, 0], [65535, 1]),
        (.int32, [0xFE, 0xFF, 0xFF, 0xFF], [-2]),
        (.uint32, [0xFF, 0xFF, 0xFF, 0xFF], [4_294_967_295]),
        (.int64, [0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [-3]),
    ])
    func integerRawDataIsLittleEndian(_ type: ONNXDataType, _ raw: [UInt8], _ expected: [Int64]) throws {
        let t = ONNXTensor(name: "t", dims: [Int64(expected.count)], dataType: type, rawData: raw)
        #expect(try t.int64s() == expected)
        #expect(try t.floats() == expected.map(Float.init))
    }

    @Test func typedFieldsOfEachIntegerKind() throws {
        func decode(_ type: Int64, _ body: (inout WireWriter) -> Void) throws -> [Int64] {
            try ONNXTensor(
                bytes: Self.tensorBytes { w in
                    w.int(1, 2)
                    w.int(2, type)
                    body(&w)
                }
            ).int64s()
        }
        #expect(try decode(6) { $0.unpackedInts(5, [-1, 5]) } == [-1, 5])  // INT32
        #expect(try decode(3) { $0.packedInts(5, [-7, 8]) } == [-7, 8])  // INT8 in int32_data
        #expect(try decode(7) { $0.unpackedInts(7, [1 << 40, -2]) } == [1 << 40, -2])  // INT64
        #expect(try decode(12) { $0.packedInts(11, [7, 4_000_000_000]) } == [7, 4_000_000_000])  // UINT32 in uint64_data
    }

    @Test func scalarHasOneElement() throws {
        let t = ONNXTensor(name: "s", dims: [], floats: [2.5])
        #expect(try t.elementCount() == 1)
        #expect(try t.floats() == [2.5])
        let empty = ONNXTensor(name: "e", dims: [0, 3], dataType: .float, rawData: [])
        #expect(try empty.floats() == [])
    }

    @Test func rawDataLengthMustMatchDims() {
        let t = ONNXTensor(name: "w", dims: [2, 2], dataType: .float, rawData: [UInt8](repeating: 0, count: 12))
        #expect(throws: ONNXError.sizeMismatch(tensor: "w", expectedBytes: 16, actualBytes: 12)) { try t.floats() }
        let typed = ONNXTensor(name: "v", dims: [4], int64s: [1, 2, 3])
        #expect(throws: ONNXError.sizeMismatch(tensor: "v", expectedBytes: 32, actualBytes: 24)) { try typed.int64s() }
    }

    @Test func hugeDimsWithTinyRawDataIsASizeMismatchNotAnAllocation() throws {
        let bytes = Self.tensorBytes {
            $0.int(1, 1 << 31)
            $0.int(2, 1)
            $0.string(8, "big")
            $0.bytes(9, [0, 0, 128, 63])
        }
        let t = try ONNXTensor(bytes: bytes)
        #expect(throws: ONNXError.sizeMismatch(tensor: "big", expectedBytes: 1 << 33, actualBytes: 4)) { try t.floats() }
    }

    @Test func negativeAndOverflowingDimsAreMalformed() {
        let negative = ONNXTensor(name: "n", dims: [2, -1], floats: [])
        #expect(throws: ONNXError.self) { try negative.floats() }
        let overflowing = ONNXTensor(name: "o", dims: [1 << 32, 1 << 32], floats: [])
        let error = #expect(throws: ONNXError.self) { try overflowing.elementCount() }
        #expect(error?.description.contains("tensor 'o'") == true)
        let bytesOverflow = ONNXTensor(name: "p", dims: [1 << 62], dataType: .float, rawData: [])
        #expect(throws: ONNXError.self) { try bytesOverflow.floats() }
    }

    @Test(arguments: [false, true])
    func externalDataDecodesButRefusesToBeRead(_ viaLocation: Bool) throws {
        let bytes = Self.tensorBytes { w in
            w.int(1, 4)
            w.int(2, 1)
            w.string(8, "conv.weight")
            if viaLocation {
                w.int(14, 1)
            } else {
                w.message(13) { e in
                    e.string(1, "location")
                    e.string(2, "model.onnx.data")
                }
            }
        }
        let t = try ONNXTensor(bytes: bytes)
        #expect(t.isExternal)
        #expect(throws: ONNXError.externalData(tensor: "conv.weight")) { try t.floats() }
        #expect(throws: ONNXError.externalData(tensor: "conv.weight")) { try t.int64s() }
        #expect(ONNXError.externalData(tensor: "conv.weight").description.contains("save_as_external_data=False"))
    }

    @Test func unknownDataTypeCodeIsRefusedNamingTheTensor() {
        let bytes = Self.tensorBytes {
            $0.int(2, 99)
            $0.string(8, "future")
        }
        let error = #expect(throws: ONNXError.self) { try ONNXTensor(bytes: bytes) }
        #expect(error?.description.contains("tensor 'future' has data type unknown (99)") == true)
    }

    @Test func floatRawDataIsASliceOfTheInputAndConvertsOnDemand() throws {
        // A tensor field inside a larger buffer: the reader must use the right offsets.
        var w = WireWriter()
        w.bytes = [0xAA, 0xBB]
        let prefix = w.bytes.count
        w.int(1, 2)
        w.int(2, 1)
        w.bytes(9, [0, 0, 0xC0, 0x3F, 0, 0, 0x20, 0xC1])
        let t = try ONNXTensor(bytes: w.bytes[prefix...])
        #expect(try t.floats() == [1.5, -10])
    }
}
