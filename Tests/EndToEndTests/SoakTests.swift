import BenchTestSupport
import Foundation
import Testing

/// The 60-second version of `scripts/soak.py` (docs/reliability.md, "Soak"): four real sshd
/// boards, agents killed, stalled and their sshd restarted at random, one `boardbench run`
/// (resumed if it gives up on a board). The script exits 0 only when every result is stored
/// once, no agent is left running, and the host's and agents' memory and descriptors stay flat.
@Suite(.enabled(if: EndToEnd.unavailableReason == nil))
struct SoakTests {
    @Test func aMinuteOfRandomFaultsLosesNothingAndLeaksNothing() throws {
        let python = try #require(
            ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) },
            "python3 runs the soak script (scripts/install-deps.sh --test installs it)")
        let out = try CommandLineTool.temporaryDirectory("bb-soak-out")
        let script = CommandLineTool.packageRoot.appendingPathComponent("scripts/soak.py").path
        let summary = try CommandLineTool.tool(
            python,
            [
                script, "--seconds", "60", "--boards", "4", "--fault-every", "6", "--boardbench", CommandLineTool.boardbench, "--agent",
                CommandLineTool.agent, "--out", out.path,
            ])
        print(summary)
        #expect(summary.contains("soak: passed"), "\(summary)")
        #expect(summary.contains("duplicated 0") && summary.contains("agents left running: 0"), "\(summary)")
        #expect(!summary.contains("faults: 0 "), "no fault was injected: \(summary)")
        try? FileManager.default.removeItem(at: out)  // scratch output; the summary above is what matters
    }
}
