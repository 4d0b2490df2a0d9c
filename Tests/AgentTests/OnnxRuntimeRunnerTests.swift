import Agent
import BenchCore
import Foundation
import ModelPlan
import Testing

/// The `onnxruntime` runner with the real ONNX Runtime wheel, in the virtual environment the
/// test command creates (scripts/test.sh sets BOARDBENCH_TEST_PYTHON to its interpreter).
@Suite struct OnnxRuntimeRunnerTests {
    static let python = ProcessInfo.processInfo.environment["BOARDBENCH_TEST_PYTHON"]
    static let skipReason: Comment = "BOARDBENCH_TEST_PYTHON is not set: scripts/test.sh creates a virtual environment with onnxruntime and sets it"

    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ONNXTests/Fixtures/golden/net_mobilenetv2")
    static var model: String { fixture.appendingPathComponent("model.onnx").path }

    static let settings = MeasurementSettings(
        warmupRuns: 2, warmupSeconds: 0, iterations: 10, minMeasureSeconds: 0, counters: ["perf::PERF_COUNT_SW_TASK_CLOCK"], energy: false)

    static func measure(_ runner: RunnerRequest) -> BenchmarkOutcome {
        BenchmarkRunner.measure(BenchmarkRequest(name: "ort", planPath: model, planHash: "h", settings: settings, runner: runner))
    }

    @Test(.enabled(if: python != nil, skipReason)) func measuresWithTheAgentsMethod() throws {
        let o = Self.measure(RunnerRequest(kind: .onnxruntime, python: Self.python, graphOptimization: "all"))
        #expect(o.status == .ok, "\(o.error ?? "")")
        #expect(o.runtimeVersion.hasPrefix("onnxruntime 1."))
        #expect(o.samplesNanoseconds.count >= 10 && o.samplesNanoseconds.allSatisfy { $0 > 0 })
        #expect(o.warmupRuns == 2)
        #expect(o.loadNanoseconds > 0 && o.coldStartNanoseconds > 0)
        let r = try #require(o.runner)
        #expect(r.kind == .onnxruntime && r.timing == "in-process")
        #expect(r.runtime?.contains("CPUExecutionProvider") == true)
        // Memory and counters are the runner process's, not the agent's.
        #expect((o.peakResidentKiB ?? 0) > 20_000, "Python with onnxruntime loaded is tens of MiB")
        #expect((o.loadPeakResidentKiB ?? 0) > 0)
        let clock = try #require(o.counters?.reading("perf::PERF_COUNT_SW_TASK_CLOCK")?.value)
        #expect(clock > 0)
        #expect((o.counters?.threadsCounted ?? 0) >= 1)
        #expect((o.processCPUNanoseconds ?? 0) > 0)
    }

    /// The runner computes outputs too: ONNX Runtime's on the fixture input are the golden ones
    /// (which ONNX Runtime made), and the builtin runtime's agree with them.
    @Test(.enabled(if: python != nil, skipReason)) func itsOutputsAgreeWithTheBuiltinRuntime() throws {
        let input = try NPY.decode([UInt8](try Data(contentsOf: Self.fixture.appendingPathComponent("input_0.npy"))))
        let golden = try NPY.decode([UInt8](try Data(contentsOf: Self.fixture.appendingPathComponent("output_0.npy"))))
        let payload = TensorPayload(name: "input", shape: input.shape, values: input.values)
        let ort = InferenceRunner.run(
            InferRequest(planPath: Self.model, planHash: "h", threads: 1, inputs: [payload], runner: RunnerRequest(kind: .onnxruntime, python: Self.python)))
        let outputs = try ort.get()
        #expect(outputs.count == 1)
        let values = try #require(outputs[0].values())
        #expect(outputs[0].shape == golden.shape)
        let worst = zip(values, golden.values).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst <= 1e-5, "ONNX Runtime on the board differs from the golden output by \(worst)")
    }

    @Test func aMissingInterpreterIsNotAvailableWithTheFix() {
        let o = Self.measure(RunnerRequest(kind: .onnxruntime, python: "/nonexistent/python3"))
        #expect(o.status == .failed)
        #expect(
            o.error
                == "ONNX Runtime is not available: cannot run /nonexistent/python3: No such file or directory; set pythonPath in the device file to a Python with the onnxruntime package",
            "\(o.error ?? "")")
    }

    /// A Python without the package: the script's own import fails and says so.
    @Test(.enabled(if: python != nil, skipReason)) func aPythonWithoutThePackageIsNotAvailable() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bb-noort-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "raise ImportError('No module named onnxruntime')\n".write(
            to: dir.appendingPathComponent("onnxruntime.py"), atomically: true, encoding: .utf8)
        let o = Self.measure(RunnerRequest(kind: .onnxruntime, python: Self.python, environment: ["PYTHONPATH": dir.path]))
        #expect(o.status == .failed)
        #expect(o.error?.hasPrefix("ONNX Runtime is not available: ImportError: No module named onnxruntime") == true, "\(o.error ?? "")")
        #expect(o.error?.hasSuffix("install it (pip install onnxruntime) or set pythonPath in the device file") == true)
    }

    @Test(.enabled(if: python != nil, skipReason)) func aModelOnnxRuntimeRefusesIsAFailedResult() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bb-bad-\(UUID().uuidString).onnx").path
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let o = BenchmarkRunner.measure(
            BenchmarkRequest(
                name: "bad", planPath: path, planHash: "h", settings: Self.settings, runner: RunnerRequest(kind: .onnxruntime, python: Self.python)))
        #expect(o.status == .failed)
        #expect(o.error?.hasPrefix("onnxruntime runner (model): ") == true, "\(o.error ?? "")")
    }
}
