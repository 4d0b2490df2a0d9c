import BenchTestSupport
import Foundation
import Store
import Testing

/// Latency tables through the real CLI, a real sshd and the real agent: build (and rebuild
/// skipping what is measured), predict, validate with a correction, search, and the errors.
/// A small MobileNetV3-style space keeps the block count low; the shipped spaces' block
/// enumeration is covered by SpacesTests, their accuracy by docs/performance.md.
@Suite(.serialized, .enabled(if: EndToEnd.unavailableReason == nil))
struct LatencyTableTests {
    static let space = """
        name: mini
        family: mobilenet-v3
        resolutions: [32, 40]
        stem:
          - {name: first_conv, type: conv, out: 8, kernel: 3, stride: 2, activation: hswish}
        stages:
          - {name: stage1, block: mbconv, out: 16, stride: 2, activation: relu, se: true, depths: [1, 2], kernels: [3, 5], expands: [3, 4]}
          - {name: stage2, block: mbconv, out: 24, stride: 2, activation: hswish, depths: [1, 2], kernels: [3], expands: [3, 6]}
        head:
          - {name: final_expand, type: conv, out: 64, kernel: 1, activation: hswish}
          - {name: pool, type: globalPool}
          - {name: classifier, type: linear}
        """

    struct Board {
        let server: SSHServer
        let workspace: URL
        let spacePath: String

        init() throws {
            server = try SSHServer(name: "tables")
            workspace = try CommandLineTool.temporaryDirectory("bb-tables")
            spacePath = workspace.appendingPathComponent("mini.yaml").path
            try LatencyTableTests.space.write(toFile: spacePath, atomically: true, encoding: .utf8)
            let enrol = try cli([
                "device", "enrol", "pi", "--host", "127.0.0.1", "--port", "\(server.port)", "--user", server.user, "--identity",
                server.clientKeyPath, "--workdir", server.workdir + "/bb", "--accept-new-host-key",
            ])
            #expect(enrol.status == 0, "\(enrol.stderr)")
        }

        func cli(_ args: [String]) throws -> CommandLineTool.Result { try CommandLineTool.run(args + ["--workspace", workspace.path, "-q"]) }

        func json(_ args: [String]) throws -> [String: Any] {
            let r = try cli(args + ["--json"])
            #expect(r.status == 0, "\(args.prefix(2)): \(r.stderr)")
            return try EndToEnd.object(r.stdout)
        }

        var table: [String] { ["--space", spacePath, "--device", "pi"] }
    }

