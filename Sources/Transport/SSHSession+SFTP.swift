import CLibSSH
import Foundation

extension SSHSession {
    public func upload(_ data: Data, to remotePath: String, mode: UInt32) throws(TransportError) {
        _ = try upload([(DataChunkSource(data), remotePath, mode, nil)])
    }

    public func uploadFile(at localPath: String, to remotePath: String, mode: UInt32) throws(TransportError) {
        _ = try upload([(try FileChunkSource(path: localPath, label: label), remotePath, mode, nil)])
    }

    /// Every file in one SFTP session. In the usual case (directories exist, targets do not) the
    /// SFTP requests are all there is: no command runs on the board, and each command costs a
    /// login shell there (`~/.bashrc` with pyenv, conda or ROS set-up can take 100 ms and more).
    /// A session and two commands per file had cost about half a second per plan on loopback
    /// (docs/performance.md).
    @discardableResult
    public func uploadAll(_ files: [UploadFile]) throws(TransportError) -> Int {
        try upload(files.map { (DataChunkSource($0.data), $0.remotePath, $0.mode, $0.keepSameSize ? $0.data.count : nil) })
    }

    /// Time allowed for the small helper commands (mkdir, mv) run around an upload.
    private var helperTimeout: Double { Double(max(10, endpoint.connectTimeoutSeconds * 3)) }

    /// Each file goes to a hidden sibling, then takes its target's name. A target that did not
    /// exist gets it by `sftp_rename` (OpenSSH links the new name, so a file that appeared
    /// meanwhile makes it fail rather than be replaced); a target that exists, or appeared, is
    /// replaced by `mv -f` over exec, because libssh 0.10's sftp_rename cannot replace and mv's
    /// rename(2) does so atomically. Missing directories are made with one `mkdir -p`.
    /// On failure the temporaries are removed best-effort; targets already in place stay.
    /// `keepSize`: an existing regular target of that many bytes is left as it is.
    private func upload(_ files: [(source: any ChunkSource, remotePath: String, mode: UInt32, keepSize: Int?)]) throws(TransportError) -> Int {
        guard let first = files.first else { return 0 }
        var targets: [(directory: String, basename: String)] = []
        var directories: [String] = []
        for file in files {
            guard let target = splitRemotePath(file.remotePath) else {
                throw .invalidArgument(label: label, reason: "upload target \(file.remotePath) names no file")
            }
            targets.append(target)
            if !directories.contains(target.directory) { directories.append(target.directory) }
        }

        guard let sftp = sftp_new(session) else { throw sftpError(nil, first.remotePath, "cannot start SFTP") }
        defer { sftp_free(sftp) }
        guard sftp_init(sftp) == SSH_OK else { throw sftpError(sftp, first.remotePath, "cannot start SFTP") }
        let missing = directories.filter { !makeDirectories(sftp, $0) }
        for batch in argumentBatches(missing) { try runHelper(["mkdir", "-p", "--"] + batch, path: first.remotePath) }
        var staged: [String] = []
        var kept = 0
        do throws(TransportError) {
            var moves: [String] = []
            for (i, file) in files.enumerated() {
                let temporary = temporarySibling(directory: targets[i].directory, basename: targets[i].basename)
                var source = file.source
                let existing = kind(sftp, file.remotePath)
                // `mv -f file dir` would move the upload *into* an existing directory instead of failing.
                if existing == .directory { throw .sftp(label: label, path: file.remotePath, reason: "the target is a directory") }
                if let size = file.keepSize, existing == .file(size: size) {
                    kept += 1
                    continue
                }
                try writeTemporary(sftp, from: &source, to: temporary, target: file.remotePath, mode: file.mode) { staged.append(temporary) }
                if existing == nil && sftp_rename(sftp, temporary, file.remotePath) == SSH_OK {
                    staged.removeLast()
                } else {
                    moves += [temporary, file.remotePath]
                }
            }
            // Pairs of (temporary, target); each `mv -f` replaces its target atomically.
            let script = #"while [ "$#" -ge 2 ]; do mv -f -- "$1" "$2" || exit 1; shift 2; done"#
            for batch in argumentBatches(moves, unit: 2) { try runHelper(["sh", "-c", script, "mv"] + batch, path: first.remotePath) }
            return files.count - kept
        } catch {
            // Best-effort cleanup: the original error is what the caller needs to see.
            for temporary in staged { _ = sftp_unlink(sftp, temporary) }
            throw error
        }
    }

    private enum RemoteKind: Equatable {
        case directory
        case file(size: Int)
        case other
    }

    /// `mkdir -p` over SFTP: true when `path` is a directory afterwards. False sends the caller
    /// to the `mkdir -p` command, whose message says why (a file in the way, a full disk...).
    private func makeDirectories(_ sftp: sftp_session, _ path: String) -> Bool {
        if kind(sftp, path) == .directory { return true }
        guard path.hasPrefix("/"), let (parent, _) = splitRemotePath(path), parent != path else { return false }
        guard makeDirectories(sftp, parent) else { return false }
        return sftp_mkdir(sftp, path, 0o755) == SSH_OK || kind(sftp, path) == .directory
    }

    /// What `path` is on the board (following symlinks), or nil when nothing is there.
    private func kind(_ sftp: sftp_session, _ path: String) -> RemoteKind? {
        guard let attributes = sftp_stat(sftp, path) else { return nil }
        defer { sftp_attributes_free(attributes) }
        switch attributes.pointee.type {
        case UInt8(SSH_FILEXFER_TYPE_DIRECTORY): return .directory
        case UInt8(SSH_FILEXFER_TYPE_REGULAR): return .file(size: Int(clamping: attributes.pointee.size))
        default: return .other
        }
    }

    /// Writes one source to `temporary` (created with O_EXCL), then chmods it to `mode`;
    /// `created` runs once the file exists, so the caller can remove it on a later failure.
    private func writeTemporary(
        _ sftp: sftp_session, from source: inout any ChunkSource, to temporary: String, target: String, mode: UInt32, created: () -> Void
    ) throws(TransportError) {
        // O_EXCL: never write through a file (or symlink) someone else placed at the temp name.
        guard let handle = sftp_open(sftp, temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600) else {
            throw sftpError(sftp, temporary, "cannot create")
        }
        created()
        var open: sftp_file? = handle
        defer { if let open { _ = sftp_close(open) } }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: uploadChunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try source.read(into: buffer)
            if count == 0 { break }
            try write(handle, buffer.baseAddress!, count, sftp: sftp, path: temporary, target: target)
        }
        open = nil
        // sftp_close frees the handle even when it reports an error.
        guard sftp_close(handle) == SSH_OK else { throw writeFailure(sftp, temporary, target: target, needed: 1, "cannot close") }
        // chmod after writing: the open mode is subject to the server's umask.
        guard sftp_chmod(sftp, temporary, mode_t(mode)) == SSH_OK else {
            throw sftpError(sftp, temporary, "cannot chmod to \(String(mode, radix: 8))")
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
