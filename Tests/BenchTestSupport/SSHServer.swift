import Foundation

/// A real OpenSSH sshd on 127.0.0.1 with throwaway keys, for transport tests.
/// Everything lives in a private temp directory that `deinit` removes.
public final class SSHServer: @unchecked Sendable {  // mutable state is guarded by `lock`
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let name: String
    public let port: Int
    /// The user tests log in as: whoever runs the tests (sshd here only accepts root's own keys).
    public let user: String
    public let clientKeyPath: String
    /// A valid key that is not in authorized_keys.
    public let wrongClientKeyPath: String
    /// Scratch directory for tests to upload into.
    public let workdir: String
    public let directory: String

    private let configPath: String
    private let hostKeyPath: String
    private let logPath: String
    private let lock = NSLock()
    private var pid: pid_t?

    public static let sshdPath = "/usr/sbin/sshd"
    public static let sshKeygenPath = "/usr/bin/ssh-keygen"
    static let sftpServerPath = "/usr/lib/openssh/sftp-server"

    /// Why the fixture cannot run here, or nil. Tests print it when they skip.
    public static var unavailableReason: String? {
        let fm = FileManager.default
        if !fm.isExecutableFile(atPath: sshdPath) { return "\(sshdPath) is missing (apt-get install openssh-server)" }
        if !fm.isExecutableFile(atPath: sshKeygenPath) { return "\(sshKeygenPath) is missing (apt-get install openssh-client)" }
        if !fm.isExecutableFile(atPath: sftpServerPath) { return "\(sftpServerPath) is missing (apt-get install openssh-sftp-server)" }
        // sshd needs root to switch to the logged-in user and to use privilege separation.
        if getuid() != 0 { return "sshd fixture needs root (uid is \(getuid()))" }
        return nil
    }

    /// Shell commands run as root in a mount namespace of this board's own before sshd starts
    /// in it (`$BOARD` is `directory`, whose `work/` is `workdir`), or nil to share the machine's mounts. Everything the board runs over SSH sees the
    /// namespace, so a library can be hidden (a bind mount over its directory) or the workdir made
    /// read-only without touching the machine the other tests use.
    public let privateMounts: String?

    public init(name: String = "board", privateMounts: String? = nil) throws {
        if let reason = Self.unavailableReason { throw Failure(description: reason) }
        self.name = name
        self.privateMounts = privateMounts
        let fm = FileManager.default
        directory = fm.temporaryDirectory.appendingPathComponent("sshserver-\(name)-\(UUID().uuidString)").path
        workdir = directory + "/work"
        configPath = directory + "/sshd_config"
        hostKeyPath = directory + "/hostkey"
        logPath = directory + "/sshd.log"
        clientKeyPath = directory + "/client_key"
        wrongClientKeyPath = directory + "/wrong_client_key"
        user = SSHDaemon.currentUserName()
        try fm.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        port = try Self.freePort()
        do {
            try SSHDaemon.ensurePrivilegeSeparationDirectory()
            try SSHDaemon.generateKey(at: hostKeyPath)
            try SSHDaemon.generateKey(at: clientKeyPath)
            try SSHDaemon.generateKey(at: wrongClientKeyPath)
            try fm.copyItem(atPath: clientKeyPath + ".pub", toPath: directory + "/authorized_keys")
            try writeConfig()
            try start()
        } catch {
            stop()
            try? fm.removeItem(atPath: directory)  // cleanup on a path that already failed
            throw error
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)  // nothing to report to from deinit
    }

    /// "SHA256:..." as `ssh-keygen -l -E sha256` prints it for the current host key.
    public var hostKeyFingerprint: String {
        get throws {
            try SSHDaemon.fingerprint(publicKeyPath: hostKeyPath + ".pub")
        }
    }

    /// Replaces the host key (as a reinstalled board would) and restarts sshd on the same port.
    public func rotateHostKey() throws {
        stop()
        let fm = FileManager.default
        try fm.removeItem(atPath: hostKeyPath)
        try fm.removeItem(atPath: hostKeyPath + ".pub")
        try SSHDaemon.generateKey(at: hostKeyPath)
        try start()
    }

    /// Starts sshd again after `stop()`, on the same port with the same keys (a board back online).
    public func restart() throws {
        stop()
        try start()
    }

    /// Kills sshd and its per-connection processes with SIGKILL, as a crashed sshd or a reboot
    /// would: open connections drop at once, where `stop()` leaves them (and the commands they
    /// run) alive. With `commandsToo` the sessions' commands (an agent) die as well, as in a
    /// reboot; otherwise they are left running, orphaned. `restart()` brings sshd back.
    public func crash(commandsToo: Bool) {
        lock.lock()
        let running = pid
        pid = nil
        lock.unlock()
        guard let running else { return }
        // Stop the tree first so nothing forks a process the kill would miss.
        let tree = ProcessTree.stopDescendants(of: running) { commandsToo || $0 == "sshd" }
        for member in tree { kill(member, SIGKILL) }
        kill(running, SIGKILL)
        Spawn.wait(running)
    }

    /// Kills sshd and waits for it; safe to call repeatedly.
    public func stop() {
        lock.lock()
        let running = pid
        pid = nil
        lock.unlock()
        guard let running else { return }
        kill(running, SIGTERM)
        Spawn.wait(running)
    }

    // MARK: - Internals

