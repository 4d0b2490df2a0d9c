import Agent
import BenchCore
import BenchTestSupport
import Foundation
import ModelPlan
import Probes
import Testing

/// Counters and the environment through the agent's measurement of a real plan.
@Suite struct AgentCountersTests {
    static func measure(_ settings: MeasurementSettings, probes: ProbeConfig = ProbeConfig()) throws -> BenchmarkOutcome {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bb-\(UUID().uuidString).plan").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(try PlanCodec.encode(try BuiltinModels.graph(named: "conv-stack"))).write(to: URL(fileURLWithPath: path))
        return BenchmarkRunner.measure(
            BenchmarkRequest(name: "conv-stack", planPath: path, planHash: "h", settings: settings), device: DeviceContext(probes))
    }

    /// A 2-thread plan: task-clock summed over every thread must account for the CPU time the
    /// process used over the samples, which a counter on the calling thread alone would not.
    /// Measured by the agent executable in a process of its own: in this test process, the
    /// threads of tests running alongside would be in the process CPU time and some of them in
    /// the counters (1.18 once in a full parallel run).
    @Test func taskClockCoversEveryThreadOfAMultiThreadedPlan() throws {
        let o = try Self.measureInAgentProcess(MeasurementSettings(warmupRuns: 1, iterations: 8, threads: 2, energy: false))
        #expect(o.status == .ok, "\(o.error ?? "")")
        let counters = try #require(o.counters)
        let taskClock = try #require(counters.reading("perf::PERF_COUNT_SW_TASK_CLOCK")?.value)
        let cpu = Double(try #require(o.processCPUNanoseconds))
        print("task-clock \(taskClock) ns, process CPU \(cpu) ns, threads counted \(counters.threadsCounted)")
        #expect(counters.threadsCounted >= 2)
        #expect(taskClock >= 0.85 * cpu && taskClock <= 1.15 * cpu)
        let perExecution = try #require(o.countersPerExecution?["perf::PERF_COUNT_SW_TASK_CLOCK"])
        #expect(abs(perExecution * Double(o.samplesNanoseconds.count * o.repeatsPerSample) - taskClock) <= 1e-6 * taskClock)
    }

    /// `measure` through `boardbench-agent serve` (CommandLineTool.agent), one benchmark.
    static func measureInAgentProcess(_ settings: MeasurementSettings) throws -> BenchmarkOutcome {
        let dir = try CommandLineTool.temporaryDirectory("bb-counters")
        defer { try? FileManager.default.removeItem(at: dir) }
        let plan = dir.appendingPathComponent("conv-stack.plan").path
        try Data(try PlanCodec.encode(try BuiltinModels.graph(named: "conv-stack"))).write(to: URL(fileURLWithPath: plan))
        let request = dir.appendingPathComponent("request.json").path
        let body = AgentRequest(command: .measure, benchmarks: [BenchmarkRequest(name: "conv-stack", planPath: plan, planHash: "h", settings: settings)])
        try JSONEncoder().encode(body).write(to: URL(fileURLWithPath: request))
        let output = try CommandLineTool.tool("/bin/sh", ["-c", #""$0" serve < "$1" 2>/dev/null"#, CommandLineTool.agent, request])
        let messages = output.split(separator: "\n").compactMap { try? JSONDecoder().decode(AgentMessage.self, from: Data($0.utf8)) }
        return try #require(messages.compactMap { if case .result(let r) = $0 { r } else { nil } }.first, "agent said: \(output.prefix(2000))")
    }

    /// On a machine without a hardware PMU (this CI VM) hardware events are unavailable with a
    /// reason and software events count; where a PMU exists, cycles must count instead.
    @Test func unavailableEventsCarryAReasonNeverAZero() throws {
        let o = try Self.measure(
            MeasurementSettings(warmupRuns: 0, iterations: 3, counters: ["perf::CYCLES", "perf::PAGE-FAULTS", "no::SUCH-EVENT"], energy: false))
        let counters = try #require(o.counters)
        let cycles = try #require(counters.reading("perf::CYCLES"))
        if let reason = cycles.unavailableReason {
            print("no hardware PMU here: \(reason)")
            #expect(cycles.value == nil && o.countersPerExecution?["perf::CYCLES"] == nil)
        } else {
            print("hardware PMU present: cycles = \(cycles.value ?? -1)")
            #expect((cycles.value ?? 0) > 0)
        }
        let unknown = try #require(counters.reading("no::SUCH-EVENT"))
        #expect(unknown.value == nil && unknown.unavailableReason?.isEmpty == false)
        #expect(counters.reading("perf::PAGE-FAULTS")?.value != nil)
    }

    @Test func noCountersWhenNoneAreAsked() throws {
        let o = try Self.measure(MeasurementSettings(warmupRuns: 0, iterations: 2, counters: [], energy: false))
        #expect(o.counters == nil && o.countersPerExecution == nil)
    }

    /// The environment is snapshotted before and after; a throttled fixture board flags the result.
    @Test func aThrottledBoardFlagsTheResult() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ProbesTests/Fixtures/pi5-throttled").path
        let probes = ProbeConfig(sysfsRoot: fixture, vcgencmdPath: fixture + "/bin/vcgencmd")
        let o = try Self.measure(MeasurementSettings(warmupRuns: 0, iterations: 12, counters: [], energy: false), probes: probes)
        let before = try #require(o.environmentBefore)
        #expect(before.throttle?.now.isEmpty == false)
        #expect(before.thermalZones.first?.celsius == 85.35)
        #expect(o.environmentAfter != nil)
        #expect(o.conditions.contains { $0.hasPrefix("throttling-active") })
        // Governor `performance` but 1.5 of 2.4 GHz: the clock was held down.
        #expect(o.conditions.contains { $0.hasPrefix("frequency-below-maximum") })
        #expect(!o.conditions.contains { $0.hasPrefix("governor-not-performance") })
        let verdict = try #require(o.verdict)
        #expect(!verdict.stable && verdict.reasons.contains { $0.hasPrefix("throttling-active") })
    }

    @Test func cooldownWaitsForTheHottestZoneAndFlagsATimeout() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ProbesTests/Fixtures/pi5-throttled").path
        let o = try Self.measure(
            MeasurementSettings(
                warmupRuns: 0, iterations: 2, cooldownBelowCelsius: 50, cooldownTimeoutSeconds: 0.2, counters: [], energy: false),
            probes: ProbeConfig(sysfsRoot: fixture, vcgencmdPath: fixture + "/bin/vcgencmd"))
        #expect(o.cooldown?.status == .timedOut && o.cooldown?.lastCelsius == 85.35)
        #expect(o.conditions.contains { $0.hasPrefix("cooldown timed out") })
    }
}
