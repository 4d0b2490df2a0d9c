import BenchCore
import Foundation
import ModelPlan
import ONNX
import Runtime
import Testing

/// BoardBench against ONNX Runtime: every case of Fixtures/golden (written by
/// scripts/make-onnx-fixtures.py) compiles, runs, and matches ORT element by element within
/// |got − want| ≤ 1e-5 + 1e-4·|want|.
struct GoldenTests {
    struct Manifest: Decodable {
        struct Case: Decodable, CustomStringConvertible {
            struct Tensor: Decodable {
                var name: String
                var shape: [Int]
            }
            var name: String
            var opset: Int
            var ops: [String]
            var inputs: [Tensor]
            var outputs: [Tensor]
            var inputShape: String?
            var description: String { name }

            enum CodingKeys: String, CodingKey {
                case name, opset, ops, inputs, outputs
                case inputShape = "input_shape"
            }
        }
        var cases: [Case]
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/golden")

    static let cases: [Manifest.Case] = {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("manifest.json")),
            let manifest = try? JSONDecoder().decode(Manifest.self, from: data)
        else { return [] }
        return manifest.cases
    }()

    static func load(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(path)))
    }

    @Test func manifestListsCases() {
        #expect(Self.cases.count >= 100, "Fixtures/golden/manifest.json is missing or lost cases")
    }

    @Test(arguments: cases)
    func matchesOnnxRuntime(_ c: Manifest.Case) throws {
        var options = ImportOptions()
        if let s = c.inputShape { options.inputShapes = try ImportOptions.parseInputShapes([s]) }
        let graph = try ONNXImporter.graph(fromBytes: try Self.load("\(c.name)/model.onnx"), name: c.name, options: options)
        // The plan survives its own codec unchanged: what is checked here is what boards run.
        let plan = try PlanCodec.encode(graph)
        let decoded = try PlanCodec.decode(plan)
        #expect(decoded == graph)
        let executor = Executor(graph: decoded)
        for i in c.inputs.indices {
            let array = try NPY.decode(try Self.load("\(c.name)/input_\(i).npy"))
            try executor.setInput(i, array.values)
        }
        executor.execute()
        #expect(decoded.outputs.count == c.outputs.count)
        for (i, expected) in c.outputs.enumerated() {
            let want = try NPY.decode(try Self.load("\(c.name)/output_\(i).npy"))
            let got = executor.output(i)
            #expect(decoded.tensors[decoded.outputs[i]].shape.reduce(1, *) == want.values.count, "\(expected.name) shape")
            guard got.count == want.values.count else { continue }
            var worst = 0
            var failures = 0
            for k in got.indices where !(abs(got[k] - want.values[k]) <= 1e-5 + 1e-4 * abs(want.values[k])) {
                failures += 1
                if abs(got[k] - want.values[k]) > abs(got[worst] - want.values[worst]) || failures == 1 { worst = k }
            }
            #expect(
                failures == 0,
                "\(c.name) output \(expected.name): \(failures) of \(got.count) elements differ; worst at \(worst): got \(got[worst]), want \(want.values[worst])"
            )
        }
    }
}
