import BenchCore
import BenchTestSupport
import Controller
import Foundation
import Store
import Tables

/// A workspace and store holding every kind of thing a report shows, with a hostile payload in
/// every string that can come from a device, profile, model or user. Deterministic: fixed
/// timestamps and samples, so pages rendered from it are stable enough to snapshot.
///
/// The payload tries both ways out: it closes an attribute and opens an element whose handler
/// would change the document title and add a `<bb-pwned>` element, and it opens a script doing
/// the same. A page that escaped everything shows it as text and has neither effect.
struct ReportFixture {
    static let payload =
        #"x"'><img src=x onerror="document.title='pwned';document.body.appendChild(document.createElement('bb-pwned'))"><script>document.title='pwned'</script>"#

    let root: URL
    let workspace: Workspace
    let store: SQLiteStore

    static let t0: Int64 = 1_764_979_200_000_000_000  // 2025-12-06 00:00 UTC

    init() throws {
        root = try CommandLineTool.temporaryDirectory("bb-report")
        workspace = Workspace(root: root.path, databasePath: root.appendingPathComponent("store.sqlite").path)
        store = try SQLiteStore(path: workspace.databasePath)
        try writeDevices()
        try addRun(day: 0, profile: "quick", scale: 1.0)
        try store.saveBaseline("nightly", runId: 1, at: Self.t0)
        try addRun(day: 1, profile: "quick " + Self.payload, scale: 1.25)
        try addTable()
    }

    func remove() throws { try FileManager.default.removeItem(at: root) }

    static var facts: DeviceFacts {
        DeviceFacts(
            architecture: "aarch64", cpuModel: "Raspberry Pi 4 Model B " + payload, logicalCores: 4, maxFrequencyKHz: 1_800_000,
            memoryBytes: 4 << 30, operatingSystem: "Debian GNU/Linux 12", kernel: "6.6.31", hostname: "pi4", glibcVersion: "2.36",
            governor: "performance", thermalZones: ["cpu-thermal"], blasCoreName: "cortexa72", blasConfig: "OpenBLAS 0.3.21 NO_AFFINITY",
            agentVersion: "0.1.0",
            perfEvents: [
                .init(event: "cycles", available: true, reason: nil),
                .init(event: "cache-misses", available: false, reason: "not supported by the PMU " + payload),
            ])
    }

    func writeDevices() throws {
        let boards = workspace.devicesDirectory.appendingPathComponent("boards")
        try FileManager.default.createDirectory(at: boards, withIntermediateDirectories: true)
        let yamlPayload = Self.payload.replacingOccurrences(of: "'", with: "''")
        try """
        name: desk-board
        description: '\(yamlPayload)'
        architecture: aarch64
        energy:
          provider: hwmon
          device: ina219
        bigCores: [2, 3]

        """.write(to: boards.appendingPathComponent("desk-board.yaml"), atomically: true, encoding: .utf8)
        let pi = DeviceConfig(
            name: "pi4", transport: .ssh, host: "127.0.0.1", port: 2222, user: "bench", workdir: "/home/bench/.boardbench",
            hostKeyFingerprint: "SHA256:abc", facts: Self.facts)
        try DeviceFile.save(pi, in: workspace)
        // The board is the user's own line in the device file (enrolment does not write it).
        let file = workspace.deviceFile("pi4")
        try (try String(contentsOf: file, encoding: .utf8) + "board: desk-board\n").write(to: file, atomically: true, encoding: .utf8)
        try DeviceFile.save(DeviceConfig(name: "jetson", transport: .ssh, host: "10.0.0.7", user: "nvidia", workdir: "/tmp/bb"), in: workspace)
    }

    /// Samples around `center` with a slow tail, deterministic.
    static func samples(_ center: Int64, count: Int = 60) -> [Int64] {
        (0..<count).map { i -> Int64 in
            let wobble: Int64 = Int64((i * 37) % 23 - 11) * center / 400
            let tail: Int64 = i % 17 == 0 ? center / 10 : 0
            return center + wobble + tail
        }
    }

