import Foundation

/// Runs commands as child processes of this host, with the same semantics as `SSHSession`:
/// argv is executed directly (no shell), stdin/stdout/stderr are pumped together with poll(2),
/// and uploads go through a temp file plus rename(2).
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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try resolveExecutable(argv[0]))
        process.arguments = Array(argv.dropFirst())
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw .local(label: label, reason: "cannot start \(what): \(error.localizedDescription)")
        }
        // Every exit path below must reap the child; killing first when we give up on it.
        var reaped = false
        defer {
            if !reaped {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }

        var pump = PipePump(
            label: label, stdin: stdin, stdinHandle: input.fileHandleForWriting,
            stdout: output.fileHandleForReading.fileDescriptor, stderr: errors.fileHandleForReading.fileDescriptor)
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
                // Returning stops the child through the defer above.
                guard onStdout(chunk) else { return .stopped }
            }
        }
        process.waitUntilExit()
        reaped = true
        let status = process.terminationStatus
        let signaled = process.terminationReason == .uncaughtSignal
        return .exited(exitStatus: signaled ? 128 + status : status, stderr: pump.stderrBytes)
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
    var stdinHandle: FileHandle?
    var stdinOffset = 0
    var stdoutFD: Int32?
    var stderrFD: Int32?
    var stderrBytes = Data()
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    init(label: String, stdin: Data, stdinHandle: FileHandle, stdout: Int32, stderr: Int32) {
        self.label = label
        self.stdin = stdin
        self.stdinHandle = stdinHandle
        self.stdoutFD = stdout
        self.stderrFD = stderr
    }

    var finished: Bool { stdoutFD == nil && stderrFD == nil }

    mutating func prepare() throws(TransportError) {
        guard let handle = stdinHandle else { return }
        if stdin.isEmpty { return try closeStdin() }
        // Non-blocking so a child that stops reading cannot stall the output pumping.
        let fd = handle.fileDescriptor
        guard fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0 else { throw error("cannot configure stdin") }
    }

    /// Waits up to the timeout for any pipe, moves what is ready; returns stdout bytes if any.
    mutating func step(timeoutMilliseconds: Int32) throws(TransportError) -> Data? {
        var fds: [pollfd] = []
        if let fd = stdoutFD { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
        if let fd = stderrFD { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
        if let handle = stdinHandle { fds.append(pollfd(fd: handle.fileDescriptor, events: Int16(POLLOUT), revents: 0)) }
        let ready = poll(&fds, nfds_t(fds.count), timeoutMilliseconds)
        if ready < 0 {
            if errno == EINTR { return nil }
            throw error("poll failed")
        }
        var stdoutChunk: Data?
        for entry in fds where entry.revents != 0 {
            if entry.fd == stdoutFD {
                stdoutChunk = try read(entry.fd) { $0.stdoutFD = nil }
            } else if entry.fd == stderrFD {
                if let bytes = try read(entry.fd, onEOF: { $0.stderrFD = nil }) { stderrBytes.append(bytes) }
            } else {
                try writeStdin()
            }
        }
        return stdoutChunk
    }

    private mutating func read(_ fd: Int32, onEOF: (inout PipePump) -> Void) throws(TransportError) -> Data? {
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n > 0 { return Data(buffer[0..<n]) }
        if n == 0 {
            onEOF(&self)
            return nil
        }
        if errno == EAGAIN || errno == EINTR { return nil }
        throw error("cannot read the child's output")
    }

    private mutating func writeStdin() throws(TransportError) {
        guard let handle = stdinHandle else { return }
        let offset = stdinOffset
        let count = min(64 * 1024, stdin.count - offset)
        let n = stdin.withUnsafeBytes { Glibc.write(handle.fileDescriptor, $0.baseAddress! + offset, count) }
        if n >= 0 {
            stdinOffset += n
            if stdinOffset == stdin.count { try closeStdin() }
            return
        }
        switch errno {
        case EAGAIN, EINTR: return
        // The child exited or closed stdin without reading it all; like an SSH command would.
        case EPIPE: try closeStdin()
        default: throw error("cannot write the child's stdin")
        }
    }

    private mutating func closeStdin() throws(TransportError) {
        guard let handle = stdinHandle else { return }
        stdinHandle = nil
        do {
            try handle.close()
        } catch {
            throw .local(label: label, reason: "cannot close the child's stdin: \(error.localizedDescription)")
        }
    }

    private func error(_ what: String) -> TransportError {
        .local(label: label, reason: "\(what): \(String(cString: strerror(errno)))")
    }
}
