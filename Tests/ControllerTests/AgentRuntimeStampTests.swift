import Controller
import Foundation
import Runtime
import Testing

@Suite struct AgentRuntimeStampTests {
    /// The host reads which runtime an agent binary carries without running it, so a debug
    /// agent's latency table never mixes with a release agent's.
    @Test func stampIsFoundInBinaryBytes() {
        var bytes = Data(repeating: 0, count: 100)
        bytes.append(Data(RuntimeInfo.stampPrefix.utf8))  // the prefix literal on its own
        bytes.append(0)
        bytes.append(Data((RuntimeInfo.stampPrefix + "builtin-9+debug").utf8))
        bytes.append(contentsOf: [0, 0x41, 0x42])
        #expect(AgentBinary.runtimeStamp(in: bytes) == "builtin-9+debug")
        #expect(AgentBinary.runtimeStamp(in: Data("no stamp here".utf8)) == nil)
        #expect(AgentBinary.runtimeStamp(in: Data(RuntimeInfo.stampPrefix.utf8)) == nil)
    }

    @Test func thisBuildsAgentCarriesThisBuildsVersion() throws {
        let agent = ProcessInfo.processInfo.environment["BOARDBENCH_TEST_AGENT"]
        guard let agent, FileManager.default.isExecutableFile(atPath: agent) else {
            print("thisBuildsAgentCarriesThisBuildsVersion skipped: BOARDBENCH_TEST_AGENT is not set (scripts/test.sh sets it)")
            return
        }
        let version = AgentBinary.runtimeStamp(in: try Data(contentsOf: URL(fileURLWithPath: agent)))
        #expect(version?.hasPrefix("builtin-") == true, "\(agent): \(version ?? "no stamp")")
    }
}
