import Foundation

/// Minimal posix_spawn wrapper for the fixture's tools.
///
/// Not Foundation.Process: corelibs Process detects exit through an inherited socket, and sshd
/// closes inherited descriptors at startup, which makes Process believe sshd exited and block
/// its shared monitor thread in waitpid, hanging every Process in the test run.
enum Spawn {
    /// Starts `path` with stdin from /dev/null and stdout+stderr appended to `outputPath`.
    static func start(_ path: String, _ arguments: [String], outputPath: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        return try spawn(path, arguments, actions: &actions, environment: environ)
    }

    /// Starts `path` with separate stdout and stderr files, an explicit environment
    /// (for running the built CLI as a user would).
    static func start(
        _ path: String, _ arguments: [String], stdoutPath: String, stderrPath: String,
        environment: [String: String]
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        return try envp.withUnsafeBufferPointer { buffer throws in
            try spawn(path, arguments, actions: &actions, environment: UnsafeMutablePointer(mutating: buffer.baseAddress!))
        }
    }

    /// posix_spawn with default signal dispositions and an empty mask: test processes may ignore
    /// SIGPIPE or block signals, and children (sshd, the CLI) must start with defaults.
    private static func spawn(
        _ path: String, _ arguments: [String], actions: inout posix_spawn_file_actions_t,
        environment: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    ) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, environment)
        guard rc == 0 else {
            throw SSHServer.Failure(description: "cannot start \(path): \(String(cString: strerror(rc)))")
        }
        return pid
    }

    /// Exit status if the child has exited (reaping it), nil while it runs.
    static func poll(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        return rc == pid ? decode(status) : nil
    }

    /// Blocks until the child exits; returns its exit status or 128 + signal.
    @discardableResult
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }  // ECHILD: already reaped, nothing left to wait for
        }
        return decode(status)
    }

    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Runs a short tool to completion and returns its combined output; throws on failure.
    static func run(_ path: String, _ arguments: [String]) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("sshserver-tool-\(UUID().uuidString)").path
        defer { unlink(outputPath) }  // scratch file; may not exist if spawning failed
        let status = wait(try start(path, arguments, outputPath: outputPath))
        let text: String
        do {
            text = try String(contentsOfFile: outputPath, encoding: .utf8)
        } catch {
            throw SSHServer.Failure(description: "cannot read the output of \(path): \(error)")
        }
        guard status == 0 else {
            throw SSHServer.Failure(description: "\(path) \(arguments.joined(separator: " ")) failed with status \(status): \(text)")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