    func addRun(day: Int64, profile: String, scale: Double) throws {
        let tiny = "tiny-" + Self.payload
        let benches: [(String, String, Int64, Double?)] = [
            ("pi4", "mobilenet-v2", 41_000_000, 0.0041), ("pi4", "resnet18", 95_000_000, 0.0301),
            ("pi4", tiny, 800_000, nil), ("jetson", "mobilenet-v2", 12_000_000, 0.0051),
            ("jetson", "resnet18", 30_000_000, 0.0098), ("jetson", "broken", 0, nil),
        ]
        let run = RunRecord(
            createdAtUnixNanoseconds: Self.t0 + day * 86_400_000_000_000, finishedAtUnixNanoseconds: Self.t0 + day * 86_400_000_000_000 + 600_000_000_000,
            status: "partial", profileName: profile, profileHash: "0123456789abcdef0123", profileText: "name: quick", hostVersion: "0.1.0",
            hostName: "host " + Self.payload)
        let items = benches.enumerated().map { i, b in
            RunItemRecord(runId: 0, device: b.0, benchmark: b.1, position: i, model: "m", requestJSON: "{}", updatedAtUnixNanoseconds: 1)
        }
        let id = try store.beginRun(run, items: items)
        for device in ["jetson", "pi4"] {
            let facts = try String(decoding: JSONEncoder().encode(Self.facts), as: UTF8.self)
            try store.recordDevice(RunDeviceRecord(runId: id, device: device, factsJSON: facts, factsHash: "f", agentVersion: "0.1.0"))
        }
        for (device, bench, center, energy) in benches {
            let samples = center == 0 ? [] : Self.samples(Int64(Double(center) * scale))
            var outcome = BenchmarkOutcome(
                benchmark: bench, planHash: "plan", status: samples.isEmpty ? .failed : .ok,
                error: samples.isEmpty ? "plan fails its CRC " + Self.payload : nil,
                runtimeVersion: "builtin-7", settings: MeasurementSettings(), startedAtUnixNanoseconds: run.createdAtUnixNanoseconds)
            outcome.samplesNanoseconds = samples
            outcome.warmupRuns = 5
            outcome.warmupNanoseconds = 5 * center
            outcome.measuredNanoseconds = samples.reduce(0, +)
            outcome.processCPUNanoseconds = outcome.measuredNanoseconds * 2
            outcome.conditions = bench == "resnet18" ? ["cooldown timed out at 71.2 °C " + Self.payload] : []
            if let energy {
                outcome.energy = EnergyMeasurement(
                    status: .measured, reason: nil, source: "hwmon ina219", quantity: .power, windowSeconds: 3, totalJoules: energy * 60,
                    averageWatts: 4.2, inferences: 60, joulesPerInference: energy * scale, idleWatts: 2.7, joulesPerInferenceAboveIdle: energy / 3,
                    sampleCount: 300, achievedRateHertz: 100, maxSampleIntervalSeconds: 0.012, counterWraps: 0, precision: .precise,
                    imprecisionReasons: [], minimumWindowSeconds: nil, notes: [])
            } else if !samples.isEmpty {
                outcome.energy = EnergyMeasurement(
                    status: .unavailable, reason: "no readable power rail " + Self.payload, source: nil, quantity: nil, windowSeconds: nil,
                    totalJoules: nil, averageWatts: nil, inferences: 0, joulesPerInference: nil, idleWatts: nil, joulesPerInferenceAboveIdle: nil,
                    sampleCount: 0, achievedRateHertz: nil, maxSampleIntervalSeconds: nil, counterWraps: 0, precision: nil, imprecisionReasons: [],
                    minimumWindowSeconds: nil, notes: [])
            }
            outcome.counters = CounterResults(
                readings: [
                    CounterReading(
                        event: "cycles", unit: .count, group: nil, privilege: nil, rawValue: 1, value: 1, timeEnabledNanoseconds: 1,
                        timeRunningNanoseconds: 1, scalingFactor: 1, multiplexed: false, unavailableReason: nil),
                    CounterReading(
                        event: "instructions", unit: .count, group: nil, privilege: nil, rawValue: 1, value: 1, timeEnabledNanoseconds: 1,
                        timeRunningNanoseconds: 1, scalingFactor: 1.5, multiplexed: true, unavailableReason: nil),
                    CounterReading(
                        event: "cache-misses", unit: .count, group: nil, privilege: nil, rawValue: nil, value: nil, timeEnabledNanoseconds: nil,
                        timeRunningNanoseconds: nil, scalingFactor: nil, multiplexed: false, unavailableReason: "not supported " + Self.payload),
                ], threadsCounted: 3, threadsExitedBeforeOpen: 0, inheritsNewThreads: true, groupReads: true, windowNanoseconds: 1)
            outcome.countersPerExecution = ["cycles": Double(center) * 1.5, "instructions": Double(center) * 2.1]
            let zone = ThermalZoneReading(zone: "thermal_zone0", type: "cpu-thermal", celsius: 48.5)
            let hot = ThermalZoneReading(zone: "thermal_zone0", type: "cpu-thermal", celsius: 61.0)
            let core = CoreFrequencyState(
                cpu: 0, governor: "performance", currentFrequencyKHz: 1_800_000, policyMaxFrequencyKHz: 1_800_000, hardwareMaxFrequencyKHz: 1_800_000)
            outcome.environmentBefore = EnvironmentSnapshot(
                cores: [core], thermalZones: [zone], throttle: ThrottleFlags(raw: 0),
                loadAverage: LoadAverage(oneMinute: 0.12, fiveMinutes: 0.2, fifteenMinutes: 0.3),
                onlineCPUs: 4, unknown: [])
            outcome.environmentAfter = EnvironmentSnapshot(
                cores: [core], thermalZones: [hot], throttle: ThrottleFlags(raw: bench == "resnet18" ? 0x2 : 0), loadAverage: nil, onlineCPUs: 4,
                unknown: [])
            let verdict = outcome.verdict
            let detail = try String(decoding: JSONEncoder().encode(outcome.withoutSamples), as: UTF8.self)
            let record = ResultRecord(
                runId: id, device: device, benchmark: bench, model: "Models/" + Self.payload + ".onnx", planHash: "00ff00ff00ff00ff",
                status: samples.isEmpty ? "failed" : "ok", error: outcome.error, runtime: "builtin", runtimeVersion: "builtin-7", settingsJSON: "{}",
                startedAtUnixNanoseconds: run.createdAtUnixNanoseconds, loadNanoseconds: 3_000_000, coldStartNanoseconds: center * 3 / 2,
                peakResidentKiB: samples.isEmpty ? nil : 48_200, arenaBytes: 6 << 20, weightBytes: 14 << 20, verdict: verdict?.summary,
                energyPerInferenceJoules: outcome.energy?.joulesPerInference, detailJSON: detail)
            try store.recordResult(record, samples: samples, offsets: samples.indices.map { Int64($0) * 1_000_000 })
        }
        try store.finishRun(id, status: "partial", at: run.finishedAtUnixNanoseconds!)
    }

