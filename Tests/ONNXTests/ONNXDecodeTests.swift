import BenchCore
import ONNX
import Testing

/// Decoding of hand-built messages: every field the reader keeps, in both repeated encodings,
/// with unknown fields of every wire type sprinkled through every message.
@Suite struct ONNXDecodeTests {
    static func dim(_ w: inout WireWriter, value: Int64? = nil, param: String? = nil) {
        w.message(1) { d in
            d.unknownFields()
            if let value { d.int(1, value) }
            if let param { d.string(2, param) }
            d.string(3, "denotation, ignored")
        }
    }

    /// ValueInfoProto with a tensor type of FLOAT and shape [batch, 3, ?].
    static func valueInfo(_ w: inout WireWriter, field: Int, name: String) {
        w.message(field) { v in
            v.string(1, name)
            v.unknownFields()
            v.message(2) { type in
                type.message(1) { tensor in
                    tensor.int(1, 1)
                    tensor.unknownFields()
                    tensor.message(2) { shape in
                        dim(&shape, param: "batch")
                        dim(&shape, value: 3)
                        dim(&shape)
                        shape.unknownFields()
                    }
                }
                type.string(6, "denotation")
            }
            v.string(3, "doc")
        }
    }

    static func modelBytes() -> [UInt8] {
        WireWriter.build { m in
            m.int(1, 8)
            m.string(2, "writer")
            m.string(3, "2.1")
            m.string(4, "com.example")
            m.int(5, 42)
            m.string(6, "model doc")
            m.unknownFields()
            m.message(7) { g in
                g.message(1) { n in
                    n.string(1, "x")
                    n.string(1, "")  // omitted optional input keeps its place
                    n.string(1, "w")
                    n.string(2, "y")
                    n.string(3, "conv1")
                    n.string(4, "Conv")
                    n.string(7, "ai.onnx")
                    n.string(6, "node doc")
                    n.unknownFields()
                    n.message(5) { a in  // packed ints
                        a.string(1, "pads")
                        a.packedInts(8, [1, 1, 2, 2])
                        a.int(20, 7)
                    }
                    n.message(5) { a in  // unpacked ints
                        a.string(1, "strides")
                        a.int(8, 2)
                        a.int(8, 2)
                        a.int(20, 7)
                    }
                    n.message(5) { a in
                        a.string(1, "group")
                        a.int(3, -4)
                        a.int(20, 2)
                        a.unknownFields()
                    }
                }
                g.message(1) { n in
                    n.string(1, "y")
                    n.string(2, "z")
                    n.string(4, "Custom")
                    n.string(7, "com.example")
                    n.message(5) { a in
                        a.string(1, "alpha")
                        a.float(2, 0.25)
                        a.int(20, 1)
                    }
                    n.message(5) { a in
                        a.string(1, "mode")
                        a.bytes(4, Array("edge".utf8))
                        a.int(20, 3)
                    }
                    n.message(5) { a in  // unpacked floats
                        a.string(1, "scales")
                        a.float(7, 1.5)
                        a.float(7, -2)
                        a.int(20, 6)
                    }
                    n.message(5) { a in  // packed floats
                        a.string(1, "bias")
                        a.packedFloats(7, [0.5, 0.75])
                        a.int(20, 6)
                    }
                    n.message(5) { a in
                        a.string(1, "names")
                        a.string(9, "a")
                        a.string(9, "b")
                        a.int(20, 8)
                    }
                    n.message(5) { a in
                        a.string(1, "value")
                        a.message(5) { t in
                            t.int(1, 2)
                            t.int(2, 7)
                            t.packedInts(7, [5, -6])
                        }
                        a.int(20, 4)
                    }
                    n.message(5) { a in
                        a.string(1, "body")
                        a.message(6) { $0.string(2, "never decoded") }
                        a.int(20, 5)
                    }
                    n.message(5) { a in  // TENSORS: kept as its type code
                        a.string(1, "tensors")
                        a.message(10) { $0.int(2, 1) }
                        a.int(20, 9)
                    }
                }
                g.string(2, "main")
                g.message(5) { t in
                    t.packedInts(1, [2, 2])
                    t.int(2, 1)
                    t.string(8, "w")
                    t.bytes(9, [0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64])
                    t.string(12, "tensor doc")
                    t.unknownFields()
                }
                g.message(5) { t in  // unpacked dims and float_data
                    t.int(1, 3)
                    t.int(2, 1)
                    t.float(4, 1)
                    t.float(4, 2)
                    t.float(4, 3)
                    t.string(8, "b")
                }
                g.string(10, "graph doc")
                valueInfo(&g, field: 11, name: "x")
                valueInfo(&g, field: 12, name: "z")
                g.message(13) { v in
                    v.string(1, "s")
                    v.message(2) { $0.message(4) { $0.message(1) { $0.message(1) { $0.int(1, 1) } } } }  // a sequence type
                }
                g.message(13) { v in v.string(1, "untyped") }
                g.message(15) { $0.message(1) { $0.int(2, 1) } }
                g.unknownFields()
            }
            m.message(8) { o in
                o.string(1, "ai.onnx")
                o.int(2, 17)
                o.unknownFields()
            }
            m.message(8) { o in
                o.string(1, "com.example")
                o.int(2, 1)
            }
            m.message(14) { e in
                e.string(1, "author")
                e.string(2, "tests")
                e.unknownFields()
            }
        }
    }

