import Agent
import BenchCore
import Foundation
import ModelPlan
import Probes
import Testing

/// Energy through the whole agent path: a request names a rail, the agent samples it over the
/// measured window only and reports joules per inference.
@Suite struct AgentEnergyTests {
    static func plan() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bb-\(UUID().uuidString).plan").path
        try Data(try PlanCodec.encode(try BuiltinModels.graph(named: "mlp"))).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func measure(_ settings: MeasurementSettings, probes: ProbeConfig) throws -> BenchmarkOutcome {
        let path = try plan()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let request = BenchmarkRequest(name: "mlp", planPath: path, planHash: "h", settings: settings)
        return BenchmarkRunner.measure(request, device: DeviceContext(probes))
    }

    /// A meter that always reads 5 W: energy per inference is 5 W × the window / inferences.
    @Test func aConstantRailGivesPowerTimesLatency() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bb-meter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let meter = dir.appendingPathComponent("meter").path
        try "#!/bin/sh\necho 5.0\n".write(toFile: meter, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: meter)
        let energy = EnergyConfig(provider: .command, command: [meter], sampleRateHertz: 50, minimumSamples: 5, idleBaselineSeconds: 0.1)
        let o = try Self.measure(MeasurementSettings(warmupRuns: 1, iterations: 5), probes: ProbeConfig(energy: energy))
        let e = try #require(o.energy)
        #expect(e.status == .measured, "\(e.reason ?? "")")
        // The run was lengthened to the rail's minimum window (4 periods at 50 Hz).
        #expect(Double(o.measuredNanoseconds) / 1e9 >= 0.08 * 0.99)
        let inferences = o.samplesNanoseconds.count * o.repeatsPerSample
        #expect(e.inferences == inferences)
        // Energy per inference is 5 W × the mean latency (the samples' span over the inferences).
        let latency = Double(o.measuredNanoseconds) / 1e9 / Double(inferences)
        let perInference = try #require(e.joulesPerInference)
        #expect(abs(perInference - 5 * latency) <= 0.01 * 5 * latency)
        #expect(e.windowSeconds == Double(o.measuredNanoseconds) / 1e9)
        #expect(abs(try #require(e.averageWatts) - 5) < 0.05)
        #expect(abs(try #require(e.idleWatts) - 5) < 0.05)
        // Idle and busy read the same 5 W here, so the work added nothing measurable.
        #expect(abs(try #require(e.joulesPerInferenceAboveIdle)) <= 0.01 * perInference)
    }

    @Test func aDeviceWithoutARailSaysSoInsteadOfReportingZero() throws {
        let o = try Self.measure(MeasurementSettings(warmupRuns: 0, iterations: 2), probes: ProbeConfig())
        #expect(o.status == .ok)
        #expect(o.energy?.status == .unavailable && o.energy?.joulesPerInference == nil)
        #expect(o.energy?.reason?.contains("no power rail configured") == true)
        let off = try Self.measure(MeasurementSettings(warmupRuns: 0, iterations: 2, energy: false), probes: ProbeConfig())
        #expect(off.energy == nil)
    }

    @Test func aMissingRailIsUnavailableWithItsReason() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bb-empty-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/sys", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let o = try Self.measure(
            MeasurementSettings(warmupRuns: 0, iterations: 2),
            probes: ProbeConfig(sysfsRoot: root, energy: EnergyConfig(provider: .rapl, rail: "package-0")))
        #expect(o.status == .ok && o.energy?.status == .unavailable)
        #expect(o.energy?.reason?.isEmpty == false)
    }
}
