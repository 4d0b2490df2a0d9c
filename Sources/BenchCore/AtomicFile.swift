#if canImport(Glibc)
    import Glibc
#endif

/// Replaces a file whole or not at all: the bytes go to a temporary file beside it, created
/// with the final mode and `O_EXCL | O_NOFOLLOW` (nothing someone else placed at that name, a
/// symlink included, is written through), flushed, renamed over the target, and the directory
/// flushed so the rename reaches the disk too. A reader sees the old file or the new one, never
/// a torn one; a failure (a full disk) leaves the old file untouched. Device files use mode
/// 0600 from creation: a write-then-chmod would leave hosts and key paths readable between the
/// two calls.
public enum AtomicFile {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        /// The file that was to be written.
        public var path: String
        /// The C library's text for what went wrong (`strerror`).
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    public static func write(_ bytes: some Collection<UInt8>, to path: String, mode: mode_t) throws(Failure) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = (directory == "/" ? "" : directory) + "/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(path: path, reason: "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var failure: Int32 = 0
        let contiguous = Array(bytes)
        contiguous.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += n
            }
        }
        // The open mode is subject to the umask: set exactly what was asked before the rename.
        if failure == 0 && fchmod(fd, mode) != 0 { failure = errno }
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)  // best effort: the file it would have replaced is untouched
            throw Failure(path: path, reason: String(cString: strerror(failure)))
        }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }
}