    private func writeConfig() throws {
        let config = SSHDaemon.config(port: port, listenAddress: "127.0.0.1", hostKeyPath: hostKeyPath, directory: directory)
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    private func start() throws {
        // -D: stay in the foreground as our child; -e: errors to the log instead of syslog.
        let arguments = ["-D", "-e", "-f", configPath]
        // unshare execs its command, and sh execs sshd: the pid is still sshd's.
        let sshd =
            if let privateMounts {
                try Spawn.start(
                    "/usr/bin/unshare",
                    [
                        "--mount", "--propagation", "private", "/bin/sh", "-ec",
                        "BOARD=\(ShellQuote.single(directory))\n\(privateMounts)\nexec \"$0\" \"$@\"", Self.sshdPath,
                    ] + arguments,
                    outputPath: logPath)
            } else {
                try Spawn.start(Self.sshdPath, arguments, outputPath: logPath)
            }
        lock.lock()
        pid = sshd
        lock.unlock()

        switch SSHDaemon.waitUntilListening(sshd, address: "127.0.0.1", port: port, seconds: 10) {
        case .listening:
            return
        case .exited(let status):
            lock.lock()
            pid = nil
            lock.unlock()
            throw Failure(description: "sshd exited with status \(status) on port \(port): \(SSHDaemon.logText(logPath))")
        case .timedOut:
            stop()
            throw Failure(description: "sshd did not accept connections on 127.0.0.1:\(port) within 10 s: \(SSHDaemon.logText(logPath))")
        }
    }

    /// Binds port 0 to let the kernel pick a free port. Another process could take it before
    /// sshd binds; `start` then fails loudly with sshd's "Address already in use".
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket(): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = SSHDaemon.socketAddress(0x7f00_0001, port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw Failure(description: "bind(): \(String(cString: strerror(errno)))") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw Failure(description: "getsockname(): \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// What the sshd fixtures (`SSHServer` on loopback, `NetnsBoard` in a network namespace) share:
/// keys, configuration, waiting for the daemon to listen.
enum SSHDaemon {
    /// sshd_config for a daemon that accepts only the keys in `directory`/authorized_keys.
    static func config(port: Int, listenAddress: String, hostKeyPath: String, directory: String) -> String {
        """
        Port \(port)
        ListenAddress \(listenAddress)
        HostKey \(hostKeyPath)
        PidFile \(directory)/sshd.pid
        AuthorizedKeysFile \(directory)/authorized_keys
        StrictModes no
        UsePAM no
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        PubkeyAuthentication yes
        PermitRootLogin prohibit-password
        LogLevel ERROR
        MaxStartups 100
        MaxSessions 100
        Subsystem sftp \(SSHServer.sftpServerPath)

        """
    }

    /// "SHA256:..." as `ssh-keygen -l -E sha256` prints it for the public key at `path`.
    static func fingerprint(publicKeyPath path: String) throws -> String {
        let output = try Spawn.run(SSHServer.sshKeygenPath, ["-l", "-E", "sha256", "-f", path])
        let fields = output.split(separator: " ")
        guard fields.count >= 2, fields[1].hasPrefix("SHA256:") else {
            throw SSHServer.Failure(description: "unexpected ssh-keygen -l output: \(output)")
        }
        return String(fields[1])
    }

    enum ListenOutcome {
        case listening
        /// The daemon exited (and was reaped) with this status.
        case exited(Int32)
        case timedOut
    }

    /// Polls until `pid` accepts TCP connections on `address`:`port`, exits, or `seconds` pass.
    static func waitUntilListening(_ pid: pid_t, address: String, port: Int, seconds: Double) -> ListenOutcome {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let status = Spawn.poll(pid) { return .exited(status) }
            if acceptsTCP(address: address, port: port) { return .listening }
            usleep(20_000)
        }
        return .timedOut
    }

    static func logText(_ path: String) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            return "(sshd log \(path) unreadable: \(error))"
        }
    }

    static func ensurePrivilegeSeparationDirectory() throws {
        let path = "/run/sshd"
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        // Concurrent fixtures may race to create it; an existing directory is success.
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw SSHServer.Failure(description: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func generateKey(at path: String) throws {
        _ = try Spawn.run(SSHServer.sshKeygenPath, ["-q", "-t", "ed25519", "-N", "", "-C", "boardbench-test", "-f", path])
    }

    static func currentUserName() -> String {
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "root"
    }

    /// Whether a TCP connection to `address` (dotted IPv4) opens within a second. The bound
    /// matters off loopback: a SYN into a link that is down would otherwise wait minutes.
    static func acceptsTCP(address: String, port: Int) -> Bool {
        guard let host = ipv4(address) else { return false }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var limit = timeval(tv_sec: 1, tv_usec: 0)  // SO_SNDTIMEO bounds connect() on Linux
        guard setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size)) == 0 else { return false }
        var socketAddress = socketAddress(host, port: port)
        let connected = withUnsafeMutablePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return connected == 0
    }

    /// A dotted IPv4 address as a host-order number, or nil when it is not one.
    static func ipv4(_ text: String) -> UInt32? {
        var parsed = in_addr()
        guard inet_pton(AF_INET, text, &parsed) == 1 else { return nil }
        return UInt32(bigEndian: parsed.s_addr)
    }

    static func socketAddress(_ host: UInt32, port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = host.bigEndian
        return address
    }
}

/// POSIX single quoting for the fixture's own shell snippets.
enum ShellQuote {
    static func single(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
