import BenchCore
import ModelPlan
import Probes
import Runtime

#if canImport(Glibc)
    import Glibc
#endif

/// Measures one benchmark: load and validate the plan, time the cold start on its own, run
/// the warmups, then time each measured execution. Every sample is kept.
public enum BenchmarkRunner {
    public static func measure(_ request: BenchmarkRequest) -> BenchmarkOutcome {
        let startedAt = Clock.unixNanoseconds()
        func failed(_ message: String) -> BenchmarkOutcome {
            .failure(
                benchmark: request.name, planHash: request.planHash, error: message, runtimeVersion: RuntimeInfo.version,
                settings: request.settings, startedAtUnixNanoseconds: startedAt)
        }
        if let problem = request.settings.problem() { return failed("invalid settings: \(problem)") }

        let loadStart = Clock.monotonicNanoseconds()
        let bytes: [UInt8]
        switch readWholeFile(request.planPath) {
        case .success(let b): bytes = b
        case .failure(let message): return failed(message)
        }
        let graph: Graph
        do { graph = try PlanCodec.decode(bytes) } catch { return failed("plan \(request.planPath): \(error.description)") }
        let executor = Executor(graph: graph, threads: request.settings.threads)
        executor.fillInputsDeterministically()
        let loadNanoseconds = Clock.monotonicNanoseconds() - loadStart

        let coldStart = Clock.monotonicNanoseconds()
        executor.execute()
        let coldStartNanoseconds = Clock.monotonicNanoseconds() - coldStart

        for _ in 0..<request.settings.warmupRuns { executor.execute() }

        let resetWorked = MemoryProbe.resetPeak()
        let n = request.settings.iterations
        var samples = [Int64](repeating: 0, count: n)
        var offsets = [Int64](repeating: 0, count: n)
        for i in 0..<n {
            let t0 = Clock.monotonicNanoseconds()
            executor.execute()
            let t1 = Clock.monotonicNanoseconds()
            samples[i] = t1 - t0
            offsets[i] = t0
        }
        // Offsets are relative to the first sample's start.
        let origin = offsets.first ?? 0
        for i in 0..<n { offsets[i] -= origin }
        return BenchmarkOutcome(
            benchmark: request.name, planHash: request.planHash, status: .ok, error: nil,
            runtimeVersion: RuntimeInfo.version, settings: request.settings, startedAtUnixNanoseconds: startedAt,
            loadNanoseconds: loadNanoseconds, coldStartNanoseconds: coldStartNanoseconds, samplesNanoseconds: samples,
            sampleOffsetsNanoseconds: offsets, peakResidentKiB: resetWorked ? MemoryProbe.peakResidentKiB() : nil,
            arenaBytes: Int64(executor.activationBytes), weightBytes: Int64(executor.weightBytes))
    }

    enum ReadResult {
        case success([UInt8])
        case failure(String)
    }

    /// Reads a plan file, refusing anything over the plan size limit before allocating.
    static func readWholeFile(_ path: String) -> ReadResult {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure("cannot open plan \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure("cannot stat plan \(path): \(String(cString: strerror(errno)))") }
        let size = Int(st.st_size)
        guard size <= PlanFormat.maxFileSize else { return .failure("plan \(path) is \(size) bytes, over the 2 GiB limit") }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, size - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return .failure("cannot read plan \(path): \(n == 0 ? "unexpected end of file" : String(cString: strerror(errno)))") }
            done += n
        }
        return .success(bytes)
    }
}
