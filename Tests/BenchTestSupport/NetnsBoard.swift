import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A board behind a network link a test can cut: a network namespace joined to the root
/// namespace by a veth pair (a random /30 in 10.200.0.0/16), with a real OpenSSH sshd listening
/// inside on the board's address, with throwaway keys as `SSHServer` has. Processes started over
/// SSH run inside the namespace but share the filesystem, so `workdir` is an ordinary directory.
///
/// `cut()` takes the board's end of the link down: packets vanish without FIN or RST, as when a
/// board's cable is pulled. (Taking the root namespace's end down instead would remove the
/// route to the board, and packets would follow the default route to whatever answers there.)
/// `deinit` kills whatever still runs in the namespace and deletes the namespace and the veth pair.
public final class NetnsBoard: @unchecked Sendable {  // mutable state is guarded by `lock`
    public typealias Failure = SSHServer.Failure

    public let name: String
    /// The network namespace, "bb-" and eight hex digits.
    public let namespace: String
    /// The board's address (inside the namespace), what `device enrol --host` takes.
    public let host: String
    public let port = 22
    /// The user tests log in as: whoever runs the tests (root, as namespaces need).
    public let user: String
    public let clientKeyPath: String
    /// Scratch directory for the board's workdirs.
    public let workdir: String
    public let directory: String

    private let link: Link
    private let configPath: String
    private let hostKeyPath: String
    private let logPath: String
    private let lock = NSLock()
    private var pid: pid_t?

    /// Why the fixture cannot run here, or nil. Tests print it when they skip.
    public static var unavailableReason: String? { probedReason }

    /// Found once: the probe creates and deletes a namespace and a veth pair.
    private static let probedReason: String? = probe()

    public init(name: String = "board") throws {
        if let reason = Self.unavailableReason { throw Failure(description: reason) }
        self.name = name
        let fm = FileManager.default
        directory = fm.temporaryDirectory.appendingPathComponent("netnsboard-\(name)-\(UUID().uuidString)").path
        workdir = directory + "/work"
        configPath = directory + "/sshd_config"
        hostKeyPath = directory + "/hostkey"
        logPath = directory + "/sshd.log"
        clientKeyPath = directory + "/client_key"
        user = SSHDaemon.currentUserName()
        try fm.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        do {
            link = try Link.create()
        } catch {
            try? fm.removeItem(atPath: directory)  // cleanup on a path that already failed
            throw error
        }
        namespace = link.namespace
        host = link.boardAddress
        do {
            try SSHDaemon.ensurePrivilegeSeparationDirectory()
            try SSHDaemon.generateKey(at: hostKeyPath)
            try SSHDaemon.generateKey(at: clientKeyPath)
            try fm.copyItem(atPath: clientKeyPath + ".pub", toPath: directory + "/authorized_keys")
            try SSHDaemon.config(port: port, listenAddress: host, hostKeyPath: hostKeyPath, directory: directory)
                .write(toFile: configPath, atomically: true, encoding: .utf8)
            try start()
        } catch {
            tearDown()
            throw error
        }
    }

    deinit {
        tearDown()
    }

    /// "SHA256:..." as `ssh-keygen -l -E sha256` prints it for the host key.
    public var hostKeyFingerprint: String {
        get throws { try SSHDaemon.fingerprint(publicKeyPath: hostKeyPath + ".pub") }
    }

    /// Drops the link: from now on every packet between the host and the board is lost, with
    /// no FIN or RST to tell either side of an open connection; new connections time out, or
    /// fail with "No route to host" once address resolution gives up.
    public func cut() throws {
        try Self.ip(["-n", link.namespace, "link", "set", link.boardInterface, "down"])
    }

