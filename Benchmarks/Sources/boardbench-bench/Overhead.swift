import Agent
import BenchCore
import Foundation
import Store

// What the harness itself costs (issue "9."): the clock, the sample loop's bookkeeping, and
// storing samples. Each figure is the median of `rounds` repetitions in one process.

/// ns per `clock_gettime(CLOCK_MONOTONIC)`, and per sample of `SampleLoop` around an empty body:
/// `loopNanosecondsPerSample` is the whole loop (two clock reads, the repeat loop, two appends,
/// the stop checks) divided by the samples; `emptySampleMedianNanoseconds` is what a sample of
/// nothing reads, the floor under every measured latency.
func overhead(_ o: Options) -> [String: Any] {
    let samples = o.samples
    var clockReads: [Double] = []
    var loopCosts: [Double] = []
    var floors: [Double] = []
    for _ in 0..<o.rounds {
        let reads = samples
        var sink: Int64 = 0
        let t0 = Clock.monotonicNanoseconds()
        for _ in 0..<reads { sink &+= Clock.monotonicNanoseconds() }
        let t1 = Clock.monotonicNanoseconds()
        if sink == 42 { print("") }  // keeps the reads
        clockReads.append(Double(t1 - t0) / Double(reads))

        var settings = MeasurementSettings()
        (settings.warmupRuns, settings.warmupSeconds, settings.iterations) = (0, 0, samples)
        (settings.minSampleMilliseconds, settings.minMeasureSeconds, settings.maxMeasureSeconds) = (0, 0, 600)
        let loop = SampleLoop(settings: settings, clock: Clock.monotonicNanoseconds, execute: {})
        let started = Clock.monotonicNanoseconds()
        let r = loop.run()
        let ended = Clock.monotonicNanoseconds()
        loopCosts.append(Double(ended - started) / Double(r.samples.count))
        floors.append(median(r.samples.map(Double.init)))
    }
    return [
        "samples": samples, "rounds": o.rounds, "clockReadNanoseconds": median(clockReads),
        "loopNanosecondsPerSample": median(loopCosts), "emptySampleMedianNanoseconds": median(floors),
    ]
}

/// Samples stored per second: `results` results of `samples` samples each, through the store's
/// own `recordResult` (one transaction per result, as a run stores them) into a file store.
func storeIngest(_ o: Options) -> [String: Any] {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bb-ingest-\(getpid())")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var rates: [Double] = []
    var bytesPerSample: [Double] = []
    for round in 0..<o.rounds {
        let path = directory.appendingPathComponent("store-\(round).sqlite").path
        do {
            let store = try SQLiteStore(path: path)
            let runId = try store.beginRun(
                RunRecord(
                    createdAtUnixNanoseconds: 1, status: "running", profileName: "ingest", profileHash: "h", profileText: "name: ingest",
                    hostVersion: "bench", hostName: "bench"), items: [])
            let latencies = (0..<o.samples).map { Int64(100_000 + ($0 * 7919) % 5000) }
            let offsets = (0..<o.samples).map { Int64($0) * 100_000 }
            let t0 = Clock.monotonicNanoseconds()
            for i in 0..<o.results {
                let record = ResultRecord(
                    runId: runId, device: "bench", benchmark: "b\(i)", model: "builtin:mlp", planHash: "p", status: "ok", error: nil,
                    runtime: "builtin", runtimeVersion: "bench", settingsJSON: "{}", startedAtUnixNanoseconds: 1, loadNanoseconds: 1,
                    coldStartNanoseconds: 1, peakResidentKiB: 1, arenaBytes: 1, weightBytes: 1)
                _ = try store.recordResult(record, samples: latencies, offsets: offsets)
            }
            let t1 = Clock.monotonicNanoseconds()
            rates.append(Double(o.results * o.samples) / (Double(t1 - t0) / 1e9))
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            bytesPerSample.append(Double(size) / Double(o.results * o.samples))
        } catch {
            fail("store: \(error)")
        }
    }
    return [
        "results": o.results, "samplesPerResult": o.samples, "rounds": o.rounds, "samplesPerSecond": median(rates),
        "storeBytesPerSample": median(bytesPerSample),
    ]
}

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    guard !s.isEmpty else { return 0 }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
