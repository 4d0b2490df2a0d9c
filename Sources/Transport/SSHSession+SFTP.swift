import CLibSSH
import Foundation

extension SSHSession {
    public func upload(_ data: Data, to remotePath: String, mode: UInt32) throws(TransportError) {
        var source = DataChunkSource(data)
        try upload(from: &source, to: remotePath, mode: mode)
    }

    public func uploadFile(at localPath: String, to remotePath: String, mode: UInt32) throws(TransportError) {
        var source = try FileChunkSource(path: localPath, label: label)
        try upload(from: &source, to: remotePath, mode: mode)
    }

    /// Time allowed for the small helper commands (mkdir, mv) run around an upload.
    private var helperTimeout: Double { Double(max(10, endpoint.connectTimeoutSeconds * 3)) }

    /// Upload to a hidden sibling, then `mv -f` over exec: libssh 0.10's sftp_rename fails
    /// when the target exists, and mv's rename(2) replaces it atomically.
    private func upload(
        from source: inout some ChunkSource, to remotePath: String, mode: UInt32
    ) throws(TransportError) {
        guard let (directory, basename) = splitRemotePath(remotePath) else {
            throw .invalidArgument(label: label, reason: "upload target \(remotePath) names no file")
        }
        try runHelper(["mkdir", "-p", "--", directory], path: remotePath)
        let temporary = temporarySibling(directory: directory, basename: basename)

        guard let sftp = sftp_new(session) else { throw sftpError(nil, temporary, "cannot start SFTP") }
        defer { sftp_free(sftp) }
        guard sftp_init(sftp) == SSH_OK else { throw sftpError(sftp, temporary, "cannot start SFTP") }
        // `mv -f file dir` would move the upload *into* an existing directory instead of failing.
        if let attributes = sftp_stat(sftp, remotePath) {
            let isDirectory = attributes.pointee.type == UInt8(SSH_FILEXFER_TYPE_DIRECTORY)
            sftp_attributes_free(attributes)
            if isDirectory { throw .sftp(label: label, path: remotePath, reason: "the target is a directory") }
        }

        var file: sftp_file?
        do throws(TransportError) {
            // O_EXCL: never write through a file (or symlink) someone else placed at the temp name.
            file = sftp_open(sftp, temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            guard let handle = file else { throw sftpError(sftp, temporary, "cannot create") }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: uploadChunkSize, alignment: 16)
            defer { buffer.deallocate() }
            while true {
                let count = try source.read(into: buffer)
                if count == 0 { break }
                try write(handle, buffer.baseAddress!, count, sftp: sftp, path: temporary, target: remotePath)
            }
            file = nil
            // sftp_close frees the handle even when it reports an error.
            guard sftp_close(handle) == SSH_OK else { throw writeFailure(sftp, temporary, target: remotePath, needed: 1, "cannot close") }
            // chmod after writing: the open mode is subject to the server's umask.
            guard sftp_chmod(sftp, temporary, mode_t(mode)) == SSH_OK else {
                throw sftpError(sftp, temporary, "cannot chmod to \(String(mode, radix: 8))")
            }
            try runHelper(["mv", "-f", "--", temporary, remotePath], path: remotePath)
        } catch {
            if let handle = file { _ = sftp_close(handle) }
            // Best-effort cleanup: the original error is what the caller needs to see.
            _ = sftp_unlink(sftp, temporary)
            throw error
        }
    }

    private func write(
        _ handle: sftp_file, _ bytes: UnsafeMutableRawPointer, _ count: Int, sftp: sftp_session, path: String, target: String
    ) throws(TransportError) {
        var done = 0
        while done < count {
            let written = sftp_write(handle, bytes + done, count - done)
            guard written > 0 else { throw writeFailure(sftp, path, target: target, needed: count - done, "cannot write") }
            done += written
        }
    }

    /// A write (or close) of the upload to `target` failed. SFTP v3 has no status for a full
    /// disk: OpenSSH's sftp-server answers ENOSPC with its generic failure. So on that status
    /// the filesystem is asked (statvfs@openssh.com) and, with less room than the write needed,
    /// the error says the disk is full; otherwise it is the SFTP error as it came.
    private func writeFailure(_ sftp: sftp_session, _ path: String, target: String, needed: Int, _ what: String) -> TransportError {
        let generic = sftp_get_error(sftp) == SSH_FX_FAILURE
        let error = sftpError(sftp, path, what)
        guard generic, let (directory, _) = splitRemotePath(target), let stats = sftp_statvfs(sftp, directory) else { return error }
        defer { sftp_statvfs_free(stats) }
        let (product, overflow) = stats.pointee.f_bavail.multipliedReportingOverflow(by: stats.pointee.f_frsize)
        let available = overflow ? Int64.max : Int64(clamping: product)
        return available < needed ? .diskFull(label: label, path: target, availableBytes: available) : error
    }

    private func runHelper(_ argv: [String], path: String) throws(TransportError) {
        let result = try run(argv, stdin: nil, timeoutSeconds: helperTimeout)
        guard result.exitStatus == 0 else {
            let message = String(decoding: result.stderr, as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if message.contains("No space left on device") { throw .diskFull(label: label, path: path, availableBytes: nil) }
            throw .sftp(
                label: label, path: path,
                reason: "`\(argv[0])` exited with \(result.exitStatus)\(message.isEmpty ? "" : ": " + message)")
        }
    }

    private func sftpError(_ sftp: sftp_session?, _ path: String, _ what: String) -> TransportError {
        var reason = what
        if let sftp {
            let code = sftp_get_error(sftp)
            if code != SSH_FX_OK { reason += ": " + sftpStatusText(code) }
        }
        let sshText = Self.errorText(session)
        if sshText != "unknown libssh error" { reason += " (\(sshText))" }
        return .sftp(label: label, path: path, reason: reason)
    }
}

private func sftpStatusText(_ code: Int32) -> String {
    switch code {
    case SSH_FX_EOF: return "unexpected end of file"
    case SSH_FX_NO_SUCH_FILE: return "no such file"
    case SSH_FX_PERMISSION_DENIED: return "permission denied"
    case SSH_FX_FAILURE: return "generic failure (often a full disk)"
    case SSH_FX_BAD_MESSAGE: return "bad message"
    case SSH_FX_NO_CONNECTION: return "no connection"
    case SSH_FX_CONNECTION_LOST: return "connection lost"
    case SSH_FX_OP_UNSUPPORTED: return "operation unsupported"
    case SSH_FX_NO_SUCH_PATH: return "no such path"
    case SSH_FX_FILE_ALREADY_EXISTS: return "file already exists"
    case SSH_FX_WRITE_PROTECT: return "write-protected filesystem"
    case SSH_FX_NO_MEDIA: return "no media"
    default: return "SFTP status \(code)"
    }
}
