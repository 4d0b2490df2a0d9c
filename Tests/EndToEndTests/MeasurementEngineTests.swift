import BenchTestSupport
import Foundation
import Testing

/// The measurement engine through the real CLI and a real sshd: a board whose sensor files are
/// a Jetson Orin fixture tree (constant INA3221 rail), counters on this machine's kernel.
@Suite(.serialized, .enabled(if: EndToEnd.unavailableReason == nil))
struct MeasurementEngineTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ProbesTests/Fixtures")

    /// A fresh sshd board enrolled as `device` in a fresh workspace; the caller keeps the server alive.
    func enrolledBoard(_ name: String, device: String) throws -> (board: SSHServer, workspace: URL) {
        let board = try SSHServer(name: name)
        let workspace = try CommandLineTool.temporaryDirectory("bb-\(name)")
        let enrol = try CommandLineTool.run([
            "device", "enrol", device, "--host", "127.0.0.1", "--port", "\(board.port)", "--user", board.user,
            "--identity", board.clientKeyPath, "--workdir", board.workdir + "/bb", "--accept-new-host-key", "--workspace", workspace.path,
        ])
        #expect(enrol.status == 0, "\(enrol.stderr)")
        return (board, workspace)
    }

    @Test func countersEnergyAndEnvironmentReachTheStore() throws {
        let (board, workspace) = try enrolledBoard("engine", device: "orin")
        defer { withExtendedLifetime(board) {} }
        func cli(_ args: [String]) throws -> CommandLineTool.Result { try CommandLineTool.run(args + ["--workspace", workspace.path]) }
        // Point the device at the Orin fixture: VDD_IN reads 5080 mV × 1176 mA = 5.974 W.
        let deviceFile = workspace.appendingPathComponent("Devices/orin.yaml")
        let text = try String(contentsOf: deviceFile, encoding: .utf8)
        let tree = Self.fixtures.appendingPathComponent("jetson-orin-l4t36").path
        try (text + "sysfsRoot: \(tree)\nboard: jetson-orin-nano\n").write(to: deviceFile, atomically: true, encoding: .utf8)
        let profile = workspace.appendingPathComponent("engine.yaml")
        try """
        name: engine
        settings:
          warmupRuns: 1
          iterations: 5
          threads: 2
        benchmarks:
          - name: mlp
            model: builtin:mlp
        """.write(to: profile, atomically: true, encoding: .utf8)

        let run = try cli(["run", "--profile", profile.path, "--device", "orin", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let runId = try #require((try EndToEnd.object(run.stdout)["run"] as? [String: Any])?["runId"] as? Int)
        let show = try cli(["results", "show", "\(runId)", "--json"])
        let result = try #require((try EndToEnd.object(show.stdout)["results"] as? [[String: Any]])?.first)

        let energy = try #require(result["energy"] as? [String: Any])
        #expect(energy["status"] as? String == "measured", "\(energy)")
        let samples = try #require(result["samplesNanoseconds"] as? [Int])
        let repeats = try #require(result["repeatsPerSample"] as? Int)
        let measured = Double(try #require(result["measuredNanoseconds"] as? Int)) / 1e9
        let latency = measured / Double(samples.count * repeats)
        let perInference = try #require(energy["joulesPerInference"] as? Double)
        #expect(abs(perInference - 5.97408 * latency) <= 0.01 * 5.97408 * latency)
        // The run was lengthened to the rail's minimum window.
        #expect(measured >= (energy["minimumWindowSeconds"] as? Double ?? 1) * 0.99)

        // Software counters count on this kernel; hardware ones say why not (or count, with a PMU).
        let counters = try #require((result["counters"] as? [String: Any])?["readings"] as? [[String: Any]])
        let byEvent = Dictionary(uniqueKeysWithValues: counters.compactMap { r in (r["event"] as? String).map { ($0, r) } })
        #expect((byEvent["perf::PERF_COUNT_SW_TASK_CLOCK"]?["value"] as? Double ?? 0) > 0)
        let cycles = try #require(byEvent["perf::CYCLES"])
        if let reason = cycles["unavailableReason"] as? String {
            print("hardware counters on this machine: \(reason)")
            #expect(reason.contains("unsupported") && cycles["value"] == nil)
        } else {
            #expect((cycles["value"] as? Double ?? 0) > 0)
        }
        #expect(result["environmentBefore"] != nil && result["environmentAfter"] != nil)
        #expect(result["verdict"] != nil)

        // The human view shows the same.
        let text2 = try cli(["results", "show", "\(runId)"])
        #expect(text2.stdout.contains("J/inference at 5.97 W"), "\(text2.stdout)")
        #expect(text2.stdout.contains("perf::PERF_COUNT_SW_TASK_CLOCK"))
    }

    /// A model's load memory is the same wherever it sits in a profile. glibc's dynamic mmap
    /// threshold once put a second load's weights on a heap that kept freed pages, so the same
    /// model read 18 MiB, then 0, then 6 MiB; the agent now fixes the thresholds and trims.
    @Test func memoryFiguresDoNotDependOnWhatRanBefore() throws {
        let (board, workspace) = try enrolledBoard("memory", device: "b")
        defer { withExtendedLifetime(board) {} }
        func cli(_ args: [String]) throws -> CommandLineTool.Result { try CommandLineTool.run(args + ["--workspace", workspace.path]) }
        let order = ["mlp", "tiny-cnn", "mlp", "mlp", "tiny-cnn", "mlp"]
        let profile = workspace.appendingPathComponent("memory.yaml")
        let settings = "  warmupRuns: 0\n  warmupSeconds: 0\n  minSampleMilliseconds: 0\n  iterations: 2\n  counters: []\n  energy: false\n"
        try
            ("name: memory\nsettings:\n" + settings + "benchmarks:\n"
            + order.enumerated().map { "  - name: b\($0.offset)-\($0.element)\n    model: builtin:\($0.element)\n" }.joined())
            .write(to: profile, atomically: true, encoding: .utf8)
        let run = try cli(["run", "--profile", profile.path, "--device", "b", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let runId = try #require((try EndToEnd.object(run.stdout)["run"] as? [String: Any])?["runId"] as? Int)
        let show = try cli(["results", "show", "\(runId)", "--json"])
        let results = try #require(try EndToEnd.object(show.stdout)["results"] as? [[String: Any]])
        #expect(results.count == order.count)
        var loads: [String: [Int]] = [:]
        for result in results {
            let name = try #require(result["benchmark"] as? String)
            let load = try #require(result["loadResidentKiB"] as? Int, "\(name): \(result.keys.sorted())")
            let weights = try #require(result["weightBytes"] as? Int)
            // The executor's own copy of the weights is new resident memory on every load.
            #expect(load >= weights / 1024, "\(name): load \(load) KiB, weights \(weights / 1024) KiB")
            loads[String(name.drop { $0 != "-" }.dropFirst()), default: []].append(load)
        }
        for (model, kib) in loads {
            let (low, high) = (kib.min() ?? 0, kib.max() ?? 0)
            #expect(kib.count >= 2 && Double(high - low) <= 0.1 * Double(high) + 256, "\(model): load KiB \(kib) by position")
        }
    }
}
