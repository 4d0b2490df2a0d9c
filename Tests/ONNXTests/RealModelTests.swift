import ModelPlan
import ONNX
import Testing

/// The reader against bytes written by the onnx Python package, and against those bytes damaged.
@Suite struct RealModelTests {
    static let expectedWeights: [Float] = (0..<108).map { Float($0) / 100 - 0.5 }

    @Test func modelHeaderAndOpsets() throws {
        let model = try ONNXModel(bytes: TinyONNXModel.bytes)
        #expect(model.irVersion == 7)
        #expect(model.producerName == "boardbench-test")
        #expect(model.producerVersion == "1.0")
        #expect(model.opsets == ["": 13])
        #expect(model.metadata.isEmpty)
        #expect(model.graph.name == "tiny")
        #expect(!model.graph.hasSparseInitializers)
    }

    @Test func nodesAndEveryAttributeKind() throws {
        let nodes = try ONNXModel(bytes: TinyONNXModel.bytes).graph.nodes
        #expect(nodes.map(\.opType) == ["Conv", "Relu", "LeakyRelu", "Reshape", "Constant", "Constant", "Constant", "Constant", "Clip", "Constant", "If"])
        #expect(nodes.allSatisfy { $0.domain == "" })
        let conv = nodes[0]
        #expect(conv.name == "conv1")
        #expect(conv.inputs == ["x", "W", "B"])
        #expect(conv.outputs == ["c"])
        #expect(
            conv.attributes == [
                "kernel_shape": .ints([3, 3]), "pads": .ints([1, 1, 1, 1]), "strides": .ints([1, 1]), "group": .int(1),
                "auto_pad": .string("NOTSET"),
            ])
        #expect(nodes[2].attributes == ["alpha": .float(0.125)])
        #expect(nodes[5].attributes == ["value_floats": .floats([0.5, 1.5])])
        #expect(nodes[6].attributes == ["value_strings": .strings(["cat", "dog"])])
        #expect(nodes[7].attributes == ["value_float": .float(6)])
        #expect(nodes[8].inputs == ["y", "", "mx"])
        #expect(nodes[10].attributes == ["then_branch": .graph, "else_branch": .graph])

        guard case .tensor(let table) = nodes[4].attributes["value"], case .tensor(let cond) = nodes[9].attributes["value"] else {
            Issue.record("Constant values are not tensors")
            return
        }
        #expect(table.name == "k")
        #expect(table.dataType == .int32)
        #expect(try table.int64s() == [7, -8, 9])
        #expect(cond.dataType == .bool)
        #expect(cond.dims == [])
        #expect(try cond.int64s() == [1])
    }

    @Test func initializersInRawAndTypedForm() throws {
        let initializers = try ONNXModel(bytes: TinyONNXModel.bytes).graph.initializers
        #expect(initializers.map(\.name) == ["W", "B", "shape"])
        #expect(initializers[0].dims == [4, 3, 3, 3])
        #expect(try initializers[0].floats() == Self.expectedWeights)
        #expect(try initializers[1].floats() == [0.5, -1, 0.25, 2])
        #expect(initializers[2].dataType == .int64)
        #expect(try initializers[2].int64s() == [0, -1])
        #expect(!initializers.contains { $0.isExternal })
    }

    @Test func graphInputsOutputsAndValueInfo() throws {
        let graph = try ONNXModel(bytes: TinyONNXModel.bytes).graph
        #expect(graph.inputs == [ONNXValueInfo(name: "x", elementType: .float, shape: [.parameter("batch"), .value(3), .value(8), .value(8)])])
        #expect(
            graph.outputs == [
                ONNXValueInfo(name: "z", elementType: .float, shape: [.parameter("batch"), .value(256)]),
                ONNXValueInfo(name: "branch", elementType: .float, shape: []),
            ])
        #expect(
            graph.valueInfo == [
                ONNXValueInfo(name: "c", elementType: .float, shape: [.parameter("batch"), .value(4), .unknown, .value(8)]),
                ONNXValueInfo(name: "r", elementType: .float, shape: nil),
            ])
    }

    @Test func everyTruncationThrows() {
        let bytes = TinyONNXModel.bytes
        for cut in 0..<bytes.count {
            #expect(throws: ONNXError.self, "cut at \(cut)") { try ONNXModel(bytes: Array(bytes.prefix(cut))) }
        }
    }

    /// Random single-byte damage must decode or throw; both must happen, and whatever decodes
    /// must also convert or throw when its tensors are read.
    @Test func seededRandomByteFlipsDecodeOrThrow() {
        let original = TinyONNXModel.bytes
        var rng = SeededRandom(seed: 0x0DDC_0FFE)
        var decoded = 0
        var refused = 0
        for _ in 0..<3000 {
            var bytes = original
            let index = Int(rng.next() % UInt64(bytes.count))
            let flip = UInt8(truncatingIfNeeded: rng.next() | 1)
            bytes[index] ^= flip
            do {
                let model = try ONNXModel(bytes: bytes)
                decoded += 1
                for tensor in model.graph.initializers {
                    _ = try? tensor.floats()
                    _ = try? tensor.int64s()
                }
            } catch {
                refused += 1
                #expect(!error.description.isEmpty)
            }
        }
        #expect(decoded > 100)
        #expect(refused > 100)
    }

    @Test func damageInsideRawDataChangesOnlyThatValue() throws {
        var bytes = TinyONNXModel.bytes
        // The fifth weight's most significant byte: flip its sign bit.
        bytes[TinyONNXModel.weightOffset + 4 * 5 + 3] ^= 0x80
        let weights = try ONNXModel(bytes: bytes).graph.initializers[0].floats()
        var expected = Self.expectedWeights
        expected[5] = -expected[5]
        #expect(weights == expected)
    }

    @Test func hugeLengthPrefixThrowsWithoutAllocating() throws {
        // Re-encode the model with the graph's length prefix replaced by 2^62.
        let original = TinyONNXModel.bytes
        var reader = ProtoReader(original)
        var rebuilt = WireWriter()
        var fieldStart = reader.position
        while let field = try reader.nextField() {
            if field.number == 7 {
                let graph = try reader.readLengthDelimited()
                rebuilt.key(7, 2)
                rebuilt.varint(1 << 62)
                rebuilt.bytes += graph
            } else {
                try reader.skip(field.wireType)
                rebuilt.bytes += original[fieldStart..<reader.position]
            }
            fieldStart = reader.position
        }
        let error = #expect(throws: ONNXError.self) { try ONNXModel(bytes: rebuilt.bytes) }
        #expect(error?.description.contains("length 4611686018427387904") == true)

        // The same for a raw_data length inside an initializer.
        let tensor = WireWriter.build { w in
            w.int(2, 1)
            w.key(9, 2)
            w.varint(1 << 62)
            w.bytes += [0, 0, 0, 0]
        }
        #expect(throws: ONNXError.self) { try ONNXTensor(bytes: tensor) }
    }
}
