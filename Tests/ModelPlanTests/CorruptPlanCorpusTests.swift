import ModelPlan
import Testing

/// Plans whose corruption the checksums cannot see: each case edits a field of a valid plan
/// and recomputes every CRC, so only validation stands between the bytes and a kernel.
@Suite struct CorruptPlanCorpusTests {
    /// A valid plan and where the fields of its constant `conv1.weight` lie.
    struct Fixture {
        var bytes: [UInt8]
        var graphOffset: Int
        var graphLength: Int
        /// Offset (in the file) of the tensor's first dimension.
        var dims: Int
        var rank: Int
        /// Offset of the constant's (offset u64, length u64) pair.
        var range: Int { dims + rank * 8 }
    }

    static func fixture() throws -> Fixture {
        let g = try BuiltinModels.graph(named: "tiny-cnn")
        let bytes = try PlanCodec.encode(g)
        let graphOffset = Int(read64(bytes, 32 + 8)), graphLength = Int(read64(bytes, 32 + 16))
        let name = Array("conv1.weight".utf8)
        let section = Array(bytes[graphOffset..<(graphOffset + graphLength)])
        let at = try #require((0...(section.count - name.count)).first { Array(section[$0..<($0 + name.count)]) == name })
        let flags = graphOffset + at + name.count
        return Fixture(bytes: bytes, graphOffset: graphOffset, graphLength: graphLength, dims: flags + 4, rank: Int(bytes[flags + 1]))
    }

    static func read64(_ b: [UInt8], _ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[at + $1]) << (8 * $1) } }

    static func write64(_ b: inout [UInt8], _ at: Int, _ v: UInt64) { for i in 0..<8 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * i)) } }

    /// Recomputes the section CRCs and the header CRC after an edit.
    static func resealed(_ b: [UInt8]) -> [UInt8] {
        var out = b
        let sections = Int(out[12]) | Int(out[13]) << 8
        for s in 0..<sections {
            let entry = 32 + s * 24
            let offset = Int(read64(out, entry + 8)), length = Int(read64(out, entry + 16))
            let crc = CRC32.checksum(out[offset..<(offset + length)])
            for i in 0..<4 { out[entry + 4 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        }
        let header = CRC32.checksum(Array(out[0..<24]) + Array(out[32..<(32 + sections * 24)]))
        for i in 0..<4 { out[24 + i] = UInt8(truncatingIfNeeded: header >> (8 * UInt32(i))) }
        return out
    }

    @Test func resealingAnUneditedPlanKeepsItValid() throws {
        let f = try Self.fixture()
        #expect(Self.resealed(f.bytes) == f.bytes)
        #expect(Self.read64(f.bytes, f.dims) == 16)  // conv1.weight is [16, 3, 3, 3]
    }

    enum Edit: String, CaseIterable, Sendable {
        case offsetPastTheWeights, misalignedOffset, lengthDisagreesWithShape, oversizedDimension, zeroDimension
        case negativeDimension, dimensionBreaksConvShape

        func apply(_ f: Fixture, _ b: inout [UInt8]) {
            switch self {
            case .offsetPastTheWeights: write64(&b, f.range, 1 << 40)
            case .misalignedOffset: write64(&b, f.range, read64(b, f.range) + 4)
            case .lengthDisagreesWithShape: write64(&b, f.range + 8, read64(b, f.range + 8) - 4)
            case .oversizedDimension: write64(&b, f.dims, 1 << 40)
            case .zeroDimension: write64(&b, f.dims, 0)
            case .negativeDimension: write64(&b, f.dims, UInt64(bitPattern: -3))
            case .dimensionBreaksConvShape: write64(&b, f.dims, 17)
            }
        }
    }

    @Test(arguments: Edit.allCases)
    func editedFieldIsRefused(_ edit: Edit) throws {
        let f = try Self.fixture()
        var b = f.bytes
        edit.apply(f, &b)
        #expect(b != f.bytes)
        #expect(throws: PlanError.self, "\(edit)") { try PlanCodec.decode(Self.resealed(b)) }
    }
}
