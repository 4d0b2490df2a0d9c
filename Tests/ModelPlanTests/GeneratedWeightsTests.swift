import ModelPlan
import Testing

/// Plans whose seeded weights are stored as seeds (format version 2), and the guarantee that
/// plans without them keep their version 1 bytes.
@Suite struct GeneratedWeightsTests {
    static let seed: UInt64 = 11

    /// Random conv and dense weights plus one explicit constant (a per-channel scale).
    static func block(generated: Bool) throws -> GraphBuilder {
        var b = GraphBuilder(name: "block", seed: seed, generatedWeights: generated)
        var x = try b.input("x", shape: [1, 3, 8, 8])
        x = try b.conv(x, outChannels: 4, kernel: 3, activation: .relu)
        let scale = try b.constant("scale", shape: [1, 4, 1, 1], values: [0.5, -1, 2, 0.25])
        x = try b.node(.mul, [x, scale])
        x = try b.node(.globalAveragePool, [x])
        x = try b.node(.flatten, [x])
        b.output(try b.dense(x, outFeatures: 3))
        return b
    }

    static func floats(_ weights: [UInt8], _ range: Range<Int>) -> [UInt32] {
        stride(from: range.lowerBound, to: range.upperBound, by: 4).map { o in (0..<4).reduce(0) { $0 | UInt32(weights[o + $1]) << (8 * $1) } }
    }

    static func version(_ plan: [UInt8]) -> Int { Int(plan[8]) | Int(plan[9]) << 8 }

    @Test func eachRandomConstantBecomesOneFillAndExplicitConstantsStayStored() throws {
        let g = try Self.block(generated: true).graph
        let random = g.tensors.filter { $0.constant != nil && $0.name != "scale" }
        #expect(random.count == 4)
        #expect(g.generatedWeights.map(\.offset) == random.compactMap { $0.constant?.offset })
        #expect(g.generatedWeights.map(\.byteCount) == random.compactMap { $0.constant?.count })
        // One seed per constant, drawn in order from the builder's generator.
        var rng = SeededRandom(seed: Self.seed)
        #expect(g.generatedWeights.map(\.seed) == (0..<4).map { _ in rng.next() })
        let scale = try #require(g.tensors.first { $0.name == "scale" }?.constant)
        #expect(g.generatedWeights.allSatisfy { !$0.byteRange.overlaps(scale.offset..<(scale.offset + scale.count)) })
        #expect(Self.floats(g.weights, scale.offset..<(scale.offset + scale.count)) == [0.5, -1, 2, 0.25].map { Float($0).bitPattern })
    }

    @Test func regeneratedWeightsEqualTheBuildersBitForBit() throws {
        let g = try Self.block(generated: true).graph
        for f in g.generatedWeights {
            #expect(Self.floats(g.weights, f.byteRange) == f.values().map(\.bitPattern))
        }
        let decoded = try PlanCodec.decode(try PlanCodec.encode(g))
        #expect(decoded.weights == g.weights)
        #expect(decoded.generatedWeights == g.generatedWeights)
    }

    @Test func generatedPlanIsVersion2AndRoundTripsByteIdentically() throws {
        let g = try Self.block(generated: true).graph
        let bytes = try PlanCodec.encode(g)
        #expect(Self.version(bytes) == PlanFormat.generatedWeightsVersion)
        let decoded = try PlanCodec.decode(bytes)
        #expect(decoded == g)
        #expect(try PlanCodec.encode(decoded) == bytes)
    }

    @Test func millionWeightPlanIsUnderOnePercentOfItsVersion1Size() throws {
        var b = GraphBuilder(name: "wide", generatedWeights: true)
        let x = try b.input("x", shape: [1, 1024])
        b.output(try b.dense(x, outFeatures: 1024, activation: .relu))
        let g = b.graph
        #expect(g.weights.count >= 4 * 1024 * 1024)
        let generated = try PlanCodec.encode(g)
        var stored = g
        stored.generatedWeights = []
        let full = try PlanCodec.encode(stored)
        #expect(Self.version(full) == PlanFormat.storedWeightsVersion)
        #expect(full.count > g.weights.count)
        #expect(generated.count * 100 < full.count, "version 2: \(generated.count) bytes, version 1: \(full.count)")
        #expect(try PlanCodec.decode(generated).weights == g.weights)
    }