    /// Brings the link back and returns once sshd accepts connections again (10 s at most).
    public func restore() throws {
        try Self.ip(["-n", link.namespace, "link", "set", link.boardInterface, "up"])
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if SSHDaemon.acceptsTCP(address: host, port: port) { return }
            usleep(50_000)
        }
        throw Failure(description: "sshd on \(host):\(port) is not reachable 10 s after the link came back up")
    }

    // MARK: - Internals

    private func start() throws {
        guard let ipPath = Self.ipPath else { throw Failure(description: "ip is missing (apt-get install iproute2)") }
        // `ip netns exec` execs sshd, so the pid is sshd's. -D: foreground; -e: errors to the log.
        let sshd = try Spawn.start(ipPath, ["netns", "exec", link.namespace, SSHServer.sshdPath, "-D", "-e", "-f", configPath], outputPath: logPath)
        lock.withLock { pid = sshd }
        switch SSHDaemon.waitUntilListening(sshd, address: host, port: port, seconds: 10) {
        case .listening:
            return
        case .exited(let status):
            lock.withLock { pid = nil }
            throw Failure(description: "sshd exited with status \(status) in namespace \(namespace): \(SSHDaemon.logText(logPath))")
        case .timedOut:
            throw Failure(description: "sshd did not accept connections on \(host):\(port) within 10 s: \(SSHDaemon.logText(logPath))")
        }
    }

    /// Kills sshd and everything it started in the namespace (sessions, agents), deletes the
    /// veth pair and the namespace, removes the directory. Failures are printed: a leftover
    /// namespace or interface must not go unnoticed.
    private func tearDown() {
        let running = lock.withLock {
            defer { pid = nil }
            return pid
        }
        if let running {
            kill(running, SIGTERM)
            Spawn.wait(running)
        }
        var problems: [String] = []
        do {
            // Only our sshd's descendants live in this namespace.
            let pids = try Self.ip(["netns", "pids", link.namespace]).split(whereSeparator: \.isWhitespace).compactMap { pid_t($0) }
            for p in pids { kill(p, SIGKILL) }
        } catch {
            problems.append("\(error)")
        }
        // Deleting one end deletes the pair, even while the namespace lingers.
        if FileManager.default.fileExists(atPath: "/sys/class/net/\(link.hostInterface)") {
            do { try Self.ip(["link", "delete", link.hostInterface]) } catch { problems.append("\(error)") }
        }
        do { try Self.ip(["netns", "delete", link.namespace]) } catch { problems.append("\(error)") }
        do { try FileManager.default.removeItem(atPath: directory) } catch { problems.append("\(error)") }
        if !problems.isEmpty {
            FileHandle.standardError.write(Data("NetnsBoard \(name): cleanup failed: \(problems.joined(separator: "; "))\n".utf8))
        }
    }

    static let ipPath: String? = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @discardableResult
    static func ip(_ arguments: [String]) throws -> String {
        guard let path = ipPath else { throw Failure(description: "ip is missing (apt-get install iproute2)") }
        return try Spawn.run(path, arguments)
    }

    private static func probe() -> String? {
        if getuid() != 0 { return "network namespaces need root (uid is \(getuid()))" }
        guard let ipPath else { return "ip is missing (apt-get install iproute2)" }
        if let reason = SSHServer.unavailableReason { return reason }
        let token = Link.randomToken()
        let namespace = "bb-\(token)"
        defer {
            // The probe's own namespace and veth; a failure here is reported by the steps above.
            _ = try? ip(["link", "delete", "bbp-\(token)"])
            _ = try? ip(["netns", "delete", namespace])
        }
        do {
            try ip(["netns", "add", namespace])
            try ip(["link", "add", "bbp-\(token)", "type", "veth", "peer", "name", "bbq-\(token)"])
            try ip(["link", "set", "bbq-\(token)", "netns", namespace])
            try ip(["netns", "exec", namespace, ipPath, "link", "set", "lo", "up"])
        } catch {
            return "cannot create a network namespace with a veth pair: \(error)"
        }
        return nil
    }
}

/// The namespace, the veth pair and the /30 between them.
private struct Link {
    var namespace: String
    var hostInterface: String
    var boardInterface: String
    var hostAddress: String
    var boardAddress: String

    static let lockPath = "/tmp/boardbench-netns.lock"

