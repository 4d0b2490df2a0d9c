import BenchCore
import CPlatform
import Probes

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A program an external runner starts on the board: its standard output read as it comes,
/// standard error kept for failure messages, its exit status and resource use (peak resident
/// set, CPU time) from wait4. The child is in its own process group and is killed with the
/// agent (cplatform_spawn), so a program never outlives a benchmark the host gave up on.
final class ChildProgram {
    let pid: pid_t
    let program: String
    private var input: Int32
    private var output: Int32
    private var errors: Int32
    private var pending: [UInt8] = []
    private var errorTail: [UInt8] = []
    private var reaped: Exit?
    /// The largest VmHWM read so far, and when it was last read (monotonic seconds).
    private var peakKiB: Int64?
    /// Set once the program has exited and the rest of its process group was killed.
    private var groupEnded = false
    /// The agent's own VmHWM just before the child was made (see `reap`).
    private var agentPeakAtSpawn: Int64?
    private var peakReadAt = 0.0
    /// How often VmHWM is read while the agent waits for the child: VmHWM only grows, so only
    /// growth in the last interval before the child exits is missed.
    static let peakInterval = 0.05
    /// Bytes of standard output kept by `readAll` (a runner's output is small; a program that
    /// floods it is cut off and fails rather than exhausting the agent).
    static let outputLimit = 16 << 20

    struct Exit {
        /// The wait status; -1 when the child could not be waited for (`waitFailure`).
        var status: Int32
        /// The child's peak resident set (VmHWM) as last read while it ran, KiB; nil if never
        /// read. Not ru_maxrss: that counts the agent's own resident set, which the child
        /// shared until it executed the program.
        var peakResidentKiB: Int64?
        var cpuNanoseconds: Int64
        /// Why wait4 failed, never taken for success.
        var waitFailure: String?

        var succeeded: Bool { waitFailure == nil && (status & 0x7f) == 0 && (status >> 8) & 0xff == 0 }

        /// "exited with status 3", "was killed by signal 9"; nil for success.
        var problem: String? {
            if succeeded { return nil }
            if let waitFailure { return "could not be waited for (\(waitFailure))" }
            return (status & 0x7f) == 0 ? "exited with status \((status >> 8) & 0xff)" : "was killed by signal \(status & 0x7f)"
        }
    }

    /// Whether waiting for output also reads VmHWM every `peakInterval` (programs run to their
    /// end); an interactive child's memory is read by its owner instead (no extra wake-ups
    /// while it is being measured).
    private let tracksPeak: Bool

    private init(pid: pid_t, program: String, input: Int32, output: Int32, errors: Int32, tracksPeak: Bool) {
        (self.pid, self.program, self.input, self.output, self.errors) = (pid, program, input, output, errors)
        self.tracksPeak = tracksPeak
    }

    deinit {
        if reaped == nil {
            kill()
            wait()
        }
        for fd in [input, output, errors] where fd >= 0 { close(fd) }
    }

