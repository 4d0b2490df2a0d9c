import BenchCore
import Probes

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// The board's exclusive lock: flock(2) on one file that every user and workdir of the board
/// shares, held for the life of a measuring session. The holder writes who it is into the file
/// so a waiter can say "held by user@host since T". The kernel drops the lock when the process
/// dies, however it dies, so a killed agent never leaves the board locked.
///
/// The file is opened without following symlinks (a symlink planted in /run/lock cannot
/// redirect the write), created world-readable and -writable so every user can lock it, and
/// opened without O_CREAT when it exists (fs.protected_regular refuses O_CREAT on another
/// user's file in a sticky directory).
final class BoardLock {
    struct Failure: Error, CustomStringConvertible {
        /// "board-busy" (timeout) or "lock-failed" (cannot open or lock the file).
        var code: String
        var description: String
    }

    /// What a holder writes into the lock file.
    struct Holder: Codable, Equatable {
        var holder: String
        var sinceUnixSeconds: Int64
        var pid: Int32
    }

    let path: String
    private let fd: Int32

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit {
        // Empty the note before unlocking so nobody reads a stale holder.
        _ = ftruncate(fd, 0)
        _ = flock(fd, LOCK_UN)
        close(fd)
    }

    /// Takes the lock, waiting up to `options.timeoutSeconds` (nil: for ever). `onWait` is
    /// called when waiting starts and every `reportEvery` seconds after; an error it throws
    /// (the host went away) ends the wait.
    static func acquire(
        _ options: LockOptions, reportEvery: Double = 5, onWait: (AgentMessage.LockWait) throws -> Void
    ) throws -> Result<BoardLock, Failure> {
        var options = options
        if options.path == LockOptions.defaultPath, access("/run/lock", F_OK) != 0 { options.path = LockOptions.fallbackPath }
        let fd: Int32
        switch open(options.path) {
        case .success(let f): fd = f
        case .failure(let failure): return .failure(failure)
        }
        let start = MonotonicClock.nanoseconds()
        var lastReport: UInt64?
        while true {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                let lock = BoardLock(path: options.path, fd: fd)
                lock.writeHolder(Holder(holder: options.holder, sinceUnixSeconds: Int64(time(nil)), pid: getpid()))
                return .success(lock)
            }
            let err = errno
            guard err == EWOULDBLOCK || err == EINTR else {
                close(fd)
                return .failure(Failure(code: "lock-failed", description: "cannot lock \(options.path): \(String(cString: strerror(err)))"))
            }
            let now = MonotonicClock.nanoseconds()
            let waited = Double(now - start) / 1e9
            let holder = readHolder(fd)
            if let timeout = options.timeoutSeconds, waited >= timeout {
                close(fd)
                return .failure(Failure(code: "board-busy", description: "board lock \(options.path) is \(describe(holder)); gave up after \(Int(timeout)) s"))
            }
            if lastReport.map({ Double(now - $0) / 1e9 >= reportEvery }) ?? true {
                lastReport = now
                do {
                    try onWait(.init(path: options.path, holder: holder?.holder, sinceUnixSeconds: holder?.sinceUnixSeconds, holderPid: holder?.pid))
                } catch {
                    close(fd)
                    throw error
                }
            }
            MonotonicClock.sleep(seconds: 0.1)
        }
    }

    static func describe(_ holder: Holder?) -> String {
        guard let h = holder else { return "held by another process" }
        return "held by \(h.holder) (pid \(h.pid)) since \(h.sinceUnixSeconds)"
    }

    private static func open(_ path: String) -> Result<Int32, Failure> {
        func failure(_ what: String, _ err: Int32) -> Result<Int32, Failure> {
            let hint =
                err == ELOOP
                ? "; it is a symbolic link, which BoardBench refuses to follow: remove it"
                : err == ENOENT ? "; create the directory or set lockPath in the device file" : ""
            return .failure(Failure(code: "lock-failed", description: "cannot \(what) the board lock \(path): \(String(cString: strerror(err)))\(hint)"))
        }
        for _ in 0..<8 {
            let existing = Glibc.open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
            if existing >= 0 { return checkRegular(existing, path) }
            guard errno == ENOENT else { return failure("open", errno) }
            let created = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
            if created >= 0 {
                // The umask narrowed the mode: every user of the board must be able to lock it.
                _ = fchmod(created, 0o666)
                return .success(created)
            }
            guard errno == EEXIST else { return failure("create", errno) }
            // Another process created it in between: open theirs.
        }
        return failure("open", EAGAIN)
    }

    private static func checkRegular(_ fd: Int32, _ path: String) -> Result<Int32, Failure> {
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return .failure(Failure(code: "lock-failed", description: "the board lock \(path) is not a regular file; remove it"))
        }
        return .success(fd)
    }

    private func writeHolder(_ holder: Holder) {
        guard var bytes = try? JSONEncoder().encode(holder) else { return }
        bytes.append(UInt8(ascii: "\n"))
        _ = ftruncate(fd, 0)
        // Best effort: the note only informs waiters; the flock is what excludes them.
        _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    private static func readHolder(_ fd: Int32) -> Holder? {
        var buffer = [UInt8](repeating: 0, count: 1024)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        return try? JSONDecoder().decode(Holder.self, from: Data(buffer[0..<n]))
    }
}
