import BenchCore
#if canImport(Glibc)
    import Glibc
#endif

/// The samples of one measured window, in time order, all within [start, end].
public struct EnergyWindow: Sendable, Equatable {
    public var startNanoseconds: UInt64
    public var endNanoseconds: UInt64
    public var samples: [EnergySample]
    public var failedReads: Int
    public var firstFailure: String?

    public var seconds: Double { Double(endNanoseconds &- startNanoseconds) / 1e9 }

    public init(startNanoseconds: UInt64, endNanoseconds: UInt64, samples: [EnergySample], failedReads: Int = 0, firstFailure: String? = nil) {
        self.startNanoseconds = startNanoseconds
        self.endNanoseconds = endNanoseconds
        self.samples = samples
        self.failedReads = failedReads
        self.firstFailure = firstFailure
    }
}

/// Reads one source on its own thread at a fixed rate, only between `start()` and `stop()`.
/// `start()` takes the first sample itself and `stop()` the last, and the window runs from the
/// one to the other, so the samples span the whole window whatever the rate (a failed edge read
/// leaves a gap that the measurement flags). The thread fills in between on a fixed grid; late
/// ticks are skipped, not bunched up. Not thread-safe itself: one caller starts and stops it.
public final class EnergySampler {
    public let source: any EnergySource
    public let sampleRateHertz: Double
    private var running: (state: SamplerState, thread: pthread_t, start: UInt64)?

    public init(source: any EnergySource, sampleRateHertz: Double) {
        self.source = source
        self.sampleRateHertz = sampleRateHertz
    }

    deinit { _ = finish() }

    public var isRunning: Bool { running != nil }

    /// Starts a window (ending any window still open, whose samples are dropped).
    /// Returns a failure only when the sampler thread cannot be created.
    @discardableResult
    public func start() -> Result<Void, EnergyUnavailable> {
        _ = finish()
        let state = SamplerState()
        let source = self.source
        let period = UInt64(max(1e9 / sampleRateHertz, 1e5))
        let body: @Sendable () -> Void = {
            let origin = MonotonicClock.nanoseconds()
            var tick: UInt64 = 1
            while !state.wait(untilNanoseconds: origin + tick * period) {
                state.sample(source)
                let now = MonotonicClock.nanoseconds()
                tick = max(tick + 1, (now - origin) / period + 1)
            }
        }
        let thread: pthread_t
        switch WorkerThread.start(body) {
        case .success(let t): thread = t
        case .failure(let e): return .failure(EnergyUnavailable("cannot start the energy sampler thread: \(e.description)"))
        }
        let before = MonotonicClock.nanoseconds()
        running = (state, thread, state.sample(source)?.timeNanoseconds ?? before)
        return .success(())
    }

    /// Ends the window: takes the last sample, stops the thread and returns the samples.
    /// Nil when no window was started.
    public func stop() -> EnergyWindow? {
        guard let run = running else { return nil }
        let end = run.state.sample(source)?.timeNanoseconds ?? MonotonicClock.nanoseconds()
        _ = finish()
        let got = run.state.collected()
        let inWindow = got.samples.filter { $0.timeNanoseconds >= run.start && $0.timeNanoseconds <= end }
            .sorted { $0.timeNanoseconds < $1.timeNanoseconds }
        return EnergyWindow(startNanoseconds: run.start, endNanoseconds: end, samples: inWindow, failedReads: got.failures, firstFailure: got.firstFailure)
    }

    /// Stops and joins the thread of the open window, if any.
    private func finish() -> Bool {
        guard let run = running else { return false }
        running = nil
        run.state.requestStop()
        pthread_join(run.thread, nil)
        return true
    }
}
