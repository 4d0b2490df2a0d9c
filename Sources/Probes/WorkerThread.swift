#if canImport(Glibc)
    import Glibc
#endif

/// A stop request a worker thread sleeps on: a flag and a condition variable on the monotonic
/// clock, so a stop wakes the worker at once instead of after its next period.
/// @unchecked Sendable: `stopRequested` is touched only with `mutex` held.
public final class StopSignal: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var stopRequested = false

    public init() {
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

    public func requestStop() {
        pthread_mutex_lock(mutex)
        stopRequested = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Blocks until `deadline` (monotonic ns) or a stop request; true when stop was requested.
    public func wait(untilNanoseconds deadline: UInt64) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while !stopRequested {
            if pthread_cond_timedwait(condition, mutex, &ts) == ETIMEDOUT { break }
        }
        return stopRequested
    }
}

/// Starts closures on their own pthreads (the agent has no Foundation `Thread`).
public enum WorkerThread {
    /// Runs `body` on a new thread; the thread, or why it could not be created.
    public static func start(_ body: @escaping @Sendable () -> Void) -> Result<pthread_t, WorkerThreadError> {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                guard let raw else { return nil }
                Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
                return nil
            }, context)
        guard rc == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            return .failure(WorkerThreadError(description: "cannot start a thread: \(String(cString: strerror(rc)))"))
        }
        return .success(thread)
    }

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
}

public struct WorkerThreadError: Error, CustomStringConvertible, Sendable {
    public var description: String
}
