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
/// It sleeps on a `StopSignal` between beats, so it costs one wake-up per period.
final class HeartbeatThread {
    private let stopSignal = StopSignal()
    private var thread: pthread_t?

    init(every period: Double, channel: SessionChannel) throws(WorkerThreadError) {
        let signal = stopSignal
        let periodNanoseconds = UInt64(min(max(period.isFinite ? period : 1, 0.05), 3600) * 1e9)
        switch WorkerThread.start({
            var next = MonotonicClock.nanoseconds() + periodNanoseconds
            while !signal.wait(untilNanoseconds: next) {
                guard channel.heartbeat() else { return }
                next += periodNanoseconds
            }
        }) {
        case .success(let t): thread = t
        case .failure(let e): throw e
        }
    }

    deinit { stop() }

    func stop() {
        guard let t = thread else { return }
        thread = nil
        stopSignal.requestStop()
        pthread_join(t, nil)
    }
}
