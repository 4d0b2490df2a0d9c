import Foundation
import ModelPlan
import ONNX
import Testing

/// What the importer refuses, and how; and that what it accepts compiles the same way twice.
struct ImporterTests {
    static let errors = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/errors")
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/golden")

    static func bytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

    @Test func everyUnsupportedOpIsListedWithCountAndNode() throws {
        let model = try Self.bytes(Self.errors.appendingPathComponent("unsupported_ops.onnx"))
        var caught: ImportError?
        do { _ = try ONNXImporter.graph(fromBytes: model, name: "m") } catch { caught = error }
        guard case .unsupported(let ops)? = caught else {
            Issue.record("expected the unsupported-ops error, got \(String(describing: caught))")
            return
        }
        #expect(ops.map(\.op) == ["Celu", "Softplus", "Resize", "Hardmax"])
        #expect(ops[0].count == 2 && ops[0].example == "celu_1")
        #expect(ops[2].reason?.contains("cubic") == true)
        let message = ImportError.unsupported(ops).description
        #expect(message.contains("4 unsupported ops") && message.contains("Celu ×2") && message.contains("hardmax_1"))
    }

    @Test func dynamicInputNeedsAShape() throws {
        let model = try Self.bytes(Self.errors.appendingPathComponent("dynamic_input.onnx"))
        #expect(throws: ImportError.dynamicInput(name: "x", shape: "[batch, 3, 4, 4]")) { try ONNXImporter.graph(fromBytes: model, name: "m") }
        let g = try ONNXImporter.graph(fromBytes: model, name: "m", options: ImportOptions(inputShapes: ["": [2, 3, 4, 4]]))
        #expect(g.tensors[g.inputs[0]].shape == [2, 3, 4, 4])
        #expect(g.tensors[g.outputs[0]].shape == [2, 3, 4, 4])
        // A shape that contradicts a fixed dimension, or names no input, is refused.
        #expect(throws: ImportError.self) { try ONNXImporter.graph(fromBytes: model, name: "m", options: ImportOptions(inputShapes: ["": [2, 5, 4, 4]])) }
        #expect(throws: ImportError.self) { try ONNXImporter.graph(fromBytes: model, name: "m", options: ImportOptions(inputShapes: ["nope": [1, 3, 4, 4]])) }
    }

    @Test func externalDataIsRefusedWithTheFix() throws {
        let model = try Self.bytes(Self.errors.appendingPathComponent("external_data.onnx"))
        do {
            _ = try ONNXImporter.graph(fromBytes: model, name: "m")
            Issue.record("a model with external data compiled")
        } catch {
            #expect(error.description.contains("save_as_external_data=False"))
        }
    }

    @Test func inputShapeSpecsParse() throws {
        #expect(try ImportOptions.parseInputShapes(["1x3x224x224"]) == ["": [1, 3, 224, 224]])
        #expect(try ImportOptions.parseInputShapes(["images:1x3x8x8", "mask:1x8"]) == ["images": [1, 3, 8, 8], "mask": [1, 8]])
        for bad in ["1x3x", "axb", "1x0x2", "", "x:"] {
            #expect(throws: ImportError.self, "\(bad)") { try ImportOptions.parseInputShapes([bad]) }
        }
    }

    @Test func compilingTwiceGivesIdenticalBytes() throws {
        let model = try Self.bytes(Self.golden.appendingPathComponent("net_transformer/model.onnx"))
        let a = try PlanCodec.encode(try ONNXImporter.graph(fromBytes: model, name: "t"))
        let b = try PlanCodec.encode(try ONNXImporter.graph(fromBytes: model, name: "t"))
        #expect(a == b)
    }

    @Test func batchNormIsFoldedAndActivationsFused() throws {
        let model = try Self.bytes(Self.golden.appendingPathComponent("net_mobilenetv2/model.onnx"))
        let g = try ONNXImporter.graph(fromBytes: model, name: "m")
        let ops = g.nodes.map(\.op)
        #expect(!ops.contains(.batchNorm) && !ops.contains(.clip) && !ops.contains(.relu))
        #expect(g.nodes.contains { $0.op == .conv && $0.attributes["activation"] == .int(FusedActivation.clip.rawValue) })
        // Shape arithmetic of the exported flatten is folded: one Reshape, no Shape/Gather/Concat.
        #expect(!ops.contains(.gather) && !ops.contains(.concat))
    }

    @Test func exportedGeluPatternBecomesOneGeluNode() throws {
        for name in ["erf_gelu_pattern", "net_transformer"] {
            let g = try ONNXImporter.graph(fromBytes: try Self.bytes(Self.golden.appendingPathComponent("\(name)/model.onnx")), name: name)
            #expect(g.nodes.contains { $0.op == .gelu && $0.attributes["approximate"] == .int(0) }, "\(name)")
            #expect(!g.nodes.contains { $0.op == .erf }, "\(name) still has an Erf node")
        }
        // A standalone Erf is not a GELU and stays as it is.
        let erf = try ONNXImporter.graph(fromBytes: try Self.bytes(Self.golden.appendingPathComponent("erf_basic/model.onnx")), name: "e")
        #expect(erf.nodes.map(\.op) == [.erf])
    }

    @Test func truncatedModelsFailCleanly() throws {
        let model = try Self.bytes(Self.golden.appendingPathComponent("net_resnet_basic/model.onnx"))
        // A cut at a field boundary can leave a smaller well-formed model; whatever compiles
        // must still be a valid plan, and nearly every cut must be refused.
        var refused = 0, tried = 0
        for cut in stride(from: 0, to: model.count, by: max(1, model.count / 400)) {
            tried += 1
            do {
                let g = try ONNXImporter.graph(fromBytes: Array(model[..<cut]), name: "m")
                try GraphValidator.validate(g)
            } catch {
                refused += 1
            }
        }
        #expect(refused * 100 >= tried * 95)
    }
}
