import BenchCore
#if canImport(Glibc)
    import Glibc
#endif

/// What the sampler thread and the thread that started it share: the samples taken so far,
/// guarded by a pthread mutex, and a `StopSignal` the sampler sleeps on between readings.
/// @unchecked Sendable: every stored var is touched only with `mutex` held.
final class SamplerState: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let stop = StopSignal()
    private var samples: [EnergySample] = []
    private var failures = 0
    private var firstFailure: String?

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    /// Reads the source once, stamped with the middle of the read (a helper command takes a
    /// while); returns the sample when the read succeeded.
    @discardableResult
    func sample(_ source: any EnergySource) -> EnergySample? {
        let before = MonotonicClock.nanoseconds()
        let result = source.read()
        let after = MonotonicClock.nanoseconds()
        let time = before + (after - before) / 2
        return locked {
            switch result {
            case .success(let value):
                let sample = EnergySample(timeNanoseconds: time, value: value)
                samples.append(sample)
                return sample
            case .failure(let why):
                failures += 1
                if firstFailure == nil { firstFailure = why.description }
                return nil
            }
        }
    }

    func requestStop() { stop.requestStop() }

    /// Blocks until `deadline` (monotonic ns) or a stop request; true when stop was requested.
    func wait(untilNanoseconds deadline: UInt64) -> Bool { stop.wait(untilNanoseconds: deadline) }

    func collected() -> (samples: [EnergySample], failures: Int, firstFailure: String?) {
        locked { (samples, failures, firstFailure) }
    }
}