    @Test func buildRebuildPredictValidateAndSearch() throws {
        let board = try Board()
        // Half the resolutions first, then all: the second build measures only what is new.
        let first = try board.json(["table", "build"] + board.table + ["--resolutions", "32", "--iterations", "3"])
        let firstBlocks = try #require(first["blocks"] as? Int)
        #expect(first["measured"] as? Int == firstBlocks && first["alreadyMeasured"] as? Int == 0)
        #expect((first["overheadFraction"] as? Double).map { $0 >= 0 && $0 < 1 } == true)
        #expect(try #require(first["planBytes"] as? Int) < firstBlocks * 64 * 1024, "block plans carry seeds, not weights")
        let all = try board.json(["table", "build"] + board.table + ["--iterations", "3"])
        let blocks = try #require(all["blocks"] as? Int)
        #expect(all["tableId"] as? Int == first["tableId"] as? Int)
        // Blocks after the pool (1x1 inputs) are shared by both resolutions.
        #expect(all["alreadyMeasured"] as? Int == firstBlocks && all["measured"] as? Int == blocks - firstBlocks)
        let again = try board.json(["table", "build"] + board.table + ["--iterations", "3"])
        #expect(again["measured"] as? Int == 0 && again["alreadyMeasured"] as? Int == blocks && again["runId"] == nil)

        // Predict: the sum of the blocks' medians, with every layer found.
        let archPath = board.workspace.appendingPathComponent("arch.json").path
        try #"{"space": "mini", "resolution": 40, "stages": [{"depth": 2, "kernels": [5, 3], "expands": [4, 3]}, {"depth": 1, "expands": [6]}]}"#
            .write(toFile: archPath, atomically: true, encoding: .utf8)
        let predicted = try board.json(["predict"] + board.table + ["--arch", archPath])
        let layers = try #require(predicted["layers"] as? [[String: Any]])
        #expect(layers.count == 7)
        let sum = layers.compactMap { $0["nanoseconds"] as? Double }.reduce(0, +)
        #expect(layers.allSatisfy { $0["nanoseconds"] as? Double ?? 0 > 0 })
        #expect(abs(sum - (predicted["nanoseconds"] as? Double ?? 0)) <= 1e-6 * sum)
        #expect((predicted["missing"] as? [String])?.isEmpty == true)
        #expect((predicted["uncertaintyNanoseconds"] as? Double ?? -1) >= 0)

        // Validate: figures for the raw table, the corrected one and the board against itself.
        let report = try board.json(["table", "validate"] + board.table + ["--samples", "6", "--calibration", "8", "--iterations", "3"])
        let raw = try #require(report["raw"] as? [String: Any])
        #expect(raw["count"] as? Int == 6)
        for key in ["rmseNanoseconds", "rmspe", "within5", "within10", "spearman"] { #expect(raw[key] is Double, "\(key)") }
        #expect((report["repeatability"] as? [String: Any])?["count"] as? Int == 6)
        let correction = try #require(report["correction"] as? [String: Any])
        #expect(correction["calibrationCount"] as? Int == 8)
        #expect((report["corrected"] as? [String: Any])?["count"] as? Int == 6)
        let networks = try #require(report["networks"] as? [[String: Any]])
        #expect(networks.filter { $0["set"] as? String == "calibration" }.count == 8)
        let validationArchs = Set(networks.filter { $0["set"] as? String == "validation" }.compactMap { $0["arch"] as? String })
        let calibrationArchs = Set(networks.filter { $0["set"] as? String == "calibration" }.compactMap { $0["arch"] as? String })
        #expect(validationArchs.count == 6 && validationArchs.isDisjoint(with: calibrationArchs))
        // The correction is stored apart and now applies to predictions.
        let corrected = try board.json(["predict"] + board.table + ["--arch", archPath])
        #expect(corrected["correctedNanoseconds"] is Double)
        #expect(corrected["nanoseconds"] as? Double == predicted["nanoseconds"] as? Double)
        // Another statistic sums other entries, and the median's correction does not apply to it.
        let fastest = try board.json(["predict"] + board.table + ["--arch", archPath, "--statistic", "min"])
        #expect(fastest["statistic"] as? String == "min" && fastest["correctedNanoseconds"] == nil)
        #expect(try #require(fastest["nanoseconds"] as? Double) <= sum)

        // Search under a budget between the smallest and largest networks, then measure the winner.
        let budget = (predicted["correctedNanoseconds"] as? Double ?? sum) / 1e6 * 1.2
        let search = try board.json(
            ["search"] + board.table + ["--latency-budget", String(format: "%.4f", budget), "--population", "8", "--generations", "3", "--seed", "7"])
        #expect(try #require(search["predictedMilliseconds"] as? Double) <= budget)
        #expect(try #require(search["measuredMilliseconds"] as? Double) > 0)
        #expect((search["winner"] as? String)?.contains("\"space\":\"mini\"") == true)
        #expect((search["bestObjectivePerGeneration"] as? [Double])?.count == 4)

        // A user's accuracy predictor as the objective: architecture JSON in, a score out.
        let predictor = board.workspace.appendingPathComponent("score.sh").path
        try "#!/bin/sh\nwc -c | tr -d ' '\n".write(toFile: predictor, atomically: true, encoding: .utf8)
        chmod(predictor, 0o755)
        let scored = try board.json(
            ["search"] + board.table + [
                "--latency-budget", String(format: "%.4f", budget), "--population", "6", "--generations", "2", "--objective", "command",
                "--predictor", predictor, "--no-measure",
            ])
        #expect(scored["objective"] as? String == "command" && scored["measuredMilliseconds"] == nil)
        let winner = try #require(scored["winner"] as? String)
        #expect(scored["objectiveValue"] as? Double == Double(winner.utf8.count + 1), "the score is the predictor's: the line's length")

        // A prediction the table cannot make says which blocks are missing (exit 65).
        let twoThreads = try board.cli(["predict"] + board.table + ["--arch", archPath, "--threads", "2"])
        #expect(twoThreads.status == 66 && twoThreads.stderr.contains("table build"), "\(twoThreads.stderr)")
        let list = try board.cli(["table", "list"])
        #expect(list.status == 0 && list.stdout.contains("mini"))
    }

    /// A build killed mid-run loses nothing: the next build turns the killed run's stored
    /// results into entries and measures only the rest.
    @Test func aKilledBuildIsFinishedByTheNextOne() throws {
        let board = try Board()
        let args = ["table", "build"] + board.table + ["--resolutions", "32", "--iterations", "400", "--workspace", board.workspace.path]
        let host = try CommandLineTool.start(args)
        let db = try SQLiteStore(path: board.workspace.appendingPathComponent("boardbench.sqlite").path)
        var stored = 0
        for _ in 0..<1200 where stored < 2 {
            usleep(50_000)
            stored = (try? db.runs().first?.resultCount) ?? 0
        }
        try #require(stored >= 2, "no results arrived: \(host.stderrSoFar)")
        host.kill(SIGKILL)
        _ = host.wait()
        let killedRun = try #require(try db.runs().first)
        #expect(killedRun.run.status == "running")
        let tableId = try #require(try db.latencyTables(device: "pi", space: "mini").first?.id)
        #expect(try db.entries(tableId: tableId).isEmpty)
        let kept = killedRun.resultCount

        // The same settings, so the same table (the iteration count is part of its identity).
        let finished = try board.json(["table", "build"] + board.table + ["--resolutions", "32", "--iterations", "400"])
        #expect(finished["tableId"] as? Int == Int(tableId))
        let blocks = try #require(finished["blocks"] as? Int)
        #expect(finished["alreadyMeasured"] as? Int == kept && finished["measured"] as? Int == blocks - kept)
        let entries = try db.entries(tableId: tableId)
        #expect(entries.count == blocks && Set(entries.map(\.blockKey)).count == blocks)
        // The killed run's results back the entries they became: measured once, with its 400 samples.
        let fromKilled = entries.filter { e in (try? db.okResults(runId: killedRun.run.id!).contains { $0.record.id == e.resultId }) == true }
        #expect(fromKilled.count == kept && fromKilled.allSatisfy { $0.count >= 400 })
    }

    /// A board that cannot be reached: the build says so with the device's exit status, keeps
    /// the table, and the next build (board back) measures everything.
    @Test func anUnreachableBoardFailsTheBuildWithItsStatusAndLosesNothing() throws {
        let board = try Board()
        board.server.stop()
        let down = try board.cli(["table", "build"] + board.table + ["--resolutions", "32", "--iterations", "3"])
        #expect(down.status == 69, "\(down.stderr)")
        #expect(down.stderr.contains("0 of") && down.stderr.contains("run the same command again"), "\(down.stderr)")
        try board.server.restart()
        let up = try board.json(["table", "build"] + board.table + ["--resolutions", "32", "--iterations", "3"])
        #expect(up["alreadyMeasured"] as? Int == 0 && up["measured"] as? Int == up["blocks"] as? Int)
    }

    @Test func badInputsHaveClearErrors() throws {
        let board = try Board()
        let missingSpace = try board.cli(["table", "build", "--space", "/nonexistent/space.yaml", "--device", "pi"])
        #expect(missingSpace.status == 66 && missingSpace.stderr.contains("/nonexistent/space.yaml"), "\(missingSpace.stderr)")
        let badResolution = try board.cli(["table", "build"] + board.table + ["--resolutions", "100"])
        #expect(badResolution.status == 65 && badResolution.stderr.contains("resolution 100 is not in the space"), "\(badResolution.stderr)")
        let unknownDevice = try board.cli(["table", "build", "--space", board.spacePath, "--device", "nope"])
        #expect(unknownDevice.status == 66, "\(unknownDevice.stderr)")
        let noTable = try board.cli(["predict"] + board.table + ["--arch", board.spacePath])
        #expect(noTable.status == 66 && noTable.stderr.contains("boardbench table build"), "\(noTable.stderr)")
        let budget = try board.cli(["search"] + board.table + ["--latency-budget", "-1"])
        #expect(budget.status == 64)
        // A store with nothing measured is left with no table entries and no half-made files.
        let list = try board.cli(["table", "list"])
        #expect(list.status == 0)
    }
}
