import BenchCore
import BenchTestSupport
import Foundation
import Testing

/// `boardbench compile` and `boardbench infer` as a user runs them: on ONNX models written by
/// scripts/make-onnx-fixtures.py, compared with ONNX Runtime's outputs, here and on a board
/// reached over a real sshd.
@Suite(.serialized, .enabled(if: EndToEnd.unavailableReason == nil))
struct ModelToolsTests {
    let workspace: URL
    static let golden = CommandLineTool.packageRoot.appendingPathComponent("Tests/ONNXTests/Fixtures/golden")
    static let errors = CommandLineTool.packageRoot.appendingPathComponent("Tests/ONNXTests/Fixtures/errors")

    init() throws {
        workspace = try CommandLineTool.temporaryDirectory("bb-models")
    }

    func cli(_ args: [String]) throws -> CommandLineTool.Result {
        try CommandLineTool.run(args + ["--workspace", workspace.path])
    }

    static func npy(_ url: URL) throws -> NPYArray { try NPY.decode([UInt8](try Data(contentsOf: url))) }

    static func expectClose(_ got: NPYArray, _ want: NPYArray, _ what: String) {
        #expect(got.shape == want.shape, "\(what) shape")
        guard got.values.count == want.values.count else { return }
        let bad = zip(got.values, want.values).filter { !(abs($0 - $1) <= 1e-5 + 1e-4 * abs($1)) }.count
        #expect(bad == 0, "\(what): \(bad) elements outside tolerance")
    }

