import BenchCore
import Probes

#if canImport(Glibc)
    import Glibc
#endif

/// Serialises messages from the session thread and the heartbeat thread onto one stream, and
/// remembers the first write failure (the host went away) so both threads stop using it.
final class SessionChannel: @unchecked Sendable {  // state guarded by `mutex`
    private let emit: (AgentMessage) throws -> Void
    private var mutex = pthread_mutex_t()
    private var broken: (any Error)?
    private var benchmark: String?
    private var sequence = 0

    init(_ emit: @escaping (AgentMessage) throws -> Void) {
        self.emit = emit
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }

    /// Sends one message; after a failed write every later send throws that failure again.
    func send(_ message: AgentMessage) throws {
        try locked {
            if let broken { throw broken }
            do { try emit(message) } catch {
                broken = error
                throw error
            }
        }
    }

    /// The benchmark heartbeats name.
    func setBenchmark(_ name: String?) { locked { benchmark = name } }

    /// Sends a heartbeat; false once the stream is broken.
    func heartbeat() -> Bool {
        locked {
            guard broken == nil else { return false }
            sequence += 1
            do { try emit(.heartbeat(.init(sequence: sequence, benchmark: benchmark))) } catch {
                broken = error
                return false
            }
            return true
        }
    }
}

/// A thread that sends a heartbeat every `period` seconds until stopped or the stream breaks.
/// It sleeps on a condition variable between beats, so it costs one wake-up per period.
final class HeartbeatThread {
    private let state: TickerState
    private var thread = pthread_t()
    private var running = false

    init?(every period: Double, channel: SessionChannel) {
        guard period.isFinite, period > 0 else { return nil }
        state = TickerState()
        let state = self.state
        let periodNanoseconds = UInt64(max(period, 0.05) * 1e9)
        let body = HeartbeatBody {
            var next = MonotonicClock.nanoseconds() + periodNanoseconds
            while !state.wait(untilNanoseconds: next) {
                guard channel.heartbeat() else { return }
                next += periodNanoseconds
            }
        }
        let context = Unmanaged.passRetained(body).toOpaque()
        let rc = pthread_create(
            &thread, nil,
            { raw in
                guard let raw else { return nil }
                Unmanaged<HeartbeatBody>.fromOpaque(raw).takeRetainedValue().run()
                return nil
            }, context)
        guard rc == 0 else {
            Unmanaged<HeartbeatBody>.fromOpaque(context).release()
            return nil
        }
        running = true
    }

    deinit { stop() }

    func stop() {
        guard running else { return }
        running = false
        state.requestStop()
        pthread_join(thread, nil)
    }
}

private final class HeartbeatBody {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// A stop flag with a monotonic-clock condition variable to sleep on.
private final class TickerState: @unchecked Sendable {  // guarded by `mutex`
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var stopRequested = false

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

    func requestStop() {
        pthread_mutex_lock(mutex)
        stopRequested = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Sleeps until the monotonic time `deadline` or a stop request; true when stopped.
    func wait(untilNanoseconds deadline: UInt64) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        var until = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while !stopRequested {
            if pthread_cond_timedwait(condition, mutex, &until) == ETIMEDOUT { break }
        }
        return stopRequested
    }
}
