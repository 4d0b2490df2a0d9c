import BenchCore
import Foundation
import Testing

@Suite struct AgentProtocolTests {
    @Test func messagesRoundTripThroughJSONLines() throws {
        var outcome = BenchmarkOutcome(
            benchmark: "b", planHash: "ab", status: .ok, runtimeVersion: "builtin-1", settings: .default, startedAtUnixNanoseconds: 1)
        (outcome.loadNanoseconds, outcome.coldStartNanoseconds, outcome.repeatsPerSample) = (2, 3, 4)
        (outcome.samplesNanoseconds, outcome.sampleOffsetsNanoseconds, outcome.peakResidentKiB) = ([10, 11], [0, 10], 512)
        (outcome.arenaBytes, outcome.weightBytes, outcome.pinnedCores, outcome.conditions) = (64, 128, [0, 1], ["cut short"])
        let messages: [AgentMessage] = [
            .hello(.init(agentVersion: "0.1.0", protocol: 1, runtimeVersion: "builtin-1", pid: 42)),
            .result(outcome), .error(.init(code: "bad-request", message: "m")), .done,
        ]
        for m in messages {
            let line = try JSONEncoder().encode(m)
            #expect(!line.contains(UInt8(ascii: "\n")))
            #expect(try JSONDecoder().decode(AgentMessage.self, from: line) == m)
        }
    }

    @Test func unknownMessageTypeIsRejected() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(AgentMessage.self, from: Data(#"{"type":"surprise"}"#.utf8))
        }
    }

    @Test func requestCarriesProtocolVersion() throws {
        let data = try JSONEncoder().encode(AgentRequest(command: .probe))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["protocol"] as? Int == AgentProtocol.version)
        #expect(object["command"] as? String == "probe")
    }

    /// Found by the agent-request fuzz target: a shape whose element count fits an Int but whose
    /// byte count does not trapped in `values()`.
    @Test func aTensorWhoseByteCountOverflowsIsRefused() {
        let huge = TensorPayload(name: "x", shape: [1 << 59, 4], values: [])
        #expect(huge.values() == nil)
        #expect(TensorPayload(name: "x", shape: [1, 2], values: [1, 2]).values() == [1, 2])
    }
}
