import Foundation

/// A child process with stdin/stdout/stderr on pipes, in its own process group.
///
/// posix_spawn rather than Foundation.Process: corelibs Process learns of a child's exit through
/// an inherited socket, so a grandchild that keeps it open (`sleep &`) or a child that closes
/// inherited descriptors (daemons) makes `waitUntilExit` hang, and one such hang blocks every
/// Process in the host. Here we waitpid(2) ourselves.
final class ChildProcess {
    let pid: pid_t
    private(set) var stdinFD: Int32
    let stdoutFD: Int32
    let stderrFD: Int32
    private var reaped = false

    /// Serialises pipe creation and spawning: pipe() + FD_CLOEXEC is not atomic (pipe2 is not
    /// imported into Swift), and a concurrent spawn in between would leak our pipe ends into an
    /// unrelated child, delaying EOF until that child exits.
    private static let spawnLock = NSLock()

    init(executable: String, argv: [String], label: String) throws(TransportError) {
        let fail = { (what: String) in TransportError.local(label: label, reason: "\(what): \(String(cString: strerror(errno)))") }
        Self.spawnLock.lock()
        defer { Self.spawnLock.unlock() }
        var fds = [Int32](repeating: -1, count: 6)
        for pair in 0..<3 {
            let created = fds.withUnsafeMutableBufferPointer { pipe($0.baseAddress! + pair * 2) }
            guard created == 0 else {
                let error = fail("cannot create a pipe")
                fds.filter { $0 >= 0 }.forEach { close($0) }
                throw error
            }
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        // fds: [stdin read, stdin write, stdout read, stdout write, stderr read, stderr write]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fds[3], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[5], 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Own process group, so a timeout can kill the whole pipeline. The host ignores SIGPIPE
        // and that disposition would be inherited: restore the default for the child.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)

        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, executable, &actions, &attributes, cArguments, environ)
        // The child's ends belong to the child now.
        close(fds[0]); close(fds[3]); close(fds[5])
        guard spawned == 0 else {
            close(fds[1]); close(fds[2]); close(fds[4])
            throw .local(label: label, reason: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        pid = child
        stdinFD = fds[1]
        stdoutFD = fds[2]
        stderrFD = fds[4]
    }

    deinit {
        closeStdin()
        close(stdoutFD)
        close(stderrFD)
        if !reaped {
            // Abandoned (timeout, error, stopped stream): the child must not outlive the call.
            killGroup()
            _ = waitForExit()
        }
    }

    func closeStdin() {
        if stdinFD >= 0 {
            close(stdinFD)
            stdinFD = -1
        }
    }

    /// SIGKILL to the child's whole process group.
    func killGroup() {
        kill(-pid, SIGKILL)
    }

    /// Blocks until the child exits; returns its status, or 128 + signal number.
    func waitForExit() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            // EINTR: retry. ECHILD cannot happen for our own unreaped child; report it as -1.
            if errno != EINTR { reaped = true; return -1 }
        }
        reaped = true
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