    /// Starts `argv` with the agent's environment plus `environment`. `interactive`: its
    /// standard input is a pipe (`send`); otherwise /dev/null.
    static func start(_ argv: [String], environment: [String: String] = [:], interactive: Bool = false) -> Result<ChildProgram, RunnerFailure> {
        guard let program = argv.first, !program.isEmpty else { return .failure(RunnerFailure("the command is empty")) }
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        var inPipe: [Int32] = [-1, -1]
        func closeAll() { for fd in outPipe + errPipe + inPipe where fd >= 0 { close(fd) } }
        guard cplatform_pipe_cloexec(&outPipe) == 0, cplatform_pipe_cloexec(&errPipe) == 0 else {
            closeAll()
            return .failure(RunnerFailure("pipe: \(String(cString: strerror(errno)))"))
        }
        let childIn: Int32
        if interactive {
            guard cplatform_pipe_cloexec(&inPipe) == 0 else {
                closeAll()
                return .failure(RunnerFailure("pipe: \(String(cString: strerror(errno)))"))
            }
            childIn = inPipe[0]
        } else {
            childIn = open("/dev/null", O_RDONLY | O_CLOEXEC)
            inPipe[0] = childIn
        }
        var env: [String: String] = [:]
        var e = environ
        while let entry = e.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") { env[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
            e += 1
        }
        for (k, v) in environment { env[k] = v }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        // ETXTBSY: the program file is still open for writing somewhere (being copied, or a
        // writer's descriptor inherited by a process forked meanwhile); it passes in moments.
        let agentPeak = MemoryProbe.peakResidentKiB()
        var pid = cplatform_spawn(cArgs, cEnv, childIn, outPipe[1], errPipe[1])
        for _ in 0..<10 where pid == -ETXTBSY {
            MonotonicClock.sleep(seconds: 0.02)
            pid = cplatform_spawn(cArgs, cEnv, childIn, outPipe[1], errPipe[1])
        }
        close(outPipe[1])
        close(errPipe[1])
        close(inPipe[0])
        guard pid > 0 else {
            close(outPipe[0])
            close(errPipe[0])
            if inPipe[1] >= 0 { close(inPipe[1]) }
            return .failure(RunnerFailure("cannot run \(program): \(String(cString: strerror(-pid)))"))
        }
        let child = ChildProgram(pid: pid, program: program, input: inPipe[1], output: outPipe[0], errors: errPipe[0], tracksPeak: !interactive)
        child.agentPeakAtSpawn = agentPeak
        return .success(child)
    }

    /// Writes one line to the child's standard input; false when it is gone.
    func send(_ line: String) -> Bool {
        guard input >= 0 else { return false }
        // A child that died makes the write fail with EPIPE. The agent ignores SIGPIPE (main.swift);
        // blocking it here as well keeps this type safe wherever it is used (tests, benchmarks).
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let bytes = Array((line + "\n").utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(input, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                var now = timespec()
                _ = sigtimedwait(&pipeSignal, nil, &now)
                return false
            }
            done += n
        }
        return true
    }

    enum Line: Equatable {
        case line(String)
        case end
        case timedOut
    }

    /// The next line of standard output, waiting until `deadline` (monotonic seconds).
    func readLine(deadline: Double) -> Line {
        while true {
            if let nl = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[..<nl], as: UTF8.self)
                pending.removeSubrange(...nl)
                return .line(line)
            }
            if pending.count > Self.outputLimit {
                kill()
                return .end
            }
            switch pump(deadline: deadline) {
            case .progress: continue
            case .end:
                if pending.isEmpty { return .end }
                let line = String(decoding: pending, as: UTF8.self)
                pending = []
                return .line(line)
            case .timedOut: return .timedOut
            }
        }
    }

    /// Everything the child writes to standard output until it closes it; nil when `deadline`
    /// passed first or the output went over `outputLimit` (the child is then killed).
    func readAll(deadline: Double) -> [UInt8]? {
        while true {
            switch pump(deadline: deadline) {
            case .progress:
                if pending.count > Self.outputLimit {
                    kill()
                    return nil
                }
            case .end: return pending
            case .timedOut:
                kill()
                return nil
            }
        }
    }

    private enum Pump { case progress, end, timedOut }

    /// Waits for output on stdout or stderr and reads what is there.
    private func pump(deadline: Double) -> Pump {
        guard output >= 0 else { return .end }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let now = MonotonicClock.seconds()
            let remaining = deadline - now
            if remaining <= 0 { return .timedOut }
            if tracksPeak && now - peakReadAt >= Self.peakInterval { samplePeak() }
            var fds = [pollfd(fd: output, events: Int16(POLLIN), revents: 0)]
            if errors >= 0 { fds.append(pollfd(fd: errors, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining, tracksPeak ? Self.peakInterval : 1) * 1000) + 1)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 {
                // A program that exited while something it started still holds its output open
                // (`sleep 300 &`): end the rest of its group, so the output ends too.
                if tracksPeak && !groupEnded && cplatform_child_exited(pid, 0) == 1 {
                    groupEnded = true
                    _ = Glibc.kill(-pid, SIGKILL)
                }
                continue
            }
            var sawOutput = false
            for p in fds where p.revents != 0 {
                let n = chunk.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if p.fd == output {
                    if n > 0 {
                        pending.append(contentsOf: chunk[0..<n])
                        sawOutput = true
                    } else {
                        if tracksPeak { samplePeak() }
                        close(output)
                        output = -1
                        return .end
                    }
                } else if n > 0 {
                    errorTail.append(contentsOf: chunk[0..<n])
                    if errorTail.count > 8192 { errorTail.removeFirst(errorTail.count - 4096) }
                } else {
                    close(errors)
                    errors = -1
                }
            }
            if sawOutput { return .progress }
        }
    }

    /// Reads standard error until the child closes it (it has exited) or `deadline`, so a
    /// failure message written just before exiting is not lost.
    func drainErrors(deadline: Double) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while errors >= 0 {
            let remaining = deadline - MonotonicClock.seconds()
            if remaining <= 0 { return }
            var p = pollfd(fd: errors, events: Int16(POLLIN), revents: 0)
            let ready = poll(&p, 1, Int32(min(remaining * 1000, 1000).rounded(.up)))
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { continue }
            let n = chunk.withUnsafeMutableBytes { read(errors, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n > 0 {
                errorTail.append(contentsOf: chunk[0..<n])
                if errorTail.count > 8192 { errorTail.removeFirst(errorTail.count - 4096) }
            } else {
                close(errors)
                errors = -1
            }
        }
    }

    /// The last lines the child wrote to standard error, for a failure message ("" if none).
    var stderrTail: String {
        let lines = String(decoding: errorTail, as: UTF8.self).split(separator: "\n").suffix(3)
        return lines.map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }.joined(separator: " / ")
    }

    /// Kills the child and its process group.
    func kill() {
        guard reaped == nil else { return }
        _ = Glibc.kill(-pid, SIGKILL)
        _ = Glibc.kill(pid, SIGKILL)
    }

    /// Closes the child's standard input (a well-behaved interactive child then exits).
    func closeInput() {
        if input >= 0 { close(input) }
        input = -1
    }

    /// Waits for the child to exit (for ever: call after it has, or after `kill`).
    @discardableResult
    func wait() -> Exit { reap(blocking: true) ?? Exit(status: -1, peakResidentKiB: nil, cpuNanoseconds: 0, waitFailure: "no exit") }

    /// Reaps the child once it has exited: first kills whatever is left in its process group
    /// (a program's own background children must not run on through later samples; the
    /// unreaped leader keeps the group id from being reused), then collects its status and
    /// resource use. nil while it still runs (`blocking` false).
    private func reap(blocking: Bool) -> Exit? {
        if let reaped { return reaped }
        let state = cplatform_child_exited(pid, blocking ? 1 : 0)
        if state == 0 { return nil }
        if state > 0 { _ = Glibc.kill(-pid, SIGKILL) }
        var status: Int32 = 0
        var usage = rusage()
        var r: pid_t
        repeat { r = wait4(pid, &status, 0, &usage) } while r < 0 && errno == EINTR
        guard r == pid else {
            let exit = Exit(status: -1, peakResidentKiB: nil, cpuNanoseconds: 0, waitFailure: String(cString: strerror(errno)))
            reaped = exit
            return exit
        }
        let cpu = Int64(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000_000 + Int64(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1_000
        // ru_maxrss is the larger of the program's peak and the agent's peak when the child was
        // made (the mm it shared until exec): above the latter it can only be the program's.
        let maxrss = Int64(usage.ru_maxrss)
        let peak = maxrss > (agentPeakAtSpawn ?? .max) ? maxrss : peakKiB
        let exit = Exit(status: status, peakResidentKiB: peak, cpuNanoseconds: cpu, waitFailure: nil)
        reaped = exit
        return exit
    }

    /// Reads the child's VmHWM into the running peak.
    func samplePeak() {
        peakReadAt = MonotonicClock.seconds()
        if let kib = MemoryProbe.peakResidentKiB(process: pid) { peakKiB = max(peakKiB ?? 0, kib) }
    }

    /// Waits up to `seconds` for the child to exit on its own, then kills it.
    @discardableResult
    func finish(within seconds: Double) -> Exit {
        let deadline = MonotonicClock.seconds() + max(seconds, 0)
        while MonotonicClock.seconds() < deadline {
            if let exit = reap(blocking: false) { return exit }
            MonotonicClock.sleep(seconds: 0.005)
        }
        if let exit = reap(blocking: false) { return exit }
        kill()
        return wait()
    }

    /// CPU time of the whole running child (every thread), from its CPU clock; nil once gone.
    func cpuNanoseconds() -> Int64? {
        var clock = clockid_t()
        guard clock_getcpuclockid(pid, &clock) == 0 else { return nil }
        var ts = timespec()
        guard clock_gettime(clock, &ts) == 0 else { return nil }
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}

/// Why an external runner could not measure: one line for the result's `error`.
struct RunnerFailure: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

extension RunnerFailure: ExpressibleByStringInterpolation {
    init(stringLiteral value: String) { self.init(value) }
}
