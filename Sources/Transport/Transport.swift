import Foundation

/// Output of a command that ran to completion.
public struct CommandResult: Sendable, Equatable {
    /// Exit status of the command; 128 + signal number when it was killed by a signal.
    public var exitStatus: Int32
    public var stdout: Data
    public var stderr: Data

    public init(exitStatus: Int32, stdout: Data, stderr: Data) {
        self.exitStatus = exitStatus
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Outcome of `DeviceTransport.stream`: stdout went to the line callback.
public struct StreamOutcome: Sendable, Equatable {
    public var exitStatus: Int32
    public var stderr: Data

    public init(exitStatus: Int32, stderr: Data) {
        self.exitStatus = exitStatus
        self.stderr = stderr
    }
}

/// How the host reaches a device. One instance is used by one thread at a time.
public protocol DeviceTransport: AnyObject {
    /// Device name, used in error messages.
    var label: String { get }

    /// Runs argv on the device (each argument shell-quoted, so a remote shell never interprets it),
    /// feeds `stdin` if given (EOF follows it; with nil the command gets EOF at once) and collects output.
    /// `timeoutSeconds` bounds the whole call; on expiry the command is killed and `.timedOut` thrown.
    func run(_ argv: [String], stdin: Data?, timeoutSeconds: Double) throws(TransportError) -> CommandResult

    /// Runs argv, writes `stdin` then sends EOF, and calls `onLine` for each complete stdout line
    /// (without the "\n"; a final unterminated line is delivered at EOF) as it arrives.
    /// If no stdout byte arrives for `idleTimeoutSeconds`, the command is killed and `.timedOut` thrown.
    ///
    /// Errors: transport failures are thrown as `TransportError`. An error thrown by `onLine`
    /// stops the command (channel closed / child killed) and is rethrown unchanged, so callers
    /// can catch their own error types without unwrapping.
    func stream(
        _ argv: [String], stdin: Data, idleTimeoutSeconds: Double,
        onLine: (String) throws -> Void
    ) throws -> StreamOutcome

    /// Writes `data` to `remotePath` atomically: parent directories are created, the bytes go to
    /// `.<basename>.tmp-<random>` in the same directory, which is chmod-ed to `mode` and then
    /// moved over `remotePath`. On failure the temp file is removed best-effort.
    func upload(_ data: Data, to remotePath: String, mode: UInt32) throws(TransportError)

    /// Same as `upload(_:to:mode:)`, streaming the local file in chunks instead of loading it whole.
    func uploadFile(at localPath: String, to remotePath: String, mode: UInt32) throws(TransportError)

    /// `upload(_:to:mode:)` for each file, amortised where the transport can (one SFTP session,
    /// one mkdir, batched moves over SSH). Each file is still replaced atomically; on failure
    /// files already moved stay and the rest keep their old contents. Returns how many files
    /// were written (those left as they were under `keepSameSize` are not counted).
    @discardableResult
    func uploadAll(_ files: [UploadFile]) throws(TransportError) -> Int
}

/// One file of `uploadAll`.
public struct UploadFile: Sendable {
    public var data: Data
    public var remotePath: String
    public var mode: UInt32
    /// A hint for content-addressed files whose reader verifies them (plans): a transport may
    /// leave an existing target of the same size as it is instead of writing it again.
    public var keepSameSize: Bool

    public init(_ data: Data, to remotePath: String, mode: UInt32, keepSameSize: Bool = false) {
        self.data = data
        self.remotePath = remotePath
        self.mode = mode
        self.keepSameSize = keepSameSize
    }
}

extension DeviceTransport {
    /// One upload after another, for transports where each costs nothing extra.
    @discardableResult
    public func uploadAll(_ files: [UploadFile]) throws(TransportError) -> Int {
        for file in files { try upload(file.data, to: file.remotePath, mode: file.mode) }
        return files.count
    }

    /// `run` without stdin.
    public func run(_ argv: [String], timeoutSeconds: Double) throws(TransportError) -> CommandResult {
        try run(argv, stdin: nil, timeoutSeconds: timeoutSeconds)
    }
}

/// Where and as whom to reach a device over SSH.
public struct SSHEndpoint: Sendable, Equatable {
    public var label: String
    public var host: String
    public var port: Int
    public var user: String
    /// Private key file; nil means ssh-agent, then the default keys in ~/.ssh.
    public var identityFile: String?
    public var connectTimeoutSeconds: Int
    /// OpenSSH-style ProxyCommand reaching the board through a gateway; nil: connect directly.
    public var proxyCommand: String?

    public init(
        label: String, host: String, port: Int = 22, user: String,
        identityFile: String? = nil, connectTimeoutSeconds: Int = 10, proxyCommand: String? = nil
    ) {
        self.label = label
        self.host = host
        self.port = port
        self.user = user
        self.identityFile = identityFile
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.proxyCommand = proxyCommand
    }
}

/// What to accept as the device's host key. Fingerprints are "SHA256:<base64 without padding>",
/// exactly as `ssh-keygen -l -E sha256` prints them.
public enum HostKeyPolicy: Sendable, Equatable {
    /// Fingerprint pinned in the device file: must match, else `.hostKeyChanged`.
    case pinned(String)
    /// Trust on first use: accept any key; the caller pins `SSHSession.hostKeyFingerprint`.
    case acceptNew
    /// Fingerprint given by the user at enrolment: must match, else `.hostKeyMismatch`.
    case expect(String)
    /// Nothing pinned and nothing accepted: always throws `.hostKeyUnknown`.
    case refuseUnknown
}
