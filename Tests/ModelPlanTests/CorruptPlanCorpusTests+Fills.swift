import ModelPlan
import Testing

/// Version 2 cases of the corpus: edits of a valid plan's FILL section (CRCs recomputed), each
/// refused by the check named in `expected` before the decoder allocates the weights.
extension CorruptPlanCorpusTests {
    /// A valid version 2 plan (four fills) and where its FILL section lies.
    struct FillFixture {
        var bytes: [UInt8]
        /// Offset of the section's table entry.
        var entry: Int
        var offset: Int
        var length: Int
        var totalWeights: Int
        func fill(_ i: Int) -> Int { offset + 16 + 32 * i }
    }

    static func fillFixture() throws -> FillFixture {
        var b = GraphBuilder(name: "block", generatedWeights: true)
        var x = try b.input("x", shape: [1, 3, 8, 8])
        x = try b.conv(x, outChannels: 4, kernel: 3, activation: .relu)
        x = try b.node(.globalAveragePool, [x])
        x = try b.node(.flatten, [x])
        b.output(try b.dense(x, outFeatures: 3))
        let bytes = try PlanCodec.encode(b.graph)
        let sections = Int(bytes[12]) | Int(bytes[13]) << 8
        let tag = Array("FILL".utf8)
        let entry = try #require((0..<sections).map { 32 + $0 * 24 }.first { Array(bytes[$0..<($0 + 4)]) == tag })
        let f = FillFixture(
            bytes: bytes, entry: entry, offset: Int(read64(bytes, entry + 8)), length: Int(read64(bytes, entry + 16)),
            totalWeights: b.graph.weights.count)
        #expect(f.length == 16 + 4 * 32)
        #expect(Int(read64(bytes, f.offset)) == f.totalWeights)
        return f
    }

    static func write32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) { for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) } }

    /// Shortens the FILL section by `bytes`, zeroing what becomes padding.
    static func shorten(_ f: FillFixture, _ b: inout [UInt8], by bytes: Int) {
        write64(&b, f.entry + 16, UInt64(f.length - bytes))
        for i in (f.offset + f.length - bytes)..<(f.offset + f.length) { b[i] = 0 }
    }

    enum FillEdit: String, CaseIterable, Sendable {
        case overlappingFills, unsortedFills, fillRunsPastTheWeights, fillOffsetFarOutside, countFarOutside, misalignedFill
        case emptyFill, nanBound, reservedFieldSet, oversizedTotal, hugeTotal, totalDisagreesWithWGHT, truncatedEntry
        case partialEntry, countClaimsMoreFills, noFills, fillSectionInVersion1

        func apply(_ f: FillFixture, _ b: inout [UInt8]) {
            switch self {
            case .overlappingFills: write64(&b, f.fill(1), read64(b, f.fill(0)) + 4)
            case .unsortedFills:
                let first = Array(b[f.fill(0)..<f.fill(1)]), second = Array(b[f.fill(1)..<f.fill(2)])
                b.replaceSubrange(f.fill(0)..<f.fill(2), with: second + first)
            case .fillRunsPastTheWeights: write64(&b, f.fill(3), UInt64(f.totalWeights - 4))
            case .fillOffsetFarOutside: write64(&b, f.fill(3), 1 << 62)
            case .countFarOutside: write64(&b, f.fill(0) + 8, 1 << 40)
            case .misalignedFill: write64(&b, f.fill(1), read64(b, f.fill(1)) + 2)
            case .emptyFill: write64(&b, f.fill(2) + 8, 0)
            case .nanBound: write32(&b, f.fill(2) + 24, Float.nan.bitPattern)
            case .reservedFieldSet: write32(&b, f.fill(2) + 28, 1)
            case .oversizedTotal: write64(&b, f.offset, UInt64(PlanFormat.maxWeightsSize) + 64)
            case .hugeTotal: write64(&b, f.offset, 1 << 60)
            case .totalDisagreesWithWGHT: write64(&b, f.offset, UInt64(f.totalWeights + 64))
            case .truncatedEntry: shorten(f, &b, by: 32)
            case .partialEntry: shorten(f, &b, by: 5)
            case .countClaimsMoreFills: write32(&b, f.offset + 8, 5)
            case .noFills:
                write32(&b, f.offset + 8, 0)
                shorten(f, &b, by: 4 * 32)
            case .fillSectionInVersion1: b[8] = 1
            }
        }

        /// Part of the refusal's message: the check meant to catch the edit.
        var expected: String {
            switch self {
            case .overlappingFills, .unsortedFills: "overlaps the previous fill"
            case .fillRunsPastTheWeights, .fillOffsetFarOutside, .countFarOutside: "lies outside"
            case .misalignedFill: "4-byte aligned"
            case .emptyFill: "is empty"
            case .nanBound: "must be finite"
            case .reservedFieldSet: "non-zero reserved field"
            case .oversizedTotal, .hugeTotal: "exceed the limit"
            case .totalDisagreesWithWGHT: "WGHT holds"
            case .truncatedEntry, .partialEntry, .countClaimsMoreFills: "truncated or padded"
            case .noFills: "lists no fills"
            case .fillSectionInVersion1: "needs format version 2"
            }
        }
    }

    @Test func resealingAnUneditedVersion2PlanKeepsItValid() throws {
        let f = try Self.fillFixture()
        #expect(Self.resealed(f.bytes) == f.bytes)
        #expect(try PlanCodec.decode(f.bytes).generatedWeights.count == 4)
    }

    @Test(arguments: FillEdit.allCases)
    func editedFillIsRefused(_ edit: FillEdit) throws {
        let f = try Self.fillFixture()
        var b = f.bytes
        edit.apply(f, &b)
        #expect(b != f.bytes)
        let error = #expect(throws: PlanError.self, "\(edit)") { try PlanCodec.decode(Self.resealed(b)) }
        #expect(error?.description.contains(edit.expected) == true, "\(edit): \(error?.description ?? "decoded")")
    }

    @Test func version2PlanWithoutFillSectionIsRefused() throws {
        var b = try PlanCodec.encode(try BuiltinModels.graph(named: "tiny-cnn"))
        b[8] = 2
        let error = #expect(throws: PlanError.self) { try PlanCodec.decode(Self.resealed(b)) }
        #expect(error?.description.contains("needs a FILL section") == true)
    }

    @Test func versionZeroIsRefused() throws {
        var b = try PlanCodec.encode(try BuiltinModels.graph(named: "mlp"))
        b[8] = 0
        #expect(throws: PlanError.unsupportedVersion(found: 0, supported: 2)) { try PlanCodec.decode(Self.resealed(b)) }
    }
}
