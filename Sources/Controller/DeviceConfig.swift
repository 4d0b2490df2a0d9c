import BenchCore
import Foundation

/// A device as the user configured it (`Devices/NAME.yaml`). `facts` is owned by enrolment
/// and `device probe`; everything else is the user's and survives re-enrolment.
public struct DeviceConfig: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case ssh, local

        /// Names the values a device file may use instead of Swift's "Cannot initialize Kind".
        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            let raw = try container.decode(String.self)
            guard let kind = Kind(rawValue: raw) else {
                let expected = Self.allCases.map(\.rawValue).joined(separator: " or ")
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(raw.debugDescription) is not a transport; expected \(expected)")
            }
            self = kind
        }
    }

    public var name: String
    public var transport: Kind
    public var host: String?
    public var port: Int?
    public var user: String?
    /// Private key file; nil means ssh-agent, then the user's default keys.
    public var identity: String?
    /// Absolute directory on the device holding agents, plans and the result journal.
    public var workdir: String
    /// The directory standing for /sys on the device, or a fixture tree holding sys/, proc/
    /// and etc/ (tests); nil: the real one. docs/formats.md, "Device files".
    public var sysfsRoot: String?
    /// The directory standing for /proc; nil: proc/ of a fixture tree, else the real one.
    public var procRoot: String?
    /// Helper commands on the device; nil: found on PATH.
    public var vcgencmdPath: String?
    public var tegrastatsPath: String?
    /// The board descriptor (`Devices/boards/NAME.yaml` or built in); nil: guessed from the facts.
    public var board: String?
    /// The power rail, replacing the board descriptor's `energy:` block as a whole.
    public var energy: EnergyConfig?
    /// The board's lock file (flock), shared by every user and workdir of the board; nil:
    /// `DeviceConfig.defaultLockPath`. Give test boards on one machine their own.
    public var lockPath: String?
    /// How to reach a board behind a gateway, OpenSSH ProxyCommand style: run through `/bin/sh -c`
    /// on the host with `%h`, `%p` and `%r` replaced by host, port and user; its stdin/stdout
    /// carry the SSH stream (e.g. `ssh -W %h:%p gateway`).
    public var proxyCommand: String?
    /// The Python interpreter that has ONNX Runtime, for the `onnxruntime` runner; nil:
    /// `python3` on the PATH of a non-interactive SSH command, which sees neither pyenv shims
    /// nor an activated virtual environment: name the venv's `bin/python` here.
    public var pythonPath: String?
    /// Pinned SHA-256 host key fingerprint ("SHA256:..."), set at enrolment.
    public var hostKeyFingerprint: String?
    public var facts: DeviceFacts?

    public init(
        name: String, transport: Kind, host: String? = nil, port: Int? = nil, user: String? = nil, identity: String? = nil,
        workdir: String, sysfsRoot: String? = nil, hostKeyFingerprint: String? = nil, facts: DeviceFacts? = nil
    ) {
        self.name = name
        self.transport = transport
        self.host = host
        self.port = port
        self.user = user
        self.identity = identity
        self.workdir = workdir
        self.sysfsRoot = sysfsRoot
        self.hostKeyFingerprint = hostKeyFingerprint
        self.facts = facts
    }

    public static let defaultLockPath = LockOptions.defaultPath
    public var effectiveLockPath: String { lockPath ?? Self.defaultLockPath }

    /// The first problem that makes the configuration unusable, or nil.
    public func problem() -> String? {
        if !EntityName.isValid(name) { return "field name: \(name.debugDescription) must match \(EntityName.rule)" }
        if !workdir.hasPrefix("/") { return "field workdir: must be an absolute path, got \(workdir.debugDescription)" }
        // sha256sum escapes a path holding a backslash (and prefixes its hash with one), which
        // the agent guard and plan checks compare against.
        if workdir.contains("\n") || workdir.contains("\0") || workdir.contains("\\") {
            return "field workdir: must not contain newlines, NUL or backslashes"
        }
        if let problem = energy?.problem() { return "field energy: \(problem)" }
        if let l = lockPath, !l.hasPrefix("/") || l.contains("\n") || l.contains("\0") {
            return "field lockPath: must be an absolute path without newlines, got \(l.debugDescription)"
        }
        if let p = pythonPath, p.isEmpty || p.contains("\n") || p.contains("\0") {
            return "field pythonPath: must be a program name or path, got \(p.debugDescription)"
        }
        if let p = proxyCommand, p.trimmingCharacters(in: .whitespaces).isEmpty || p.contains("\n") {
            return "field proxyCommand: must be one non-empty line"
        }
        if transport == .ssh {
            if host?.isEmpty ?? true { return "field host: required for transport ssh" }
            if let p = port, !(1...65535).contains(p) { return "field port: must be 1...65535, got \(p)" }
        }
        return nil
    }

    /// Paths on the device (docs/architecture.md, "Remote layout").
    public func agentPath(version: String) -> String { "\(workdir)/agent/\(version)/boardbench-agent" }
    public func planPath(hash: String) -> String { "\(workdir)/models/\(hash).plan" }
    /// Where `model` lives on this device; nil for a model already there (never pushed).
    public func modelPath(_ model: CompiledModel) -> String? { model.fileName.map { "\(workdir)/models/\($0)" } }
}