    @Test func withoutGeneratedWeightsTheBuilderMakesVersion1PlansAsBefore() throws {
        let explicit = try Self.block(generated: false).graph
        var b = GraphBuilder(name: "block", seed: Self.seed)
        var x = try b.input("x", shape: [1, 3, 8, 8])
        x = try b.conv(x, outChannels: 4, kernel: 3, activation: .relu)
        let scale = try b.constant("scale", shape: [1, 4, 1, 1], values: [0.5, -1, 2, 0.25])
        x = try b.node(.mul, [x, scale])
        x = try b.node(.globalAveragePool, [x])
        x = try b.node(.flatten, [x])
        b.output(try b.dense(x, outFeatures: 3))
        #expect(explicit == b.graph)
        #expect(explicit.generatedWeights.isEmpty)
        let bytes = try PlanCodec.encode(explicit)
        #expect(Self.version(bytes) == PlanFormat.storedWeightsVersion)
        #expect(try PlanCodec.decode(bytes) == explicit)
    }

    /// Size and CRC-32 of plans encoded before version 2 existed: their bytes, and so their
    /// hashes, must never change.
    static let version1Plans: [(name: String, size: Int, crc: UInt32)] = [
        ("tiny-cnn", 32936, 0xACE9_5494), ("conv-stack", 75200, 0xC3E7_41E3), ("depthwise-block", 35360, 0xFC56_E03D),
        ("mlp", 6_341_480, 0x6614_9E70),
    ]

    @Test(arguments: version1Plans.indices)
    func version1PlansKeepTheirBytesAndDecode(_ index: Int) throws {
        let pinned = Self.version1Plans[index]
        let g = try BuiltinModels.graph(named: pinned.name)
        let bytes = try PlanCodec.encode(g)
        #expect(Self.version(bytes) == 1)
        #expect(bytes.count == pinned.size)
        #expect(CRC32.checksum(bytes) == pinned.crc)
        #expect(try PlanCodec.decode(bytes) == g)
    }

    @Test func encoderRefusesGeneratedWeightsEditedAfterBuilding() throws {
        var g = try Self.block(generated: true).graph
        let f = g.generatedWeights[1]
        g.weights[f.offset] ^= 1
        let error = #expect(throws: PlanError.self) { try PlanCodec.encode(g) }
        #expect(error?.description.contains("differ from the values seed") == true)
    }

    @Test func validatorRefusesUnsortedOrOverlappingFills() throws {
        let g = try Self.block(generated: true).graph
        var swapped = g
        swapped.generatedWeights.swapAt(0, 1)
        #expect(throws: PlanError.self) { try GraphValidator.validate(swapped) }
        var overlapping = g
        overlapping.generatedWeights[1].offset = overlapping.generatedWeights[0].offset + 4
        let error = #expect(throws: PlanError.self) { try PlanCodec.encode(overlapping) }
        #expect(error?.description.contains("overlaps") == true, "\(String(describing: error))")
        var outside = g
        outside.generatedWeights[3].count += 1
        #expect(throws: PlanError.self) { try GraphValidator.validate(outside) }
    }

    @Test func everyFlippedByteOfAGeneratedPlanIsDetected() throws {
        let bytes = try PlanCodec.encode(try Self.block(generated: true).graph)
        for i in 0..<bytes.count {
            var bad = bytes
            bad[i] ^= 0x5A
            let decoded = (try? PlanCodec.decode(bad)) != nil
            #expect(!decoded, "flip at \(i) was not detected")
        }
    }

    @Test func truncatedGeneratedPlanFailsAtEveryLength() throws {
        let bytes = try PlanCodec.encode(try Self.block(generated: true).graph)
        for cut in 0..<bytes.count {
            #expect(throws: PlanError.self) { try PlanCodec.decode(Array(bytes.prefix(cut))) }
        }
    }
}
