import Foundation

/// Runs commands as child processes of this host, with the same semantics as `SSHSession`:
/// argv is executed directly (no shell, posix_spawn), stdin/stdout/stderr are pumped together
/// with poll(2), and uploads go through a temp file plus rename(2). On timeout or when a stream
/// is stopped, the child's whole process group is killed.
///
/// Differences from SSH: an executable that is not found throws `.local` (a remote shell would
/// exit with 127), and a child killed by a signal reports 128 + the signal number.
public final class LocalTransport: DeviceTransport {
    public let label: String

    public init(label: String = "local") {
        self.label = label
        // Writing stdin to a child that already exited raises SIGPIPE, whose default action
        // kills the whole host process; ignored, it becomes EPIPE, which `execute` handles.
        signal(SIGPIPE, SIG_IGN)
    }

    public func run(_ argv: [String], stdin: Data?, timeoutSeconds: Double) throws(TransportError) -> CommandResult {
        try validate(argv: argv, label: label)
        return try collectOutput(argv, label: label, timeoutSeconds: timeoutSeconds) { limit, sink throws(TransportError) in
            try execute(argv, stdin: stdin ?? Data(), limit: limit, onStdout: sink)
        }
    }

    /// An error thrown by `onLine` is rethrown unchanged after the child is killed.
    public func stream(
        _ argv: [String], stdin: Data, idleTimeoutSeconds: Double,
        onLine: (String) throws -> Void
    ) throws -> StreamOutcome {
        try validate(argv: argv, label: label)
        return try streamLines(label: label, idleTimeoutSeconds: idleTimeoutSeconds, onLine: onLine) { limit, sink throws(TransportError) in
            try execute(argv, stdin: stdin, limit: limit, onStdout: sink)
        }
    }

    private func execute(
        _ argv: [String], stdin: Data, limit: ExecLimit, onStdout: (Data) -> Bool
    ) throws(TransportError) -> ExecEnd {
        let what = describeCommand(argv)
        // Dropping `child` on any early exit kills its process group and reaps it.
        let child = try ChildProcess(executable: resolveExecutable(argv[0]), argv: argv, label: label)
        var pump = PipePump(label: label, stdin: stdin, child: child)
        try pump.prepare()
        let start = monotonicSeconds()
        var lastStdout = start
        while !pump.finished {
            let now = monotonicSeconds()
            let remaining: Double
            switch limit {
            case .overall(let seconds): remaining = start + seconds - now
            case .idle(let seconds): remaining = lastStdout + seconds - now
            }
            guard remaining > 0 else { throw .timedOut(label: label, what: what, seconds: limit.seconds) }
            if let chunk = try pump.step(timeoutMilliseconds: Int32(min(remaining, 1) * 1000) + 1) {
                lastStdout = monotonicSeconds()
                guard onStdout(chunk) else { return .stopped }
            }
        }
        return .exited(exitStatus: child.waitForExit(), stderr: pump.stderrBytes)
    }

    /// PATH lookup done here, not by /usr/bin/env, so argv[0] can never be read as an env option.
    private func resolveExecutable(_ name: String) throws(TransportError) -> String {
        if name.contains("/") { return name }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw .local(label: label, reason: "`\(name)` is not an executable in PATH")
    }
}

/// Moves bytes between the child's pipes and memory, never blocking on one of them.
private struct PipePump {
    let label: String
    let stdin: Data
    let child: ChildProcess
    var stdinOffset = 0
    var stdoutOpen = true
    var stderrOpen = true
    var stderrBytes = Data()
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    init(label: String, stdin: Data, child: ChildProcess) {
        self.label = label
        self.stdin = stdin
        self.child = child
    }

    var finished: Bool { !stdoutOpen && !stderrOpen }

    func prepare() throws(TransportError) {
        if stdin.isEmpty { return child.closeStdin() }
        // Non-blocking so a child that stops reading cannot stall the output pumping.
        let fd = child.stdinFD
        guard fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0 else { throw error("cannot configure stdin") }
    }

    /// Waits up to the timeout for any pipe, moves what is ready; returns stdout bytes if any.
    mutating func step(timeoutMilliseconds: Int32) throws(TransportError) -> Data? {
        var fds: [pollfd] = []
        if stdoutOpen { fds.append(pollfd(fd: child.stdoutFD, events: Int16(POLLIN), revents: 0)) }
        if stderrOpen { fds.append(pollfd(fd: child.stderrFD, events: Int16(POLLIN), revents: 0)) }
        if child.stdinFD >= 0 { fds.append(pollfd(fd: child.stdinFD, events: Int16(POLLOUT), revents: 0)) }
        let ready = poll(&fds, nfds_t(fds.count), timeoutMilliseconds)
        if ready < 0 {
            if errno == EINTR { return nil }
            throw error("poll failed")
        }
        var stdoutChunk: Data?
        for entry in fds where entry.revents != 0 {
            if entry.fd == child.stdoutFD {
                stdoutChunk = try read(entry.fd)
                if stdoutChunk == nil && atEOF { stdoutOpen = false }
            } else if entry.fd == child.stderrFD {
                if let bytes = try read(entry.fd) { stderrBytes.append(bytes) } else if atEOF { stderrOpen = false }
            } else {
                try writeStdin()
            }
        }
        return stdoutChunk
    }

    /// Set by `read` when the pipe reported end of file.
    private var atEOF = false

    private mutating func read(_ fd: Int32) throws(TransportError) -> Data? {
        atEOF = false
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n > 0 { return Data(buffer[0..<n]) }
        if n == 0 {
            atEOF = true
            return nil
        }
        if errno == EAGAIN || errno == EINTR { return nil }
        throw error("cannot read the child's output")
    }

    private mutating func writeStdin() throws(TransportError) {
        let offset = stdinOffset
        let count = min(64 * 1024, stdin.count - offset)
        let n = stdin.withUnsafeBytes { Glibc.write(child.stdinFD, $0.baseAddress! + offset, count) }
        if n >= 0 {
            stdinOffset += n
            if stdinOffset == stdin.count { child.closeStdin() }
            return
        }
        switch errno {
        case EAGAIN, EINTR: return
        // The child exited or closed stdin without reading it all; like an SSH command would.
        case EPIPE: child.closeStdin()
        default: throw error("cannot write the child's stdin")
        }
    }

    private func error(_ what: String) -> TransportError {
        .local(label: label, reason: "\(what): \(String(cString: strerror(errno)))")
    }
}