    @Test func compileReportsCostAndIsDeterministic() throws {
        let model = Self.golden.appendingPathComponent("net_transformer/model.onnx").path
        let plan = workspace.appendingPathComponent("t.plan").path
        let first = try CommandLineTool.run(["compile", model, "--json", "-o", plan])
        #expect(first.status == 0, "\(first.stderr)")
        let doc = try EndToEnd.object(first.stdout)
        #expect((doc["macs"] as? Int ?? 0) > 0 && (doc["arenaBytes"] as? Int ?? 0) > 0)
        let ops = try #require(doc["opCounts"] as? [String: Int])
        #expect(ops["LayerNormalization"] == 3 && ops["Softmax"] == 1 && ops["Dense"] != nil)
        let second = try CommandLineTool.run(["compile", model, "--json"])
        let secondHash = try EndToEnd.object(second.stdout)["hash"] as? String
        #expect(secondHash == doc["hash"] as? String)
        // The written plan is accepted back as a model, with the same identity.
        let again = try CommandLineTool.run(["compile", plan, "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        let againHash = try EndToEnd.object(again.stdout)["hash"] as? String
        #expect(againHash == doc["hash"] as? String)
    }

    @Test func unsupportedModelFailsWithEveryOpAndExitStatus65() throws {
        let r = try CommandLineTool.run(["compile", Self.errors.appendingPathComponent("unsupported_ops.onnx").path])
        #expect(r.status == 65)
        #expect(r.stderr.contains("Celu ×2") && r.stderr.contains("Softplus") && r.stderr.contains("Hardmax") && r.stderr.contains("cubic"))
        #expect(r.stderr.split(separator: "\n").count == 1, "one actionable line: \(r.stderr)")
        let dynamic = try CommandLineTool.run(["compile", Self.errors.appendingPathComponent("dynamic_input.onnx").path])
        #expect(dynamic.status == 65 && dynamic.stderr.contains("--input-shape"))
        let fixed = try CommandLineTool.run(["compile", Self.errors.appendingPathComponent("dynamic_input.onnx").path, "--input-shape", "1x3x4x4"])
        #expect(fixed.status == 0, "\(fixed.stderr)")
    }

    @Test func inferLocallyMatchesOnnxRuntime() throws {
        for name in ["net_mobilenetv2", "net_resnet_basic", "net_transformer"] {
            let dir = Self.golden.appendingPathComponent(name)
            let out = workspace.appendingPathComponent("\(name).npy")
            let r = try cli(["infer", dir.appendingPathComponent("model.onnx").path, "--input", dir.appendingPathComponent("input_0.npy").path, "-o", out.path])
            #expect(r.status == 0, "\(r.stderr)")
            Self.expectClose(try Self.npy(out), try Self.npy(dir.appendingPathComponent("output_0.npy")), name)
        }
        // Several outputs go to --output-dir, one file per output name.
        let split = Self.golden.appendingPathComponent("split_opset13_input")
        let outDir = workspace.appendingPathComponent("split")
        let r = try cli([
            "infer", split.appendingPathComponent("model.onnx").path, "--input", split.appendingPathComponent("input_0.npy").path, "--output-dir", outDir.path,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: outDir.path).filter { $0.hasSuffix(".npy") }
        #expect(files.count >= 2)
    }

    @Test func inferRejectsAWrongInputShape() throws {
        let dir = Self.golden.appendingPathComponent("net_mobilenetv2")
        let wrong = workspace.appendingPathComponent("wrong.npy")
        try Data(NPY.encode(NPYArray(shape: [1, 3, 8, 8], values: [Float](repeating: 0, count: 192)))).write(to: wrong)
        let r = try cli(["infer", dir.appendingPathComponent("model.onnx").path, "--input", wrong.path, "-o", workspace.appendingPathComponent("x.npy").path])
        #expect(r.status == 64)
        #expect(r.stderr.contains("[1, 3, 32, 32]"), "\(r.stderr)")
    }

    @Test func inferOnABoardThroughItsAgent() throws {
        let board = try SSHServer(name: "infer")
        let enrol = try cli([
            "device", "enrol", "b", "--host", "127.0.0.1", "--port", "\(board.port)", "--user", board.user, "--identity", board.clientKeyPath,
            "--workdir", board.workdir + "/bb", "--accept-new-host-key",
        ])
        #expect(enrol.status == 0, "\(enrol.stderr)")
        let dir = Self.golden.appendingPathComponent("net_mobilenetv3")
        let input = dir.appendingPathComponent("input_0.npy").path
        let local = workspace.appendingPathComponent("local.npy"), remote = workspace.appendingPathComponent("remote.npy")
        let r1 = try cli(["infer", dir.appendingPathComponent("model.onnx").path, "--input", input, "-o", local.path])
        let r2 = try cli(["infer", dir.appendingPathComponent("model.onnx").path, "--input", input, "-o", remote.path, "--device", "b"])
        #expect(r1.status == 0 && r2.status == 0, "\(r1.stderr) \(r2.stderr)")
        let want = try Self.npy(dir.appendingPathComponent("output_0.npy"))
        Self.expectClose(try Self.npy(remote), want, "board output")
        // Same CPU, same kernels: the board's bytes equal this machine's.
        let (remoteArray, localArray) = (try Self.npy(remote), try Self.npy(local))
        #expect(remoteArray == localArray)

        // A profile benchmarks ONNX models too, with shapes for dynamic inputs.
        let profile = workspace.appendingPathComponent("onnx.yaml")
        try """
        name: onnx
        settings:
          warmupRuns: 1
          iterations: 5
        benchmarks:
          - name: dynamic
            model: \(Self.golden.appendingPathComponent("dynamic_batch/model.onnx").path)
            inputShapes: [1x3x8x8]
          - name: transformer
            model: \(Self.golden.appendingPathComponent("net_transformer/model.onnx").path)
        """.write(to: profile, atomically: true, encoding: .utf8)
        let run = try cli(["run", "--profile", profile.path, "--device", "b", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let results = try #require(try EndToEnd.object(run.stdout)["results"] as? [[String: Any]])
        #expect(results.map { $0["benchmark"] as? String } == ["dynamic", "transformer"])
        #expect(results.allSatisfy { $0["status"] as? String == "ok" })
    }
}
