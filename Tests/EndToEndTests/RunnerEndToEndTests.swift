import BenchTestSupport
import Foundation
import Testing

/// External runners over a real SSH board (issue "10."): one ONNX model measured by the builtin
/// runtime and by ONNX Runtime side by side, their outputs checked for agreement on the board,
/// and the shipped runner profiles run against fake programs that print each tool's format.
@Suite(.serialized, .enabled(if: EndToEnd.unavailableReason == nil))
struct RunnerEndToEndTests {
    static let python = ProcessInfo.processInfo.environment["BOARDBENCH_TEST_PYTHON"]
    static let fixture = CommandLineTool.packageRoot.appendingPathComponent("Tests/ONNXTests/Fixtures/golden/net_mobilenetv2")

    let board: SSHServer
    let workspace: URL

    init() throws {
        board = try SSHServer(name: "runners")
        workspace = try CommandLineTool.temporaryDirectory("bb-runners")
    }

    func cli(_ args: [String]) throws -> CommandLineTool.Result {
        try CommandLineTool.run(args + ["--workspace", workspace.path])
    }

    func enrol(_ name: String, extra: String = "") throws {
        let enrol = try cli([
            "device", "enrol", name, "--host", "127.0.0.1", "--port", "\(board.port)", "--user", board.user, "--identity", board.clientKeyPath,
            "--workdir", board.workdir + "/bb", "--accept-new-host-key",
        ])
        #expect(enrol.status == 0, "\(enrol.stderr)")
        let file = workspace.appendingPathComponent("Devices/\(name).yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        try (text + extra).write(to: file, atomically: true, encoding: .utf8)
    }

    @Test(.enabled(if: python != nil, "BOARDBENCH_TEST_PYTHON is not set: scripts/test.sh creates a virtual environment with onnxruntime and sets it"))
    func builtinAndOnnxRuntimeSideBySideAndInAgreement() throws {
        try enrol("pair", extra: "pythonPath: \(Self.python!)\n")
        try FileManager.default.copyItem(at: Self.fixture.appendingPathComponent("model.onnx"), to: workspace.appendingPathComponent("net.onnx"))
        let profile = workspace.appendingPathComponent("pair.yaml")
        try """
        name: pair
        settings: {warmupRuns: 2, iterations: 12, energy: false, counters: [perf::PERF_COUNT_SW_TASK_CLOCK]}
        benchmarks:
          - {name: net-builtin, model: net.onnx}
          - {name: net-onnxruntime, model: net.onnx, runner: onnxruntime, graphOptimization: all}
        """.write(to: profile, atomically: true, encoding: .utf8)
        let run = try cli(["run", "--profile", profile.path, "--device", "pair", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let doc = try EndToEnd.object(run.stdout)
        let runId = try #require((doc["run"] as? [String: Any])?["runId"] as? Int)
        let results = try #require(doc["results"] as? [[String: Any]])
        #expect(results.map { $0["benchmark"] as? String } == ["net-builtin", "net-onnxruntime"])
        // Both sets of statistics, each from its runtime.
        for r in results {
            #expect(r["status"] as? String == "ok", "\(r)")
            let stats = try #require(r["statistics"] as? [String: Any])
            #expect((stats["count"] as? Int ?? 0) >= 12 && (stats["medianNanoseconds"] as? Double ?? 0) > 0)
        }
        #expect(results.map { $0["runtime"] as? String } == ["builtin", "onnxruntime"])
        #expect((results[1]["runtimeVersion"] as? String)?.hasPrefix("onnxruntime 1.") == true)
        // The ONNX file itself went to the board, by content, beside the builtin runtime's plan.
        let models = try FileManager.default.contentsOfDirectory(atPath: board.workdir + "/bb/models")
        #expect(models.filter { $0.hasSuffix(".onnx") }.count == 1 && models.filter { $0.hasSuffix(".plan") }.count == 1, "\(models)")

        let side = try cli(["compare", "--runners", "\(runId)", "--json"])
        #expect(side.status == 0, "\(side.stderr)")
        let groups = try #require(try EndToEnd.object(side.stdout)["groups"] as? [[String: Any]])
        #expect(groups.count == 1)
        let rows = try #require(groups.first?["rows"] as? [[String: Any]])
        #expect(rows.map { $0["runtime"] as? String } == ["builtin", "onnxruntime"])
        #expect(rows.first?["relative"] as? Double == 1)
        #expect((rows.last?["relative"] as? Double ?? 0) > 0)
        // The run's own pair, checked on the board: the same seeded input through both runtimes.
        let checked = try cli(["compare", "--runners", "\(runId)", "--check-outputs", "--json"])
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        let agreement = try #require(try EndToEnd.object(checked.stdout)["agreement"] as? [[String: Any]])
        #expect(agreement.count == 1 && agreement.first?["agree"] as? Bool == true, "\(agreement)")
        #expect((agreement.first?["worstRelativeDifference"] as? Double ?? 1) <= 1e-4)
        let text = try cli(["compare", "--runners", "\(runId)"])
        #expect(text.stdout.contains("pair · net.onnx · 1 thread") && text.stdout.contains("onnxruntime 1."), "\(text.stdout)")

        // Agreement of outputs on the board, for the fixture's input.
        let input = Self.fixture.appendingPathComponent("input_0.npy").path
        let agree = try cli(["infer", workspace.appendingPathComponent("net.onnx").path, "--input", input, "--device", "pair", "--compare-runners"])
        #expect(agree.status == 0, "\(agree.stdout)\(agree.stderr)")
        #expect(agree.stdout.contains(": agree (tolerance 0.0001)"), "\(agree.stdout)")
        let out = workspace.appendingPathComponent("ort.npy").path
        let ort = try cli([
            "infer", workspace.appendingPathComponent("net.onnx").path, "--input", input, "--device", "pair", "--runner", "onnxruntime", "-o", out,
        ])
        #expect(ort.status == 0, "\(ort.stderr)")
        // ONNX Runtime on the board wrote the golden output (which ONNX Runtime made).
        let written = try Data(contentsOf: URL(fileURLWithPath: out))
        let golden = try Data(contentsOf: Self.fixture.appendingPathComponent("output_0.npy"))
        #expect(written.count == golden.count)

        // ONNX Runtime alone needs no import by BoardBench: a model with ops it lacks still runs.
        let unsupported = CommandLineTool.packageRoot.appendingPathComponent("Tests/ONNXTests/Fixtures/errors/unsupported_ops.onnx").path
        let refused = try CommandLineTool.run(["compile", unsupported])
        #expect(refused.status != 0 && refused.stderr.contains("unsupported ops"), "\(refused.stderr)")
        let x = workspace.appendingPathComponent("x.npy")
        // A float32 .npy of shape [1, 2, 4, 4] (version 1.0 header padded to 64 bytes), all 0.5.
        var header = Array("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 4, 4), }".utf8)
        while (10 + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0A)
        var npy: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header
        for _ in 0..<32 { npy += [0, 0, 0, 0x3F] }
        try Data(npy).write(to: x)
        let outDir = workspace.appendingPathComponent("unsupported-out")
        let ortOnly = try cli(["infer", unsupported, "--input", x.path, "--device", "pair", "--runner", "onnxruntime", "--output-dir", outDir.path])
        #expect(ortOnly.status == 0, "\(ortOnly.stderr)")
        #expect(FileManager.default.fileExists(atPath: outDir.appendingPathComponent("y.npy").path))
    }

    /// A board whose Python lacks ONNX Runtime: the run records the benchmark as failed with
    /// the fix, the builtin one is measured, and nothing crashes.
    @Test func aBoardWithoutOnnxRuntimeSaysSo() throws {
        try enrol("bare", extra: "pythonPath: /nonexistent/python3\n")
        try FileManager.default.copyItem(at: Self.fixture.appendingPathComponent("model.onnx"), to: workspace.appendingPathComponent("net.onnx"))
        let profile = workspace.appendingPathComponent("bare.yaml")
        try """
        name: bare
        settings: {warmupRuns: 1, iterations: 5, energy: false}
        benchmarks:
          - {name: net-builtin, model: net.onnx}
          - {name: net-onnxruntime, model: net.onnx, runner: onnxruntime}
        """.write(to: profile, atomically: true, encoding: .utf8)
        let run = try cli(["run", "--profile", profile.path, "--device", "bare", "--json"])
        #expect(run.status == 3, "\(run.stderr)")
        let results = try #require(try EndToEnd.object(run.stdout)["results"] as? [[String: Any]])
        #expect(results.map { $0["status"] as? String } == ["ok", "failed"])
        #expect((results[1]["error"] as? String)?.contains("ONNX Runtime is not available: cannot run /nonexistent/python3") == true, "\(results[1])")
    }

    /// The shipped runner profiles, as written, against fake programs standing in for the tools
    /// (only the program paths and the model paths are rewritten).
    @Test func shippedRunnerProfilesMeasureFakeTools() throws {
        try enrol("tools")
        let bin = workspace.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        func program(_ name: String, _ body: String) throws {
            let path = bin.appendingPathComponent(name).path
            try ("#!/bin/sh\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
        try program(
            "llama-bench",
            #"""
            while [ $# -gt 0 ]; do case "$1" in -m) m=$2;; -t) t=$2;; -r) r=$2;; -p) p=$2;; -n) n=$2;; -o) o=$2;; esac; shift 2; done
            [ -f "$m" ] || { echo "error: failed to load model '$m'" >&2; exit 1; }
            [ "$o" = jsonl ] || exit 2
            i=0; s=""; while [ $i -lt $r ]; do s="$s${s:+, }$(( 100000000 + i * 1000000 ))"; i=$((i + 1)); done
            echo "{\"n_prompt\": $p, \"n_gen\": $n, \"n_threads\": $t, \"avg_ns\": 100000000, \"avg_ts\": 42.5, \"stddev_ts\": 0.1, \"samples_ns\": [ $s ]}"
            """#)
        try program(
            "benchmark_model",
            #"""
            for a in "$@"; do case "$a" in --graph=*) g="${a#--graph=}";; esac; done
            [ -f "$g" ] || exit 1
            echo "INFO: Running benchmark for at least 1 iterations and at least 0 seconds but terminate if exceeding 150 seconds."
            echo "INFO: count=1 curr=3000 min=3000 max=3000 avg=3000 std=0"
            echo "INFO: Running benchmark for at least 1 iterations and at least 0 seconds but terminate if exceeding 150 seconds."
            echo "INFO: count=1 first=2500 curr=2500 min=2500 max=2500 avg=2500 std=0 p5=2500 median=2500 p95=2500"
            """#)
        try program(
            "trtexec",
            #"""
            for a in "$@"; do case "$a" in --loadEngine=*) e="${a#--loadEngine=}";; --iterations=*) n="${a#--iterations=}";; --exportTimes=*) out="${a#--exportTimes=}";; esac; done
            [ -f "$e" ] || { echo "&&&& FAILED TensorRT.trtexec"; exit 1; }
            i=0; sep="["; { while [ $i -lt $n ]; do echo "$sep {\"latencyMs\": 1.25, \"computeMs\": 1.0}"; sep=","; i=$((i + 1)); done; echo "]"; } > "$out"
            echo "&&&& PASSED TensorRT.trtexec"
            """#)
        let onBoard = board.workdir + "/models-on-board"
        try FileManager.default.createDirectory(atPath: onBoard, withIntermediateDirectories: true)
        for f in ["model.gguf", "model.engine"] { try Data("weights".utf8).write(to: URL(fileURLWithPath: onBoard + "/" + f)) }
        try FileManager.default.createDirectory(at: workspace.appendingPathComponent("models"), withIntermediateDirectories: true)
        try Data("tflite flatbuffer".utf8).write(to: workspace.appendingPathComponent("models/mobilenet_v2_1.0_224.tflite"))

        let shipped = CommandLineTool.packageRoot.appendingPathComponent("Profiles/runners")
        let rewrites: [(String, [(String, String)])] = [
            (
                "llama-bench",
                [("[llama-bench,", "[\(bin.path)/llama-bench,"), ("board:/home/pi/models/Llama-3.2-1B-Instruct-Q4_K_M.gguf", "board:\(onBoard)/model.gguf")]
            ),
            ("tflite-benchmark-model", [("[benchmark_model,", "[\(bin.path)/benchmark_model,")]),
            ("trtexec", [("[trtexec,", "[\(bin.path)/trtexec,"), ("board:/home/nvidia/models/yolov8n_fp16.engine", "board:\(onBoard)/model.engine")]),
        ]
        var expected: [String: (samples: Int, median: Double)] = [:]
        for (name, pairs) in rewrites {
            var text = try String(contentsOf: shipped.appendingPathComponent("\(name).yaml"), encoding: .utf8)
            for (from, to) in pairs {
                #expect(text.contains(from), "\(name).yaml no longer contains \(from)")
                text = text.replacingOccurrences(of: from, with: to)
            }
            text = text.replacingOccurrences(of: "energy: true", with: "energy: false")
            let path = workspace.appendingPathComponent("\(name).yaml")
            try text.write(to: path, atomically: true, encoding: .utf8)
            let run = try cli(["run", "--profile", path.path, "--device", "tools", "--json"])
            #expect(run.status == 0, "\(name): \(run.stderr)")
            for r in try #require(try EndToEnd.object(run.stdout)["results"] as? [[String: Any]]) {
                #expect(r["status"] as? String == "ok", "\(r)")
                #expect(r["runtime"] as? String == "command")
                let stats = try #require(r["statistics"] as? [String: Any])
                expected[r["benchmark"] as? String ?? ""] = (stats["count"] as? Int ?? 0, stats["medianNanoseconds"] as? Double ?? 0)
            }
        }
        // llama-bench: 5 repetitions from 100 ms up by 1 ms; benchmark_model: 30 runs of 2.5 ms;
        // trtexec: 200 iterations of 1.25 ms.
        #expect(expected["llama-pp512"]?.samples == 5 && expected["llama-pp512"]?.median == 102_000_000)
        #expect(expected["llama-tg128"]?.samples == 5)
        #expect(expected["mobilenet-v2-tflite"]?.samples == 30 && expected["mobilenet-v2-tflite"]?.median == 2_500_000)
        #expect(expected["yolov8n-fp16-trt"]?.samples == 200 && expected["yolov8n-fp16-trt"]?.median == 1_250_000)
        // The .tflite file was pushed by content, keeping its extension; board: models were not.
        let models = try FileManager.default.contentsOfDirectory(atPath: board.workdir + "/bb/models")
        #expect(models.filter { $0.hasSuffix(".tflite") }.count == 1 && models.count == 1, "\(models)")
    }
}
