import CPlatform

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a board helper command (`vcgencmd`, `tegrastats`, an external power meter) and
/// returns what it printed. The path comes from the device file, so tests point it at a
/// fixture script. A command that does not exist, fails or hangs is a described failure,
/// never a crash and never a silent empty answer.
public enum HelperCommand {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Runs `argv` (argv[0] is looked up on PATH when it has no slash) with stdin from
    /// /dev/null, collects stdout (stderr is kept for the failure message), and kills the
    /// child after `timeoutSeconds`.
    public static func run(_ argv: [String], timeoutSeconds: Double = 5) -> Result<String, Failure> {
        guard let program = argv.first, !program.isEmpty else { return .failure(Failure(description: "empty command")) }
        var outPipe: [Int32] = [0, 0]
        var errPipe: [Int32] = [0, 0]
        guard makePipe(&outPipe) else { return .failure(Failure(description: "pipe: \(String(cString: strerror(errno)))")) }
        guard makePipe(&errPipe) else {
            close(outPipe[0])
            close(outPipe[1])
            return .failure(Failure(description: "pipe: \(String(cString: strerror(errno)))"))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        var pid: pid_t = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var rc = posix_spawnp(&pid, program, &actions, nil, cArgs, environ)
        // ETXTBSY: the program file is still open for writing somewhere (a meter script just
        // written, its descriptor inherited by a process forked meanwhile); it passes in moments,
        // as ChildProgram retries too.
        for _ in 0..<10 where rc == ETXTBSY {
            MonotonicClock.sleep(seconds: 0.02)
            rc = posix_spawnp(&pid, program, &actions, nil, cArgs, environ)
        }
        close(outPipe[1])
        close(errPipe[1])
        defer {
            close(outPipe[0])
            close(errPipe[0])
        }
        guard rc == 0 else { return .failure(Failure(description: "cannot run \(program): \(String(cString: strerror(rc)))")) }

        var out: [UInt8] = []
        var err: [UInt8] = []
        let deadline = MonotonicClock.seconds() + timeoutSeconds
        var open = [outPipe[0], errPipe[0]]
        var timedOut = false
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !open.isEmpty {
            let remaining = deadline - MonotonicClock.seconds()
            if remaining <= 0 {
                timedOut = true
                break
            }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(remaining * 1000, 1000).rounded(.up)))
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { continue }
            for p in fds where p.revents != 0 {
                let n = chunk.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    if p.fd == outPipe[0] { out.append(contentsOf: chunk[0..<n]) } else { err.append(contentsOf: chunk[0..<n]) }
                    if out.count > 1 << 20 { timedOut = true }
                } else if n == 0 || errno != EINTR {
                    open.removeAll { $0 == p.fd }
                }
            }
            if timedOut { break }
        }
        if timedOut { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if timedOut { return .failure(Failure(description: "\(program) did not finish within \(timeoutSeconds) s")) }
        let exited = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            let why = exited ? "exited with status \(code)" : "was killed by signal \(status & 0x7f)"
            let detail = String(decoding: err, as: UTF8.self).split(separator: "\n").first.map { ": \($0)" } ?? ""
            return .failure(Failure(description: "\(program) \(why)\(detail)"))
        }
        return .success(String(decoding: out, as: UTF8.self))
    }

    /// A pipe whose ends are not inherited by other children spawned meanwhile: close-on-exec
    /// from the start (pipe2), as the energy sampler's helper runs while the measuring thread
    /// starts benchmark programs.
    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        cplatform_pipe_cloexec(&fds) == 0
    }
}
