import CLibSSH
import Foundation

extension SSHSession {
    public func run(_ argv: [String], stdin: Data?, timeoutSeconds: Double) throws(TransportError) -> CommandResult {
        try validate(argv: argv, label: label)
        return try collectOutput(argv, label: label, timeoutSeconds: timeoutSeconds) { limit, sink throws(TransportError) in
            try exec(argv, stdin: stdin ?? Data(), limit: limit, onStdout: sink)
        }
    }

    /// An error thrown by `onLine` is rethrown unchanged after the channel is closed.
    public func stream(
        _ argv: [String], stdin: Data, idleTimeoutSeconds: Double,
        onLine: (String) throws -> Void
    ) throws -> StreamOutcome {
        try validate(argv: argv, label: label)
        return try streamLines(label: label, idleTimeoutSeconds: idleTimeoutSeconds, onLine: onLine) { limit, sink throws(TransportError) in
            try exec(argv, stdin: stdin, limit: limit, onStdout: sink)
        }
    }

    /// Runs one command on a fresh exec channel and pumps stdin, stdout and stderr together.
    func exec(
        _ argv: [String], stdin: Data, limit: ExecLimit, onStdout: (Data) -> Bool
    ) throws(TransportError) -> ExecEnd {
        let what = describeCommand(argv)
        guard let channel = ssh_channel_new(session) else { throw channelError("cannot create a channel") }
        let exit = ExitSignalRecorder()
        let callbacks = UnsafeMutablePointer<ssh_channel_callbacks_struct>.allocate(capacity: 1)
        callbacks.initialize(to: ssh_channel_callbacks_struct())
        defer {
            // libssh keeps a locally closed channel until the server's close arrives, and would
            // call its callbacks then (on a later command of this session): unregister them
            // before their memory goes.
            ssh_remove_channel_callbacks(channel, callbacks)
            // Close before free so the server sees the channel end even on error paths.
            if ssh_channel_is_closed(channel) == 0 { ssh_channel_close(channel) }
            ssh_channel_free(channel)
            callbacks.deinitialize(count: 1)
            callbacks.deallocate()
        }
        return try withExtendedLifetime(exit) { () throws(TransportError) -> ExecEnd in
            CLibSSH_channel_callbacks_init(callbacks)
            callbacks.pointee.userdata = Unmanaged.passUnretained(exit).toOpaque()
            callbacks.pointee.channel_exit_signal_function = { _, _, signal, _, _, _, userdata in
                guard let userdata, let signal else { return }
                Unmanaged<ExitSignalRecorder>.fromOpaque(userdata).takeUnretainedValue().signal = String(cString: signal)
            }
            guard ssh_add_channel_callbacks(channel, callbacks) == SSH_OK else {
                throw channelError("cannot register channel callbacks")
            }
            guard ssh_channel_open_session(channel) == SSH_OK else { throw channelError("cannot open a session channel") }
            guard ssh_channel_request_exec(channel, shellQuote(argv)) == SSH_OK else {
                throw channelError("the server refused to run \(what)")
            }
            var pump = ChannelPump(channel: channel, stdin: stdin)
            let start = monotonicSeconds()
            var lastStdout = start
            while !pump.finished {
                // Checked on every pass, so a chatty command cannot outrun its deadline.
                let now = monotonicSeconds()
                let remaining: Double
                switch limit {
                case .overall(let seconds): remaining = start + seconds - now
                case .idle(let seconds): remaining = lastStdout + seconds - now
                }
                guard remaining > 0 else {
                    stop(channel)
                    throw .timedOut(label: label, what: what, seconds: limit.seconds)
                }
                try pump.feedStdin(self)
                let activity = try pump.drain(self)
                if let chunk = activity.stdout {
                    lastStdout = monotonicSeconds()
                    guard onStdout(chunk) else {
                        stop(channel)
                        return .stopped
                    }
                }
                if activity.any { continue }
                // Short waits keep stderr and stdin moving while stdout is quiet.
                try pump.wait(self, milliseconds: Int32(min(remaining, 0.05) * 1000) + 1)
            }
            let status = ssh_channel_get_exit_status(channel)
            if status >= 0 { return .exited(exitStatus: status, stderr: pump.stderr) }
            if let signal = exit.signal {
                return .exited(exitStatus: 128 + signalNumber(signal), stderr: pump.stderr)
            }
            throw channelError("\(what) ended without an exit status")
        }
    }

