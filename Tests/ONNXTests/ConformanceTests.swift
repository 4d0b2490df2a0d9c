import BenchCore
import Foundation
import ModelPlan
import ONNX
import Runtime
import Testing

/// ONNX's own backend test data (Debian's libonnx-testdata, installed by
/// scripts/install-deps.sh): every case whose ops BoardBench supports with float32 data must
/// compile, run and match ONNX's expected outputs. The first graph input stays a runtime
/// input; every other input (weights, shapes, second operands) is bound as a constant from its
/// test_data_set_0 file, because plans are static graphs. docs/formats.md has the counts.
struct ConformanceTests {
    static let root = URL(fileURLWithPath: "/usr/share/libonnx-testdata/data")
    static let suites = ["node", "pytorch-converted", "pytorch-operator", "simple"]

    /// Cases where Debian's ONNX 1.12 reference outputs differ from ONNX Runtime 1.32 (the
    /// reference BoardBench follows, checked by running ORT on the case) and BoardBench
    /// agrees with ONNX Runtime. Each is still run; it must give ORT's answer.
    static let onnxRuntimeAnswers: [String: [Float]] = [
        // align_corners with scales: ONNX 1.12's reference divides by in·scale − 1 (2.4 − 1),
        // ORT by the output length − 1 (2 − 1).
        "test_resize_downsample_scales_linear_align_corners": [1, 4]
    ]

    enum Outcome: Equatable {
        case passed
        /// Not something BoardBench claims to run: the category says why.
        case skipped(String)
        /// Skipped because the importer refused these ops (or these uses of them).
        case unsupported([String])
        case failed(String)
    }

    struct Summary {
        var run = 0, passed = 0
        var skipped: [String: Int] = [:]
        var unsupportedOps: [String: Int] = [:]
        var failures: [String] = []
        var passedByOp: [String: Int] = [:]
    }