    /// A table of MobileNet-like blocks with a validation and a search.
    func addTable() throws {
        let table = try store.latencyTable(
            matching: LatencyTableRecord(
                device: "pi4", space: "ofa-mbv3", spaceHash: "5pace5pace", runtime: "builtin", runtimeVersion: "builtin-7", settingsJSON: "{}",
                settingsHash: "5e771n95", createdAtUnixNanoseconds: Self.t0))
        let tid = try table.id.unwrap("table id")
        let run = RunRecord(
            createdAtUnixNanoseconds: Self.t0 + 2 * 86_400_000_000_000, status: "completed", profileName: "table ofa-mbv3", profileHash: "h",
            profileText: "", hostVersion: "0.1.0", hostName: "host")
        let runId = try store.beginRun(run, items: [])
        try store.linkRun(tableId: tid, runId: runId, purpose: "build")
        var entries: [TableEntryRecord] = []
        var n: Int64 = 0
        for (stage, channels, size) in [("stage1", 24, 56), ("stage2", 40, 28)] {
            for stride in [2, 1] {
                for kernel in [3, 5, 7] {
                    for expand in [3.0, 4.0, 6.0] {
                        let layer: [String: Any] = [
                            "name": "\(stage).block\(stride == 2 ? 1 : 2)", "kind": "mbconv", "input": [channels, size * stride, size * stride],
                            "output": [channels, size, size], "kernel": kernel, "stride": stride, "middle": Int(Double(channels) * expand),
                            "expandRatio": expand, "seChannels": 0, "heads": 0, "activation": "relu", "identitySkip": stride == 1, "bias": false,
                        ]
                        let json = String(decoding: try JSONSerialization.data(withJSONObject: layer, options: [.sortedKeys]), as: UTF8.self)
                        let p50 = Double(size * size * stride * stride) * Double(kernel * kernel) * expand * 3
                        n += 1
                        let blockSamples = Self.samples(Int64(p50), count: 20)
                        let result = ResultRecord(
                            runId: runId, device: "pi4", benchmark: "block-\(n)", model: "block", planHash: "b\(n)", status: "ok", error: nil,
                            runtime: "builtin", runtimeVersion: "builtin-7", settingsJSON: "{}", startedAtUnixNanoseconds: run.createdAtUnixNanoseconds,
                            loadNanoseconds: 1, coldStartNanoseconds: 1, peakResidentKiB: 1, arenaBytes: 0, weightBytes: 0, verdict: "stable")
                        let resultId = try store.recordResult(result, samples: blockSamples, offsets: blockSamples.indices.map { Int64($0) }).unwrap(
                            "result id")
                        let key = "mbconv-\(stage)-k\(kernel)-e\(expand)-s\(stride)" + (n == 1 ? Self.payload : "")
                        entries.append(
                            TableEntryRecord(
                                tableId: tid, blockKey: key, layerJSON: json, resultId: resultId, count: 50, meanNanoseconds: p50 * 1.02,
                                varianceNanoseconds2: p50, p0Nanoseconds: p50 * 0.95, p10Nanoseconds: p50 * 0.97, p50Nanoseconds: p50,
                                p90Nanoseconds: p50 * 1.06, p100Nanoseconds: p50 * 1.3))
                    }
                }
            }
        }
        try store.saveEntries(entries)
        try store.finishRun(runId, status: "completed", at: run.createdAtUnixNanoseconds + 1)
        var networks: [[String: Any]] = []
        for i in 0..<24 {
            let measured = 20_000_000.0 + Double(i) * 1_500_000
            let predicted = measured * (1 + Double((i * 7) % 13 - 6) / 60)
            networks.append([
                "set": i < 8 ? "calibration" : "validation", "arch": i == 3 ? Self.payload : "{\"d\":[\(i % 3 + 2)]}", "layers": 20, "parameters": 3_000_000,
                "predictedNanoseconds": predicted, "correctedNanoseconds": predicted * 0.99, "measuredNanoseconds": [measured, measured * 1.01],
                "measuredMeanNanoseconds": measured * 1.005,
            ])
        }
        let metrics: [String: Any] = [
            "count": 16, "rmseNanoseconds": 1_900_000.0, "rmspe": 0.061, "within5": 0.5625, "within10": 0.875, "spearman": 0.97,
            "meanRelativeError": 0.004, "maxAbsoluteRelativeError": 0.1,
        ]
        let report: [String: Any] = [
            "tableId": tid, "runId": runId, "device": "pi4", "space": "ofa-mbv3", "runtimeVersion": "builtin-7", "seed": 1, "resolutions": [224],
            "statistic": "median", "raw": metrics, "corrected": metrics, "repeatability": metrics, "networks": networks,
            "failed": ["{\"d\":[9]}": "agent crashed " + Self.payload],
        ]
        let reportJSON = String(decoding: try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), as: UTF8.self)
        try store.saveReport(TableReportRecord(tableId: tid, kind: "validation", createdAtUnixNanoseconds: Self.t0, runId: runId, reportJSON: reportJSON))
        try store.saveSearch(
            SearchRecord(
                tableId: tid, createdAtUnixNanoseconds: Self.t0, configJSON: "{}", objective: "flops", latencyBudgetNanoseconds: 30_000_000,
                winner: "{\"ks\":[3,5,7],\"payload\":\"" + Self.payload + "\"}", objectiveValue: 219_000_000, predictedNanoseconds: 29_100_000,
                measuredNanoseconds: 30_050_000, measuredResultId: nil, detailJSON: "{}"))
    }
}

extension Optional {
    /// `#require` for non-test code paths of the fixture.
    fileprivate func unwrap(_ what: String) throws -> Wrapped {
        guard let self else { throw FixtureError(description: "fixture: \(what) is nil") }
        return self
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
}
