import Foundation

extension LocalTransport {
    public func upload(_ data: Data, to remotePath: String, mode: UInt32) throws(TransportError) {
        var source = DataChunkSource(data)
        try write(from: &source, to: remotePath, mode: mode)
    }

    public func uploadFile(at localPath: String, to remotePath: String, mode: UInt32) throws(TransportError) {
        var source = try FileChunkSource(path: localPath, label: label)
        try write(from: &source, to: remotePath, mode: mode)
    }

    /// Temp sibling + rename(2), so readers see either the old file or the complete new one.
    private func write(from source: inout some ChunkSource, to path: String, mode: UInt32) throws(TransportError) {
        guard let (directory, basename) = splitRemotePath(path) else {
            throw .invalidArgument(label: label, reason: "upload target \(path) names no file")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .sftp(label: label, path: path, reason: "cannot create \(directory): \(error.localizedDescription)")
        }
        let temporary = temporarySibling(directory: directory, basename: basename)
        // O_EXCL: never write through a file (or symlink) someone else placed at the temp name.
        var fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure(temporary, "cannot create", target: path) }
        do throws(TransportError) {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: uploadChunkSize, alignment: 16)
            defer { buffer.deallocate() }
            while true {
                let count = try source.read(into: buffer)
                if count == 0 { break }
                var done = 0
                while done < count {
                    let n = Glibc.write(fd, buffer.baseAddress! + done, count - done)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw failure(temporary, "cannot write", target: path) }
                    done += n
                }
            }
            // fchmod, not the open mode: that one is filtered by the umask.
            guard fchmod(fd, mode_t(mode)) == 0 else { throw failure(temporary, "cannot chmod", target: path) }
            let closed = close(fd)
            fd = -1
            guard closed == 0 else { throw failure(temporary, "cannot close", target: path) }
            guard rename(temporary, path) == 0 else { throw failure(path, "cannot rename \(temporary) to", target: path) }
        } catch {
            if fd >= 0 { close(fd) }
            // Best-effort cleanup: the original error is what the caller needs to see.
            unlink(temporary)
            throw error
        }
    }

    /// The failed operation on `path` (the temporary or the target); a full disk names the target.
    private func failure(_ path: String, _ what: String, target: String) -> TransportError {
        errno == ENOSPC
            ? .diskFull(label: label, path: target, availableBytes: nil)
            : .sftp(label: label, path: path, reason: "\(what) \(path): \(String(cString: strerror(errno)))")
    }
}