    @Test func backendTestDataPasses() throws {
        guard FileManager.default.fileExists(atPath: Self.root.path) else {
            Issue.record("\(Self.root.path) is missing: install libonnx-testdata (scripts/install-deps.sh does)")
            return
        }
        var summary = Summary()
        for suite in Self.suites {
            let dir = Self.root.appendingPathComponent(suite)
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() {
                let caseDir = dir.appendingPathComponent(name)
                guard FileManager.default.fileExists(atPath: caseDir.appendingPathComponent("model.onnx").path) else { continue }
                let (outcome, ops) = Self.run(caseDir)
                switch outcome {
                case .passed:
                    summary.run += 1
                    summary.passed += 1
                    for op in ops { summary.passedByOp[op, default: 0] += 1 }
                case .skipped(let why):
                    summary.skipped[why, default: 0] += 1
                case .unsupported(let refused):
                    summary.skipped["an unsupported op, or a supported op used in an unsupported way", default: 0] += 1
                    for op in refused { summary.unsupportedOps[op, default: 0] += 1 }
                case .failed(let why):
                    summary.run += 1
                    summary.failures.append("\(suite)/\(name): \(why)")
                }
            }
        }
        print("ONNX conformance: \(summary.run) run, \(summary.passed) passed, \(summary.skipped.values.reduce(0, +)) skipped")
        for (why, n) in summary.skipped.sorted(by: { $0.value > $1.value }) { print("  skipped \(n): \(why)") }
        print("  skipped as unsupported, by op: " + summary.unsupportedOps.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        print("  passed, by op: " + summary.passedByOp.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        for f in summary.failures {
            print("  FAILED \(f)")
            Issue.record(Comment(rawValue: f))
        }
        #expect(summary.passed >= 209, "fewer conformance cases pass than when this test was written")
    }

    static func run(_ dir: URL) -> (Outcome, Set<String>) {
        let fm = FileManager.default
        guard let bytes = fm.contents(atPath: dir.appendingPathComponent("model.onnx").path) else { return (.failed("unreadable model"), []) }
        var model: ONNXModel
        do { model = try ONNXModel(bytes: [UInt8](bytes)) } catch { return (.failed("reader: \(error)"), []) }
        let ops = Set(model.graph.nodes.map { $0.domain.isEmpty ? $0.opType : "\($0.domain).\($0.opType)" })
        let initializers = Set(model.graph.initializers.map(\.name))
        let inputs = model.graph.inputs.filter { !initializers.contains($0.name) }
        guard !inputs.isEmpty else { return (.skipped("no runtime input"), ops) }
        guard inputs.allSatisfy({ $0.elementType == .float }), model.graph.outputs.allSatisfy({ $0.elementType == .float }) else {
            return (.skipped("non-float32 or non-tensor data"), ops)
        }
        let sets = ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasPrefix("test_data_set_") }.sorted()
        guard let firstSet = sets.first else { return (.skipped("no test data"), ops) }
        func tensor(_ set: String, _ file: String) throws -> ONNXTensor {
            try ONNXTensor(bytes: [UInt8](try Data(contentsOf: dir.appendingPathComponent(set).appendingPathComponent(file))))
        }
        let inputShape: [Int]
        do {
            for (i, input) in inputs.enumerated() where i > 0 {
                var t = try tensor(firstSet, "input_\(i).pb")
                t.name = input.name
                model.graph.initializers.append(t)
            }
            inputShape = try tensor(firstSet, "input_0.pb").dims.map { Int($0) }
        } catch {
            return (.skipped("test data not readable as tensors"), ops)
        }
        guard inputShape.allSatisfy({ $0 >= 1 }) else { return (.skipped("empty tensors"), ops) }

        let graph: Graph
        do {
            graph = try ONNXImporter.graph(from: model, name: dir.lastPathComponent, options: ImportOptions(inputShapes: [inputs[0].name: inputShape]))
            _ = try PlanCodec.decode(try PlanCodec.encode(graph))
        } catch let e as ImportError {
            switch e {
            case .unsupported(let list): return (.unsupported(list.map(\.op)), ops)
            case .invalidModel(let m) where m.contains("is a constant"): return (.skipped("output is a compile-time constant"), ops)
            case .node(_, _, let reason) where reason.contains("empty"): return (.skipped("empty tensors"), ops)
            default: return (.failed("compile: \(e)"), ops)
            }
        } catch {
            return (.failed("compile: \(error)"), ops)
        }
        if inputs.count > 1 && sets.count > 1 {
            // Only the first data set matches the constants bound above.
            return check(graph, dir, [firstSet], ops)
        }
        return check(graph, dir, sets, ops)
    }

    static func check(_ graph: Graph, _ dir: URL, _ sets: [String], _ ops: Set<String>) -> (Outcome, Set<String>) {
        let executor = Executor(graph: graph)
        for set in sets {
            do {
                let input = try ONNXTensor(bytes: [UInt8](try Data(contentsOf: dir.appendingPathComponent("\(set)/input_0.pb"))))
                try executor.setInput(0, try input.floats())
                executor.execute()
                for i in graph.outputs.indices {
                    var want = try ONNXTensor(bytes: [UInt8](try Data(contentsOf: dir.appendingPathComponent("\(set)/output_\(i).pb")))).floats()
                    if let ort = onnxRuntimeAnswers[dir.lastPathComponent] { want = ort }
                    let got = executor.output(i)
                    guard got.count == want.count else { return (.failed("\(set) output \(i): \(got.count) values, expected \(want.count)"), ops) }
                    for k in got.indices {
                        let (g, w) = (got[k], want[k])
                        if g.isNaN && w.isNaN { continue }
                        if g == w { continue }
                        guard abs(g - w) <= 1e-7 + 1e-3 * abs(w) else {
                            return (.failed("\(set) output \(i) element \(k): got \(g), want \(w)"), ops)
                        }
                    }
                }
            } catch {
                return (.failed("\(set): \(error)"), ops)
            }
        }
        return (.passed, ops)
    }
}