    /// Stops a command whose output we no longer want. The "signal" request makes OpenSSH
    /// killpg the command, but OpenSSH refuses it for root logins ("session signalling requires
    /// privilege separation"), so it is best-effort: closing the channel then ends the command
    /// only when it next writes (SIGPIPE) or reads stdin (EOF).
    private func stop(_ channel: ssh_channel) {
        _ = ssh_channel_request_send_signal(channel, "KILL")
        ssh_channel_close(channel)
    }
}

/// Receives the exit-signal request (a killed command sends no exit status).
private final class ExitSignalRecorder {
    var signal: String?
}

/// Linux numbers for signal names as sshd reports them (without "SIG"); 0 when unknown.
private func signalNumber(_ name: String) -> Int32 {
    let table: [String: Int32] = [
        "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "BUS": 7, "FPE": 8,
        "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15,
    ]
    return table[name] ?? 0
}

/// Moves bytes between the channel and memory without ever blocking on one stream.
private struct ChannelPump {
    let channel: ssh_channel
    let stdin: Data
    var stdinOffset = 0
    var stdinDone = false
    var stdoutDone = false
    var stderrDone = false
    var stderr = Data()
    var buffer = [UInt8](repeating: 0, count: 32 * 1024)

    init(channel: ssh_channel, stdin: Data) {
        self.channel = channel
        self.stdin = stdin
    }

    var finished: Bool { stdoutDone && stderrDone }

    /// Writes at most what the remote window allows: a blocking write could wait for a window
    /// the remote never opens because it is itself blocked writing output we are not reading.
    mutating func feedStdin(_ owner: SSHSession) throws(TransportError) {
        guard !stdinDone else { return }
        if stdinOffset < stdin.count {
            if ssh_channel_is_closed(channel) != 0 || ssh_channel_is_eof(channel) != 0 {
                // The command finished without reading all of stdin, like EPIPE locally.
                stdinDone = true
                return
            }
            let window = Int(ssh_channel_window_size(channel))
            let count = min(window, 32 * 1024, stdin.count - stdinOffset)
            guard count > 0 else { return }
            let offset = stdinOffset
            let written = stdin.withUnsafeBytes { bytes in
                ssh_channel_write(channel, bytes.baseAddress! + offset, UInt32(count))
            }
            guard written >= 0 else { throw owner.channelError("cannot write stdin") }
            stdinOffset += Int(written)
        }
        if stdinOffset == stdin.count {
            guard ssh_channel_send_eof(channel) == SSH_OK else { throw owner.channelError("cannot send EOF") }
            stdinDone = true
        }
    }

    struct Activity {
        var stdout: Data?
        var stderr = false
        var any: Bool { stdout != nil || stderr }
    }

    /// Reads whatever is already buffered on stdout and stderr, without waiting.
    mutating func drain(_ owner: SSHSession) throws(TransportError) -> Activity {
        var activity = Activity()
        if !stdoutDone, let bytes = try read(owner, isStderr: false) {
            activity.stdout = bytes
        }
        if !stderrDone, let bytes = try read(owner, isStderr: true) {
            stderr.append(bytes)
            activity.stderr = true
        }
        return activity
    }

    private mutating func read(_ owner: SSHSession, isStderr: Bool) throws(TransportError) -> Data? {
        let capacity = UInt32(buffer.count)
        let n = ssh_channel_read_nonblocking(channel, &buffer, capacity, isStderr ? 1 : 0)
        if n > 0 { return Data(buffer[0..<Int(n)]) }
        if n == SSH_EOF || (n == 0 && ssh_channel_is_closed(channel) != 0) {
            if isStderr { stderrDone = true } else { stdoutDone = true }
            return nil
        }
        if n == 0 { return nil }
        throw owner.channelError(isStderr ? "cannot read stderr" : "cannot read stdout")
    }

    /// Waits for stdout data; libssh processes every incoming packet meanwhile, so stderr
    /// data and window adjustments are buffered and picked up by the next `drain`.
    func wait(_ owner: SSHSession, milliseconds: Int32) throws(TransportError) {
        let stream: Int32 = stdoutDone ? 1 : 0
        if ssh_channel_poll_timeout(channel, milliseconds, stream) == SSH_ERROR {
            throw owner.channelError("the connection failed while waiting for output")
        }
    }
}