    static func randomToken() -> String { String(format: "%08x", UInt32.random(in: .min ... .max)) }

    /// Picks a random /30 in 10.200.0.0/16 that no route or address of the root namespace
    /// overlaps, and sets up the namespace and veth pair on it. The choice is made under a file
    /// lock so concurrent fixtures (other test processes) never take the same /30.
    static func create() throws -> Link {
        let fd = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw NetnsBoard.Failure(description: "cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw NetnsBoard.Failure(description: "cannot lock \(lockPath): \(String(cString: strerror(errno)))") }
        }
        let taken = try usedPrefixes()
        for _ in 0..<64 {
            let subnet = (UInt32(10) << 24) | (UInt32(200) << 16) | (UInt32.random(in: 0...255) << 8) | (UInt32.random(in: 0...63) * 4)
            guard !taken.contains(where: { overlaps($0, (subnet, 30)) }) else { continue }
            let token = randomToken()
            guard !FileManager.default.fileExists(atPath: "/run/netns/bb-\(token)") else { continue }
            let link = Link(
                namespace: "bb-\(token)", hostInterface: "bbh-\(token)", boardInterface: "bbb-\(token)", hostAddress: dotted(subnet + 1),
                boardAddress: dotted(subnet + 2))
            try link.configure()
            return link
        }
        throw NetnsBoard.Failure(description: "no free /30 in 10.200.0.0/16 after 64 tries; routes in use: \(taken.map { "\(dotted($0.0))/\($0.1)" })")
    }

    /// Creates the namespace and the pair, addresses both ends and brings them (and the
    /// namespace's loopback) up; undoes what it did if a step fails.
    private func configure() throws {
        try NetnsBoard.ip(["netns", "add", namespace])
        do {
            try NetnsBoard.ip(["link", "add", hostInterface, "type", "veth", "peer", "name", boardInterface])
            try NetnsBoard.ip(["link", "set", boardInterface, "netns", namespace])
            try NetnsBoard.ip(["address", "add", "\(hostAddress)/30", "dev", hostInterface])
            try NetnsBoard.ip(["link", "set", hostInterface, "up"])
            try NetnsBoard.ip(["-n", namespace, "address", "add", "\(boardAddress)/30", "dev", boardInterface])
            try NetnsBoard.ip(["-n", namespace, "link", "set", boardInterface, "up"])
            try NetnsBoard.ip(["-n", namespace, "link", "set", "lo", "up"])
        } catch {
            _ = try? NetnsBoard.ip(["link", "delete", hostInterface])  // may not exist yet; the step's error is what counts
            _ = try? NetnsBoard.ip(["netns", "delete", namespace])
            throw error
        }
    }

    /// Every destination in the root namespace's routing tables (local addresses included)
    /// longer than /16: shorter ones (a default route, a VPN's 10.0.0.0/8) lose to our /30.
    private static func usedPrefixes() throws -> [(UInt32, Int)] {
        let types: Set<Substring> = ["local", "broadcast", "unicast", "anycast", "multicast", "blackhole", "unreachable", "prohibit", "throw", "nat"]
        return try NetnsBoard.ip(["-4", "route", "show", "table", "all"]).split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard let first = fields.first else { return nil }
            let destination = types.contains(first) && fields.count > 1 ? fields[1] : first
            let parts = destination.split(separator: "/")
            guard let address = SSHDaemon.ipv4(String(parts[0])) else { return nil }
            let length = parts.count > 1 ? Int(parts[1]) ?? 32 : 32
            return length > 16 ? (address, length) : nil
        }
    }

    private static func overlaps(_ a: (UInt32, Int), _ b: (UInt32, Int)) -> Bool {
        let length = min(a.1, b.1)
        guard length > 0 else { return true }
        let shift = UInt32(32 - length)
        return a.0 >> shift == b.0 >> shift
    }

    private static func dotted(_ address: UInt32) -> String {
        "\(address >> 24).\((address >> 16) & 0xff).\((address >> 8) & 0xff).\(address & 0xff)"
    }
}