    @Test func modelFieldsAreDecoded() throws {
        let model = try ONNXModel(bytes: Self.modelBytes())
        #expect(model.irVersion == 8)
        #expect(model.producerName == "writer")
        #expect(model.producerVersion == "2.1")
        #expect(model.domain == "com.example")
        #expect(model.modelVersion == 42)
        #expect(model.opsets == ["": 17, "com.example": 1])
        #expect(model.metadata == ["author": "tests"])
        #expect(model.graph.name == "main")
        #expect(model.graph.hasSparseInitializers)
    }

    @Test func nodesKeepInputsInOrderAndNormaliseTheDomain() throws {
        let nodes = try ONNXModel(bytes: Self.modelBytes()).graph.nodes
        #expect(nodes.count == 2)
        #expect(nodes[0].name == "conv1")
        #expect(nodes[0].opType == "Conv")
        #expect(nodes[0].domain == "")
        #expect(nodes[0].inputs == ["x", "", "w"])
        #expect(nodes[0].outputs == ["y"])
        #expect(nodes[0].attributes == ["pads": .ints([1, 1, 2, 2]), "strides": .ints([2, 2]), "group": .int(-4)])
        #expect(nodes[1].name == "")
        #expect(nodes[1].domain == "com.example")
    }

    @Test func everyAttributeKindIsDecoded() throws {
        let attributes = try ONNXModel(bytes: Self.modelBytes()).graph.nodes[1].attributes
        #expect(attributes["alpha"] == .float(0.25))
        #expect(attributes["mode"] == .string("edge"))
        #expect(attributes["scales"] == .floats([1.5, -2]))
        #expect(attributes["bias"] == .floats([0.5, 0.75]))
        #expect(attributes["names"] == .strings(["a", "b"]))
        #expect(attributes["body"] == .graph)
        #expect(attributes["tensors"] == .other(type: 9))
        guard case .tensor(let t) = attributes["value"] else {
            Issue.record("value is not a tensor: \(String(describing: attributes["value"]))")
            return
        }
        #expect(t.dims == [2])
        #expect(t.dataType == .int64)
        #expect(try t.int64s() == [5, -6])
        #expect(attributes.count == 8)
    }

