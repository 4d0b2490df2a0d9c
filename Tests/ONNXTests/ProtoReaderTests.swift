import ONNX
import Testing

@Suite struct ProtoReaderTests {
    @Test(arguments: [0, 1, 127, 128, 300, 1 << 32, UInt64(Int64.max), UInt64.max])
    func varintRoundTrips(_ value: UInt64) throws {
        var w = WireWriter()
        w.varint(value)
        var r = ProtoReader(w.bytes)
        #expect(try r.readVarint() == value)
        #expect(r.isAtEnd)
    }

    @Test func varintEncodingsAreExactlyThoseOfTheSpec() throws {
        var r = ProtoReader([0xAC, 0x02, 0x96, 0x01])
        #expect(try r.readVarint() == 300)
        #expect(try r.readVarint() == 150)
        // A redundant continuation byte is legal protobuf (within ten bytes).
        var padded = ProtoReader([0x81, 0x80, 0x00])
        #expect(try padded.readVarint() == 1)
    }

    @Test func overlongAndOverflowingVarintsAreRefused() {
        let elevenBytes = [UInt8](repeating: 0x80, count: 10) + [0x01]
        #expect(throws: ONNXError.self) {
            var r = ProtoReader(elevenBytes)
            _ = try r.readVarint()
        }
        // Ten bytes whose last one carries more than bit 63.
        let overflowing = [UInt8](repeating: 0xFF, count: 9) + [0x02]
        let error = #expect(throws: ONNXError.self) {
            var r = ProtoReader(overflowing)
            _ = try r.readVarint()
        }
        #expect(error?.description.contains("longer than 10 bytes") == true)
    }

    @Test func truncatedPrimitivesThrow() {
        #expect(throws: ONNXError.self) {
            var r = ProtoReader([0x80, 0x80])
            _ = try r.readVarint()
        }
        #expect(throws: ONNXError.self) {
            var r = ProtoReader([1, 2, 3])
            _ = try r.readFixed32()
        }
        #expect(throws: ONNXError.self) {
            var r = ProtoReader([1, 2, 3, 4, 5, 6, 7])
            _ = try r.readFixed64()
        }
    }

    @Test func fixedWidthValuesAreLittleEndian() throws {
        var r = ProtoReader([0x78, 0x56, 0x34, 0x12, 8, 7, 6, 5, 4, 3, 2, 1])
        #expect(try r.readFixed32() == 0x1234_5678)
        #expect(try r.readFixed64() == 0x0102_0304_0506_0708)
        #expect(r.isAtEnd)
    }

    @Test func lengthIsCheckedBeforeSlicing() throws {
        var ok = ProtoReader([3, 9, 8, 7, 6])
        #expect(Array(try ok.readLengthDelimited()) == [9, 8, 7])
        #expect(ok.remaining == 1)

        // 2^62 as a length: refused by comparison, nothing is sliced or allocated.
        var w = WireWriter()
        w.varint(1 << 62)
        w.bytes += [1, 2, 3]
        var huge = ProtoReader(w.bytes)
        let error = #expect(throws: ONNXError.self) { _ = try huge.readLengthDelimited() }
        #expect(error == .malformed("length 4611686018427387904 at offset 0 exceeds the 3 bytes left"))
    }

    @Test func fieldKeysDecodeNumberAndWireType() throws {
        let bytes = WireWriter.build {
            $0.int(1, 5)
            $0.double(2, 1)
            $0.string(3, "x")
            $0.float(536_870_911, 1)  // the largest field number
        }
        var r = ProtoReader(bytes)
        var seen: [ProtoField] = []
        while let field = try r.nextField() {
            seen.append(field)
            try r.skip(field.wireType)
        }
        #expect(
            seen == [
                ProtoField(number: 1, wireType: .varint), ProtoField(number: 2, wireType: .fixed64),
                ProtoField(number: 3, wireType: .lengthDelimited), ProtoField(number: 536_870_911, wireType: .fixed32),
            ])
    }

    @Test(arguments: [UInt8(3), 4, 6, 7])
    func groupsAndUndefinedWireTypesAreMalformed(_ wireType: UInt8) {
        var w = WireWriter()
        w.key(4, wireType)
        w.bytes += [0, 0, 0, 0, 0, 0, 0, 0]
        var r = ProtoReader(w.bytes)
        let error = #expect(throws: ONNXError.self) { _ = try r.nextField() }
        #expect(error?.description.contains("wire type \(wireType)") == true)
    }

    @Test func fieldNumberZeroAndOversizedKeysAreMalformed() {
        #expect(throws: ONNXError.self) {
            var r = ProtoReader([0x02, 0x00])  // field 0, wire type 2
            _ = try r.nextField()
        }
        var w = WireWriter()
        w.varint(UInt64(1) << 35)
        #expect(throws: ONNXError.self) {
            var r = ProtoReader(w.bytes)
            _ = try r.nextField()
        }
    }

    @Test func repeatedScalarsAcceptPackedAndUnpackedMixed() throws {
        let bytes = WireWriter.build {
            $0.int(8, 1)
            $0.packedInts(8, [2, -3, 1 << 40])
            $0.int(8, -1)
            $0.float(7, 0.5)
            $0.packedFloats(7, [1.5, -2])
            $0.packedFloats(7, [3])
            $0.double(10, 0.25)
            $0.packedDoubles(10, [4, -8])
        }
        var r = ProtoReader(bytes)
        var ints: [Int64] = []
        var floats: [Float] = []
        var doubles: [Double] = []
        while let field = try r.nextField() {
            switch field.number {
            case 8: try r.appendInt64s(field, to: &ints)
            case 7: try r.appendFloats(field, to: &floats)
            default: try r.appendFixed64s(field, to: &doubles) { Double(bitPattern: $0) }
            }
        }
        #expect(ints == [1, 2, -3, 1 << 40, -1])
        #expect(floats == [0.5, 1.5, -2, 3])
        #expect(doubles == [0.25, 4, -8])
    }

    @Test func packedFixedRunsMustBeWholeElements() {
        let bytes = WireWriter.build { $0.bytes(4, [0, 0, 128, 63, 0]) }
        var r = ProtoReader(bytes)
        let error = #expect(throws: ONNXError.self) {
            var floats: [Float] = []
            let field = try r.nextField()!
            try r.appendFloats(field, to: &floats)
        }
        #expect(error?.description.contains("not a multiple of 4") == true)
    }

    @Test func wrongWireTypeForAFieldIsMalformed() {
        let bytes = WireWriter.build { $0.string(1, "not a number") }
        var r = ProtoReader(bytes)
        let error = #expect(throws: ONNXError.self) {
            let field = try r.nextField()!
            _ = try r.int64(field)
        }
        #expect(error == .malformed("wire type 2 where the schema needs 0"))
    }

    @Test func skippingHandlesEveryWireTypeAndStopsAtTheEnd() throws {
        let bytes = WireWriter.build {
            $0.unknownFields()
            $0.int(7, 42)
        }
        var r = ProtoReader(bytes)
        var kept: Int64?
        while let field = try r.nextField() {
            if field.number == 7 { kept = try r.int64(field) } else { try r.skip(field.wireType) }
        }
        #expect(kept == 42)
        #expect(r.isAtEnd)
    }

    @Test func embeddedMessageReaderReportsAbsoluteOffsets() throws {
        let bytes = WireWriter.build { $0.bytes(1, [0x0A, 0x7F]) }  // inner: field 1, length 127, nothing after
        var r = ProtoReader(bytes)
        let field = try r.nextField()!
        var inner = try r.message(field)
        let error = #expect(throws: ONNXError.self) {
            let innerField = try inner.nextField()!
            _ = try inner.bytes(innerField)
        }
        #expect(error == .malformed("length 127 at offset 3 exceeds the 0 bytes left"))
    }

    @Test func invalidUTF8IsRefusedInNamesAndReplacedInFreeText() throws {
        let bytes = WireWriter.build { $0.bytes(1, [0x61, 0xFF, 0x62]) }
        var strict = ProtoReader(bytes)
        #expect(throws: ONNXError.self) { _ = try strict.string(strict.nextField()!) }
        var lossy = ProtoReader(bytes)
        #expect(try lossy.lossyString(lossy.nextField()!) == "a\u{FFFD}b")
    }
}
