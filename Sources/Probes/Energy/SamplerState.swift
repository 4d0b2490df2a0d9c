import BenchCore
#if canImport(Glibc)
    import Glibc
#endif

/// What the sampler thread and the thread that started it share: the samples taken so far and
/// a stop request, guarded by one pthread mutex, with a condition variable on the monotonic
/// clock so a stop wakes the sampler at once instead of after its next period.
/// @unchecked Sendable: every stored var is touched only with `mutex` held.
final class SamplerState: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var stopRequested = false
    private var samples: [EnergySample] = []
    private var failures = 0
    private var firstFailure: String?

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deinitialize(count: 1)
        condition.deallocate()
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

    func requestStop() {
        locked {
            stopRequested = true
            pthread_cond_signal(condition)
        }
    }

    /// Blocks until `deadline` (monotonic ns) or a stop request; true when stop was requested.
    func wait(untilNanoseconds deadline: UInt64) -> Bool {
        locked {
            var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
            while !stopRequested {
                if pthread_cond_timedwait(condition, mutex, &ts) == ETIMEDOUT { break }
            }
            return stopRequested
        }
    }

    func collected() -> (samples: [EnergySample], failures: Int, firstFailure: String?) {
        locked { (samples, failures, firstFailure) }
    }
}
