import Agent
import BenchCore
import Foundation
import ModelPlan
import Probes
import Testing

@Suite struct AgentSessionTests {
    func serve(_ request: String) throws -> [AgentMessage] {
        var messages: [AgentMessage] = []
        try AgentSession(root: SysfsRoot("/")) { messages.append($0) }.serve(requestBytes: Array(request.utf8))
        return messages
    }

    /// The results among the messages, in order (`started` and heartbeats interleave).
    func results(_ messages: [AgentMessage]) -> [BenchmarkOutcome] {
        messages.compactMap { if case .result(let r) = $0 { r } else { nil } }
    }

    @Test func measuresARealPlanAndKeepsEverySample() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bb-\(UUID().uuidString).plan").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(try PlanCodec.encode(try BuiltinModels.graph(named: "mlp"))).write(to: URL(fileURLWithPath: path))
        let request = AgentRequest(
            command: .measure,
            benchmarks: [BenchmarkRequest(name: "mlp", planPath: path, planHash: "h", settings: .init(warmupRuns: 2, iterations: 9, threads: 1))])
        let messages = try serve(String(decoding: try JSONEncoder().encode(request), as: UTF8.self))
        guard case .hello(let hello)? = messages.first else { Issue.record("first message must be hello"); return }
        #expect(hello.protocol == AgentProtocol.version)
        #expect(messages[1] == .started(.init(benchmark: "mlp", index: 0)))
        guard let r = results(messages).first else { Issue.record("expected a result"); return }
        #expect(r.status == .ok && r.samplesNanoseconds.count == 9 && r.samplesNanoseconds.allSatisfy { $0 > 0 })
        #expect(r.sampleOffsetsNanoseconds.first == 0 && r.sampleOffsetsNanoseconds == r.sampleOffsetsNanoseconds.sorted())
        #expect(r.coldStartNanoseconds > 0 && r.weightBytes > 0 && r.arenaBytes > 0)
        #expect(r.warmupRuns >= 2 && r.repeatsPerSample >= 1 && r.measuredNanoseconds > 0)
        #expect(r.loadNanoseconds > 0 && r.loadPeakResidentKiB != nil && r.peakResidentKiB != nil)
        #expect(r.pinnedCores == nil)
        #expect(messages.last == .done)
    }

    @Test func pinsEveryThreadForOneBenchmarkAndRestoresAfterwards() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bb-\(UUID().uuidString).plan").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(try PlanCodec.encode(try BuiltinModels.graph(named: "mlp"))).write(to: URL(fileURLWithPath: path))
        let before = CPUAffinity.cores()
        let settings = MeasurementSettings(warmupRuns: 1, iterations: 3, cores: "\(before.last ?? 0)")
        let request = AgentRequest(
            command: .measure,
            benchmarks: [
                BenchmarkRequest(name: "pinned", planPath: path, planHash: "h", settings: settings),
                BenchmarkRequest(name: "absent-core", planPath: path, planHash: "h", settings: MeasurementSettings(cores: "4095")),
            ])
        let messages = try serve(String(decoding: try JSONEncoder().encode(request), as: UTF8.self))
        let got = results(messages)
        guard got.count == 2 else { Issue.record("expected results"); return }
        let (pinned, absent) = (got[0], got[1])
        #expect(pinned.status == .ok && pinned.pinnedCores == [before.last ?? 0])
        #expect(absent.status == .failed && absent.error?.contains("CPU 4095 is not online here") == true)
        #expect(CPUAffinity.cores() == before)
        for tid in CPUAffinity.threadIDs() { #expect(CPUAffinity.cores(ofThread: tid) == before) }
    }

    @Test func aCorruptPlanFailsThatBenchmarkOnly() throws {
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("bb-\(UUID().uuidString).plan").path
        defer { try? FileManager.default.removeItem(atPath: bad) }
        var bytes = try PlanCodec.encode(try BuiltinModels.graph(named: "mlp"))
        bytes[100] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: bad))
        let request = AgentRequest(
            command: .measure,
            benchmarks: [
                BenchmarkRequest(name: "corrupt", planPath: bad, planHash: "h", settings: .init(warmupRuns: 0, iterations: 1, threads: 1)),
                BenchmarkRequest(name: "missing", planPath: "/nonexistent.plan", planHash: "h", settings: .init(warmupRuns: 0, iterations: 1, threads: 1)),
            ])
        let messages = try serve(String(decoding: try JSONEncoder().encode(request), as: UTF8.self))
        let results = messages.compactMap { if case .result(let r) = $0 { r } else { nil } }
        #expect(results.map(\.status) == [.failed, .failed])
        #expect(results[0].error?.contains("CRC-32") == true || results[0].error?.contains("plan") == true)
        #expect(results[1].error?.contains("No such file") == true)
        #expect(messages.last == .done)
    }

    /// Found while writing the agent-request fuzz target: a negative `timeoutSeconds` trapped the
    /// agent (UInt32 of a negative Double) before the settings were checked.
    @Test func anOutOfRangeTimeoutFailsThatBenchmarkInsteadOfTrapping() throws {
        let request = #"""
            {"protocol": \#(AgentProtocol.version), "command": "measure", "benchmarks": [{"name": "b", "planPath": "/nonexistent.plan",
             "planHash": "h", "settings": {"timeoutSeconds": -100}}]}
            """#
        let messages = try serve(request)
        let got = results(messages)
        #expect(got.count == 1 && got.first?.status == .failed)
        #expect(got.first?.error?.contains("invalid settings: timeoutSeconds") == true, "\(got.first?.error ?? "no result")")
        #expect(messages.last == .done)
    }

    @Test func badRequestsAreAnsweredWithAnError() throws {
        let garbage = try serve("{not json")
        #expect(garbage.count == 2)
        if case .error(let e) = garbage[1] { #expect(e.code == "bad-request") } else { Issue.record("expected error") }
        let future = try serve(#"{"protocol": 99, "command": "probe"}"#)
        if case .error(let e) = future[1] { #expect(e.code == "protocol-mismatch") } else { Issue.record("expected error") }
    }

    @Test func probeReportsThisMachine() throws {
        let messages = try serve(#"{"protocol": \#(AgentProtocol.version), "command": "probe"}"#)
        guard case .facts(let f) = messages[1] else { Issue.record("expected facts"); return }
        #expect(f.logicalCores >= 1 && f.memoryBytes > 0 && !f.blasCoreName.isEmpty && f.agentVersion == BoardBenchVersion.current)
        #expect(f.perfEvents.count == PerfEventProbe.defaultEvents.count)
    }
}
