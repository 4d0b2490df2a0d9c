import ModelPlan
import Testing

@Suite struct PlanCodecTests {
    @Test(arguments: BuiltinModels.names)
    func builtinModelsRoundTrip(_ name: String) throws {
        let g = try BuiltinModels.graph(named: name)
        let bytes = try PlanCodec.encode(g)
        #expect(try PlanCodec.decode(bytes) == g)
    }

    @Test func encodingIsDeterministic() throws {
        let a = try PlanCodec.encode(try BuiltinModels.graph(named: "tiny-cnn"))
        let b = try PlanCodec.encode(try BuiltinModels.graph(named: "tiny-cnn"))
        #expect(a == b)
        #expect(Array(a.prefix(8)) == PlanFormat.magic)
    }

    @Test func unknownBuiltinNamesTheKnownOnes() {
        let error = #expect(throws: PlanError.self) { try BuiltinModels.graph(named: "nope") }
        #expect(error?.description.contains("tiny-cnn") == true)
    }

    @Test func newerVersionIsRejectedNamingBothVersions() throws {
        var bytes = try PlanCodec.encode(try BuiltinModels.graph(named: "mlp"))
        bytes[8] = 9
        #expect(throws: PlanError.unsupportedVersion(found: 9, supported: 2)) { try PlanCodec.decode(bytes) }
        let message = PlanError.unsupportedVersion(found: 9, supported: 2).description
        #expect(message.contains("version 9") && message.contains("versions 1 to 2"))
    }

    @Test func truncationAtEveryLengthFailsCleanly() throws {
        let bytes = try PlanCodec.encode(try BuiltinModels.graph(named: "tiny-cnn"))
        // Every prefix must be refused; step through the header byte by byte, then coarser.
        let cuts = Array(0..<200) + Array(stride(from: 200, to: bytes.count, by: 97))
        for cut in cuts {
            #expect(throws: PlanError.self) { try PlanCodec.decode(Array(bytes.prefix(cut))) }
        }
    }

    @Test func everyFlippedByteIsDetected() throws {
        var b = GraphBuilder(name: "small")
        var x = try b.input("x", shape: [1, 3, 8, 8])
        x = try b.conv(x, outChannels: 4, kernel: 3, activation: .relu)
        x = try b.node(.globalAveragePool, [x])
        x = try b.node(.flatten, [x])
        b.output(try b.dense(x, outFeatures: 3))
        let bytes = try PlanCodec.encode(b.graph)
        // Every byte: header, table, padding, graph section and weights.
        for i in 0..<bytes.count {
            var bad = bytes
            bad[i] ^= 0x5A
            let decoded = (try? PlanCodec.decode(bad)) != nil
            #expect(!decoded, "flip at \(i) was not detected")
        }
    }

    @Test func randomBytesNeverDecode() {
        var rng = SeededRandom(seed: 7)
        for length in [0, 1, 8, 31, 32, 64, 300, 5000] {
            let noise = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(throws: PlanError.self) { try PlanCodec.decode(noise) }
            // Random bytes behind a valid magic must fail too.
            #expect(throws: PlanError.self) { try PlanCodec.decode(PlanFormat.magic + noise) }
        }
    }

    @Test func oversizedDimensionsAreRefusedBeforeAllocation() throws {
        var b = GraphBuilder(name: "big")
        let x = try b.input("x", shape: [1, 4])
        b.output(try b.node(.relu, [x]))
        var g = b.graph
        g.tensors[0].shape = [1 << 20, 1 << 20]
        #expect(throws: PlanError.self) { try PlanCodec.encode(g) }
    }

    @Test func validatorRejectsCyclesAndBadIndices() throws {
        var b = GraphBuilder(name: "g")
        let x = try b.input("x", shape: [1, 8])
        let y = try b.node(.relu, [x])
        b.output(try b.node(.relu, [y]))
        var cyclic = b.graph
        cyclic.nodes[0].inputs = [cyclic.nodes[1].outputs[0]]
        #expect(throws: PlanError.self) { try GraphValidator.validate(cyclic) }
        var outOfRange = b.graph
        outOfRange.nodes[1].inputs = [99]
        #expect(throws: PlanError.self) { try GraphValidator.validate(outOfRange) }
        var wrongShape = b.graph
        wrongShape.tensors[wrongShape.nodes[0].outputs[0]].shape = [1, 9]
        #expect(throws: PlanError.self) { try GraphValidator.validate(wrongShape) }
    }

    @Test func costCountsMacsAndParameters() throws {
        let cost = GraphCost(try BuiltinModels.graph(named: "mlp"))
        let macs: Int64 = 512 * 1024 + 1024 * 1024 + 1024 * 10
        let biases: Int64 = 1024 + 1024 + 10
        #expect(cost.macs == macs)
        #expect(cost.parameters == macs + biases)
        #expect(cost.weightBytes == cost.parameters * 4)
        #expect(cost.opCounts["Dense"] == 3)
    }

    @Test func crcMatchesTheStandardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    /// Found by the onnx fuzz target: a pad or slice step of Int64.min trapped in `abs` during
    /// validation, so a plan or ONNX file could crash the agent or the host instead of failing.
    @Test func padsAndStepsOfInt64MinAreRefused() {
        let pad = Node(op: .pad, name: "p", inputs: [0], outputs: [1], attributes: Attributes(["pads": .ints([Int64.min, 0, 0, 0]), "mode": .int(0)]))
        #expect(throws: PlanError.self) { try ShapeInference.outputShapes(of: pad, inputs: [[2, 2]]) }
        let slice = Node(
            op: .slice, name: "s", inputs: [0], outputs: [1],
            attributes: Attributes(["starts": .ints([0]), "steps": .ints([Int64.min]), "sizes": .ints([1])]))
        #expect(throws: PlanError.self) { try ShapeInference.outputShapes(of: slice, inputs: [[2]]) }
    }

    /// Found by the plan fuzz target: Gather's indicesShape was multiplied without overflow checks.
    @Test func aGatherIndicesShapeWhoseProductOverflowsIsRefused() {
        let gather = Node(
            op: .gather, name: "g", inputs: [0], outputs: [1],
            attributes: Attributes(["axis": .int(0), "indices": .ints([0]), "indicesShape": .ints([1 << 40, 1 << 40])]))
        #expect(throws: PlanError.self) { try ShapeInference.outputShapes(of: gather, inputs: [[2]]) }
    }

    /// Found by the plan fuzz target: Split's sizes were summed without overflow checks.
    @Test func splitSizesWhoseSumOverflowsAreRefused() {
        let split = Node(op: .split, name: "s", inputs: [0], outputs: [1, 2], attributes: Attributes(["axis": .int(0), "splits": .ints([Int64.max, 2])]))
        #expect(throws: PlanError.self) { try ShapeInference.outputShapes(of: split, inputs: [[1]]) }
    }

    /// Found by the plan fuzz target: a Resize without `sizes` indexed an empty array.
    @Test func aResizeWithoutSizesIsRefused() {
        let resize = Node(op: .resize, name: "r", inputs: [0], outputs: [1], attributes: Attributes(["scales": .floats([1, 1, 2, 2])]))
        #expect(throws: PlanError.self) { try ShapeInference.outputShapes(of: resize, inputs: [[1, 1, 2, 2]]) }
    }
}