    @Test func initializersAndValueInfosAreDecoded() throws {
        let graph = try ONNXModel(bytes: Self.modelBytes()).graph
        #expect(graph.initializers.map(\.name) == ["w", "b"])
        #expect(graph.initializers[0].dims == [2, 2])
        #expect(try graph.initializers[0].floats() == [1, 2, 3, 4])
        #expect(graph.initializers[1].dims == [3])
        #expect(try graph.initializers[1].floats() == [1, 2, 3])
        let expectedShape: [ONNXDimension] = [.parameter("batch"), .value(3), .unknown]
        #expect(graph.inputs == [ONNXValueInfo(name: "x", elementType: .float, shape: expectedShape)])
        #expect(graph.outputs == [ONNXValueInfo(name: "z", elementType: .float, shape: expectedShape)])
        #expect(
            graph.valueInfo == [
                ONNXValueInfo(name: "s", elementType: nil, shape: nil), ONNXValueInfo(name: "untyped", elementType: nil, shape: nil),
            ])
    }

    @Test func attributesWithoutTypeTakeTheKindOfTheirValue() throws {
        func decode(_ body: @escaping (inout WireWriter) -> Void) throws -> ONNXAttribute? {
            let bytes = WireWriter.build { m in
                m.message(7) { g in
                    g.message(1) { n in
                        n.string(4, "Op")
                        n.message(5) { a in
                            a.string(1, "a")
                            body(&a)
                        }
                    }
                }
                m.message(8) { $0.int(2, 13) }
            }
            return try ONNXModel(bytes: bytes).graph.nodes[0].attributes["a"]
        }
        #expect(try decode { $0.float(2, 3) } == .float(3))
        #expect(try decode { $0.int(3, 9) } == .int(9))
        #expect(try decode { $0.string(4, "s") } == .string("s"))
        #expect(try decode { $0.packedInts(8, [1, 2]) } == .ints([1, 2]))
        #expect(try decode { $0.float(7, 1) } == .floats([1]))
        #expect(try decode { $0.string(9, "t") } == .strings(["t"]))
        #expect(try decode { $0.message(6) { _ in } } == .graph)
        // A type with no value field gives protobuf's default for it.
        #expect(try decode { $0.int(20, 7) } == .ints([]))
        #expect(try decode { $0.int(20, 2) } == .int(0))
        let error = #expect(throws: ONNXError.self) { try decode { $0.string(13, "only a doc string") } }
        #expect(error?.description.contains("neither a type") == true)
    }

    @Test func duplicateAttributeNamesTheNodeAndAttribute() {
        let bytes = WireWriter.build { m in
            m.message(7) { g in
                g.message(1) { n in
                    n.string(3, "n1")
                    n.message(5) { a in
                        a.string(1, "k")
                        a.int(3, 1)
                        a.int(20, 2)
                    }
                    n.message(5) { a in
                        a.string(1, "k")
                        a.int(3, 2)
                        a.int(20, 2)
                    }
                }
            }
            m.message(8) { $0.int(2, 13) }
        }
        let error = #expect(throws: ONNXError.self) { try ONNXModel(bytes: bytes) }
        #expect(error == .malformed("field 7 of ModelProto: field 1 of GraphProto: field 5 of NodeProto #0 'n1': attribute 'k' appears twice"))
    }

    @Test func errorsInsideNestedMessagesNameThePath() {
        let bytes = WireWriter.build { m in
            m.message(7) { g in
                g.string(2, "main")
                g.message(1) { n in n.string(3, "a") }
                g.message(1) { n in
                    n.string(3, "conv1")
                    n.key(5, 2)
                    n.varint(123_456)
                    n.bytes += [UInt8](repeating: 0, count: 40)
                }
            }
        }
        let error = #expect(throws: ONNXError.self) { try ONNXModel(bytes: bytes) }
        #expect(
            error
                == .malformed(
                    "field 7 of ModelProto: field 1 of GraphProto 'main': field 5 of NodeProto #1 'conv1': length 123456 at offset 23 exceeds the 40 bytes left"
                ))
        #expect(error?.exitStatus == .dataError)
    }

    @Test func modelsNeedAGraphAndAnOpset() {
        #expect(throws: ONNXError.malformed("ModelProto has no graph (field 7)")) { try ONNXModel(bytes: []) }
        let noOpset = WireWriter.build { $0.message(7) { $0.string(2, "g") } }
        #expect(throws: ONNXError.malformed("ModelProto has no opset_import (field 8)")) { try ONNXModel(bytes: noOpset) }
    }

    @Test func conflictingOpsetVersionsAreRefused() {
        let bytes = WireWriter.build { m in
            m.message(7) { _ in }
            m.message(8) { $0.int(2, 13) }
            m.message(8) { o in
                o.string(1, "ai.onnx")
                o.int(2, 17)
            }
        }
        let error = #expect(throws: ONNXError.self) { try ONNXModel(bytes: bytes) }
        #expect(error?.description.contains("'ai.onnx' twice, with versions 13 and 17") == true)
    }

    @Test func functionAttributeReferencesAreRefusedInTheMainGraph() {
        let bytes = WireWriter.build { m in
            m.message(7) { g in
                g.message(1) { n in
                    n.message(5) { a in
                        a.string(1, "alpha")
                        a.string(21, "outer_alpha")
                        a.int(20, 1)
                    }
                }
            }
            m.message(8) { $0.int(2, 13) }
        }
        let error = #expect(throws: ONNXError.self) { try ONNXModel(bytes: bytes) }
        #expect(error?.description.contains("ref_attr_name") == true)
    }
}
