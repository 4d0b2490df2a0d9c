import BenchCore
import Controller
import Foundation
import Testing

/// Runner fields in profiles (docs/formats.md, "Runners"): checked at load, with the field named.
@Suite struct RunnerProfileTests {
    static func profile(_ benchmark: String) -> String { "name: p\nbenchmarks:\n  - name: a\n" + benchmark }

    @Test(arguments: [
        ("    model: builtin:mlp\n    runner: tensorflow\n", "benchmark a: field runner: \"tensorflow\" is not one of builtin, command, onnxruntime"),
        ("    model: m.onnx\n    runner: command\n", "field command: runner command needs the program and its arguments"),
        ("    model: m.onnx\n    runner: command\n    command: [x, \"{modle}\"]\n", "field command: unknown placeholder {modle} in \"{modle}\""),
        ("    model: m.onnx\n    runner: command\n    command: [x]\n    output: csv\n", "field output: \"csv\" is not one of lines, llama-bench"),
        ("    model: m.onnx\n    runner: command\n    command: [x, \"{output}\"]\n", "field command: {output} needs an output format"),
        ("    model: m.onnx\n    runner: command\n    command: [x]\n    select: pp512\n", "field select: needs an output format"),
        (
            "    model: m.onnx\n    runner: command\n    command: [x]\n    graphOptimization: all\n",
            "field graphOptimization: only for runner onnxruntime, not command"
        ),
        ("    model: m.onnx\n    command: [x]\n", "field command: only for runner command, not builtin"),
        ("    model: m.onnx\n    environment: {A: b}\n", "field environment: only for runners command and onnxruntime"),
        ("    model: m.tflite\n    runner: onnxruntime\n", "field model: runner onnxruntime needs an ONNX model (.onnx), got m.tflite"),
        (
            "    model: m.onnx\n    runner: onnxruntime\n    graphOptimization: max\n",
            "field graphOptimization: \"max\" is not one of all, extended, basic, disabled"
        ),
        ("    model: m.onnx\n    runner: onnxruntime\n    output: lines\n", "field output: only for runner command, not onnxruntime"),
        ("    model: board:/m.onnx\n", "field model: board:PATH names a file on the board, which only runners onnxruntime and command read"),
        ("    model: board:m.gguf\n    runner: command\n    command: [x]\n", "field model: board:m.gguf must be an absolute path on the board"),
        ("    model: m.onnx\n    runner: command\n    commnd: [x]\n", "field benchmarks[0].commnd: unknown field (did you mean command?)"),
    ])
    func malformedRunnerFieldsAreNamed(_ benchmark: String, _ expected: String) {
        let error = #expect(throws: ControllerError.self) { try ProfileLoader.parse(Self.profile(benchmark), path: "p.yaml", directory: nil) }
        #expect(error?.description.contains(expected) == true, "\(error?.description ?? "")")
        #expect(error?.exitStatus == .dataError)
    }

    /// The ready-made runner profiles load, and each benchmark names what it measures with.
    @Test func shippedRunnerProfilesLoad() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let dir = root.appendingPathComponent("Profiles/runners")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files == ["llama-bench.yaml", "onnxruntime-vs-builtin.yaml", "tflite-benchmark-model.yaml", "trtexec.yaml"])
        for f in files {
            let loaded = try ProfileLoader.load(dir.appendingPathComponent(f).path)
            #expect(!loaded.profile.benchmarks.isEmpty)
            for b in loaded.profile.benchmarks { #expect(RunnerModels.problem(b) == nil) }
        }
        let llama = try ProfileLoader.load(dir.appendingPathComponent("llama-bench.yaml").path).profile
        #expect(llama.benchmarks.map(\.select) == ["pp512", "tg128"])
        let pair = try ProfileLoader.load(dir.appendingPathComponent("onnxruntime-vs-builtin.yaml").path).profile
        #expect(pair.benchmarks.map { $0.runner ?? "builtin" } == ["builtin", "builtin", "onnxruntime", "onnxruntime"])
    }
}
