import BenchCore
import Foundation
import Transport

/// One finding of `boardbench device doctor`.
public struct DoctorCheck: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case pass, warn, fail
        /// Not examined because an earlier check failed (the reason says which).
        case skipped
    }

    /// Stable identifier, one of `Doctor.checkNames`.
    public var name: String
    public var status: Status
    /// One line: what was found.
    public var reason: String
    /// The exact command that fixes it, when there is one.
    public var fix: String?
    /// The exit status `device doctor` returns when this is the first failing check; nil means
    /// `configuration` (78). Connection, host-key and device-file failures keep their error's own.
    public var exitStatus: Int32?

    public init(_ name: String, _ status: Status, _ reason: String, fix: String? = nil, exitStatus: ExitStatus? = nil) {
        self.name = name
        self.status = status
        self.reason = reason
        self.fix = fix
        self.exitStatus = status == .fail ? (exitStatus ?? .configuration).rawValue : nil
    }
}

/// What `device doctor` found, in check order (docs/formats.md, "Device inventory").
public struct DoctorReport: Codable, Sendable, Equatable {
    public var device: String
    /// `fail` when any check failed, else `warn` when any warned, else `pass`.
    public var status: DoctorCheck.Status
    /// 0 when no check failed; else the first failing check's `exitStatus`.
    public var exitStatus: Int32
    public var checks: [DoctorCheck]

    public init(device: String, checks: [DoctorCheck]) {
        self.device = device
        self.checks = checks
        let failed = checks.first { $0.status == .fail }
        status = failed != nil ? .fail : (checks.contains { $0.status == .warn } ? .warn : .pass)
        exitStatus = failed.map { $0.exitStatus ?? ExitStatus.configuration.rawValue } ?? ExitStatus.success.rawValue
    }

    public func check(_ name: String) -> DoctorCheck? { checks.first { $0.name == name } }
}

/// `boardbench device doctor`: every check that decides whether a board can run benchmarks,
/// each independent of the others where the connection allows. Nothing is written to the
/// board and nothing is deployed.
public enum Doctor {
    public static let checkNames = [
        "device-file", "reachability", "host-key", "libraries", "glibc", "architecture", "agent", "disk", "perf-events",
        "sensors", "governor", "lock", "command-cost", "onnxruntime",
    ]

    /// Free space below which the workdir is a warning, and below which it fails.
    public static let warnBelowKiB: Int64 = 500 * 1024
    public static let failBelowKiB: Int64 = 50 * 1024
    /// A command that takes longer than this to start on the board gets a warning.
    public static let commandCostWarnMilliseconds = 100.0

    /// Runs every check on device `name`. `agentPath` is `--agent` (else `BOARDBENCH_AGENT`, else
    /// next to `boardbench`): the binary the board is compared with.
    public static func examine(_ name: String, workspace: Workspace, agentPath: String?) -> DoctorReport {
        var checks: [DoctorCheck] = []
        func skipRest(_ reason: String) -> DoctorReport {
            let done = Set(checks.map(\.name))
            let rest = checkNames.filter { !done.contains($0) }.map { DoctorCheck($0, .skipped, "not checked: \(reason)") }
            return DoctorReport(device: name, checks: checks + rest)
        }

        let config: DeviceConfig
        do {
            config = try DeviceFile.load(name, in: workspace)
        } catch {
            checks.append(DoctorCheck("device-file", .fail, error.description, exitStatus: error.exitStatus))
            return skipRest("no usable device file")
        }
        checks.append(DoctorCheck("device-file", .pass, "\(DeviceFile.relative(workspace.deviceFile(name), workspace)) is valid"))

        let connection = connect(config)
        checks += connection.checks
        guard let t = connection.transport else { return skipRest(connection.skipReason) }

        let binary = Result { () throws(ControllerError) in try AgentBinary.locate(explicit: agentPath) }
        checks += platform(t, config: config, binary: binary)
        let agent = agentCheck(t, config: config, binary: try? binary.get())
        checks.append(agent.check)
        checks.append(disk(t, workdir: config.workdir, name: name))
        let paths = Result { () throws(ControllerError) in try boardPaths(t, config: config) }
        checks.append(perfEvents(t, paths: paths))
        let facts = currentFacts(t, config: config, workspace: workspace, agentAnswers: agent.answers)
        checks.append(sensors(t, config: config, workspace: workspace, facts: facts, paths: paths))
        checks.append(governor(facts, name: name))
        checks.append(lock(t, path: config.effectiveLockPath, name: name))
        checks.append(commandCost(t))
        checks.append(onnxRuntime(t, config: config))
        return DoctorReport(device: name, checks: checks)
    }

    // MARK: - Connection

    struct Connection {
        var transport: (any DeviceTransport)?
        var checks: [DoctorCheck]
        var skipReason: String
    }

    /// Reachability and the host key from one connection attempt: libssh checks the key before it
    /// logs in, so a login failure still proves the key, and a changed key proves the host answered.
    static func connect(_ config: DeviceConfig) -> Connection {
        let name = config.name
        let target = "\(config.user ?? DeviceConnector.currentUser())@\(config.host ?? ""):\(config.port ?? 22)"
        do {
            let t = try DeviceConnector.connect(config)
            guard let ssh = t as? SSHSession else {
                return Connection(
                    transport: t,
                    checks: [
                        DoctorCheck("reachability", .pass, "local device: commands run on this machine"),
                        DoctorCheck("host-key", .skipped, "local device: no host key"),
                    ], skipReason: "")
            }
            return Connection(
                transport: t,
                checks: [
                    DoctorCheck("reachability", .pass, "logged in as \(target)"),
                    DoctorCheck("host-key", .pass, "matches the pinned \(ssh.hostKeyFingerprint)"),
                ], skipReason: "")
        } catch {
            let status = error.exitStatus
            guard case .transport(let e) = error else {
                return Connection(checks: [DoctorCheck("reachability", .fail, error.description, exitStatus: status)], skipReason: "no connection")
            }
            let enrol = "boardbench device enrol \(name) --accept-new-host-key"
            switch e {
            case .hostKeyChanged(_, let pinned, let actual), .hostKeyMismatch(_, let pinned, let actual):
                return Connection(
                    checks: [
                        DoctorCheck("reachability", .pass, "\(target) answers SSH"),
                        DoctorCheck(
                            "host-key", .fail,
                            "host key changed: pinned \(pinned), the board now shows \(actual); if the board was reinstalled, re-pin it (or use --host-key-fingerprint \(actual))",
                            fix: enrol, exitStatus: status),
                    ], skipReason: "the host key does not match the pinned one, so nothing was run on the board")
            case .hostKeyUnknown(_, let actual):
                return Connection(
                    checks: [
                        DoctorCheck("reachability", .pass, "\(target) answers SSH"),
                        DoctorCheck(
                            "host-key", .fail, "no fingerprint pinned in the device file; the board shows \(actual)",
                            fix: "boardbench device enrol \(name) --host-key-fingerprint \(actual)", exitStatus: status),
                    ], skipReason: "no host key is pinned, so nothing was run on the board")
            case .authenticationFailed:
                let fix = config.identity.map {
                    "ssh-copy-id -i \($0) -p \(config.port ?? 22) \(config.user ?? DeviceConnector.currentUser())@\(config.host ?? "")"
                }
                return Connection(
                    checks: [
                        DoctorCheck("reachability", .fail, e.description, fix: fix, exitStatus: status),
                        DoctorCheck("host-key", .pass, "matches the pinned \(config.hostKeyFingerprint ?? "fingerprint") (checked before the login)"),
                    ], skipReason: "the login failed")
            default:
                return Connection(
                    checks: [
                        DoctorCheck("reachability", .fail, e.description, exitStatus: status),
                        DoctorCheck("host-key", .skipped, "not checked: the board was not reached"),
                    ], skipReason: "the board was not reached")
            }
        }
    }

    // MARK: - Platform: libraries, glibc, architecture

    static func platform(_ t: any DeviceTransport, config: DeviceConfig, binary: Result<AgentBinary, ControllerError>) -> [DoctorCheck] {
        let report: PreflightReport
        do { report = try Preflight.inspect(t) } catch {
            return ["libraries", "glibc", "architecture"].map { DoctorCheck($0, .fail, error.description, exitStatus: error.exitStatus) }
        }
        return [libraries(report), glibc(report, binary: binary, name: config.name), architecture(report, binary: binary, name: config.name)]
    }

    static func libraries(_ report: PreflightReport) -> DoctorCheck {
        if report.missingLibraries.isEmpty {
            return DoctorCheck("libraries", .pass, "\(RequiredLibrary.agentLibraries.map(\.soname).joined(separator: ", ")) found")
        }
        return DoctorCheck(
            "libraries", .fail, "missing on the board: \(report.missingLibraries.map(\.soname).joined(separator: ", "))",
            fix: "sudo apt-get install \(report.missingLibraries.map(\.debianPackage).joined(separator: " "))")
    }

    static func glibc(_ report: PreflightReport, binary: Result<AgentBinary, ControllerError>, name: String) -> DoctorCheck {
        guard case .success(let agent) = binary else {
            return DoctorCheck("glibc", .skipped, "not checked: no agent executable on this host to compare with (see architecture)")
        }
        guard let board = report.glibc else {
            return DoctorCheck(
                "glibc", .warn,
                "`getconf GNU_LIBC_VERSION` failed: the board may not use glibc; the agent needs glibc \(agent.minimumGlibc.map { "\($0) or newer" } ?? "")")
        }
        guard let needed = agent.minimumGlibc else { return DoctorCheck("glibc", .pass, "glibc \(board); the agent names no minimum version") }
        if versionLess(board, needed) {
            return DoctorCheck("glibc", .fail, ControllerError.glibcTooOld(device: name, board: board, needed: needed).description)
        }
        return DoctorCheck("glibc", .pass, "glibc \(board); the agent needs \(needed) or newer")
    }

    static func architecture(_ report: PreflightReport, binary: Result<AgentBinary, ControllerError>, name: String) -> DoctorCheck {
        switch binary {
        case .failure(let error):
            return DoctorCheck("architecture", .fail, "board is \(report.architecture); \(error.description)", exitStatus: error.exitStatus)
        case .success(let agent) where agent.architecture != report.architecture:
            let e = ControllerError.agentArchitecture(device: name, board: report.architecture, agent: agent.architecture, path: agent.path)
            return DoctorCheck("architecture", .fail, e.description)
        case .success(let agent):
            return DoctorCheck("architecture", .pass, "\(report.architecture), as the agent at \(agent.path)")
        }
    }

    // MARK: - Agent

    /// The deployed agent of this version: present, starts, speaks this protocol, same bytes.
    static func agentCheck(_ t: any DeviceTransport, config: DeviceConfig, binary: AgentBinary?) -> (check: DoctorCheck, answers: Bool) {
        let version = BoardBenchVersion.current
        let path = config.agentPath(version: version)
        let deploy = "boardbench device probe \(config.name)"
        let present: CommandResult
        do { present = try t.run(["test", "-e", path], timeoutSeconds: 30) } catch {
            return (DoctorCheck("agent", .fail, error.description, exitStatus: error.exitStatus), false)
        }
        guard present.exitStatus == 0 else {
            return (DoctorCheck("agent", .warn, "agent \(version) not deployed yet; `boardbench run` or `device probe` deploys it", fix: deploy), false)
        }
        let client = AgentClient(transport: t, agentPath: path, probes: config.sensorPaths)
        guard let hello = client.version() else {
            let stderr = (try? t.run([path, "version"], timeoutSeconds: 60)).map { Preflight.text($0.stderr) } ?? ""
            return (
                DoctorCheck(
                    "agent", .fail, "\(path) does not start\(stderr.isEmpty ? "" : ": \(stderr.prefix(300))"); redeploying replaces a broken copy",
                    fix: deploy), false
            )
        }
        guard hello.agentVersion == version, hello.protocol == AgentProtocol.version else {
            return (
                DoctorCheck(
                    "agent", .warn,
                    "\(path) reports \(hello.agentVersion)/protocol \(hello.protocol), the host needs \(version)/protocol \(AgentProtocol.version); `boardbench run` or `device probe` redeploys it",
                    fix: deploy), false
            )
        }
        let answers = "agent \(version) at \(path) answers, protocol \(hello.protocol)"
        guard let binary else { return (DoctorCheck("agent", .pass, "\(answers) (no agent on this host to compare bytes with)"), true) }
        let remote: String?
        do {
            let r = try t.run(["sha256sum", path], timeoutSeconds: 120)
            remote = r.exitStatus == 0 ? String(decoding: r.stdout, as: UTF8.self).split(separator: " ").first.map(String.init) : nil
        } catch {
            return (DoctorCheck("agent", .fail, error.description, exitStatus: error.exitStatus), true)
        }
        let local: String
        do { local = try binary.sha256() } catch {
            return (DoctorCheck("agent", .pass, "\(answers) (bytes not compared: \(error.description))"), true)
        }
        guard let remote else { return (DoctorCheck("agent", .pass, "\(answers) (bytes not compared: `sha256sum` failed on the board)"), true) }
        guard remote == local else {
            return (
                DoctorCheck(
                    "agent", .warn, "\(answers) but differs from \(binary.path); the next `run` or `device probe` replaces it", fix: deploy),
                true
            )
        }
        return (DoctorCheck("agent", .pass, answers), true)
    }

    // MARK: - Disk

    /// `df -Pk` of the workdir, or of its nearest existing parent before the first deployment.
    static func disk(_ t: any DeviceTransport, workdir: String, name: String) -> DoctorCheck {
        let script = #"d=$1; while [ ! -e "$d" ]; do d=$(dirname "$d"); done; df -Pk "$d""#
        let r: CommandResult
        do { r = try t.run(["sh", "-c", script, "sh", workdir], timeoutSeconds: 30) } catch {
            return DoctorCheck("disk", .fail, error.description, exitStatus: error.exitStatus)
        }
        guard r.exitStatus == 0, let available = availableKiB(dfOutput: Preflight.text(r.stdout)) else {
            return DoctorCheck("disk", .warn, "`df -Pk` failed in \(workdir): \(Preflight.text(r.stderr))")
        }
        return disk(availableKiB: available, workdir: workdir, name: name)
    }

    /// The "Available" column (KiB) of `df -Pk`'s last line.
    static func availableKiB(dfOutput: String) -> Int64? {
        guard let line = dfOutput.split(separator: "\n").last else { return nil }
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        return fields.count >= 6 ? Int64(fields[3]) : nil
    }

    /// What a command costs on the board before it runs: sshd starts the user's login shell,
    /// and bash reads `~/.bashrc` for commands sshd runs. The best of three `true`s, so a busy
    /// moment does not count. Over the local transport no shell is involved.
    static func commandCost(_ t: any DeviceTransport) -> DoctorCheck {
        guard t is SSHSession else { return DoctorCheck("command-cost", .skipped, "local device: commands start without a login shell") }
        var best = Double.infinity
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                let r = try t.run(["true"], timeoutSeconds: 30)
                guard r.exitStatus == 0 else { return DoctorCheck("command-cost", .warn, "`true` exited with \(r.exitStatus) on the board") }
            } catch {
                return DoctorCheck("command-cost", .fail, error.description, exitStatus: error.exitStatus)
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return commandCost(milliseconds: best)
    }

    public static func commandCost(milliseconds: Double) -> DoctorCheck {
        let took = "a command takes \(Int(milliseconds.rounded())) ms on the board before it runs (best of three `true`)"
        guard milliseconds >= commandCostWarnMilliseconds else { return DoctorCheck("command-cost", .pass, took) }
        return DoctorCheck(
            "command-cost", .warn,
            "\(took): the login shell's start-up (~/.bashrc: conda, pyenv, ROS setup) runs before every command. A run needs one command per board once agent and plans are there; enrolment, doctor and a first run need more",
            fix: "make ~/.bashrc return at once for non-interactive shells: put `case $- in *i*) ;; *) return;; esac` at its top")
    }

    /// Whether the `onnxruntime` runner can work: the device's Python imports onnxruntime and
    /// numpy. A warning, never a failure: only profiles with `runner: onnxruntime` need it.
    static func onnxRuntime(_ t: any DeviceTransport, config: DeviceConfig) -> DoctorCheck {
        let python = config.pythonPath ?? "python3"
        let script = "import onnxruntime, numpy; print(onnxruntime.__version__, ','.join(onnxruntime.get_available_providers()))"
        let r: CommandResult
        do { r = try t.run([python, "-c", script], timeoutSeconds: 60) } catch {
            return DoctorCheck("onnxruntime", .fail, error.description, exitStatus: error.exitStatus)
        }
        return onnxRuntime(python: python, exitStatus: r.exitStatus, stdout: Preflight.text(r.stdout), stderr: Preflight.text(r.stderr), device: config.name)
    }

    public static func onnxRuntime(python: String, exitStatus: Int32, stdout: String, stderr: String, device: String) -> DoctorCheck {
        let fix =
            "on the board: python3 -m venv ~/ort && ~/ort/bin/pip install onnxruntime; then set `pythonPath: /home/USER/ort/bin/python` in Devices/\(device).yaml"
        guard exitStatus == 0 else {
            let why = stderr.split(separator: "\n").last.map(String.init) ?? "exit status \(exitStatus)"
            let reason = exitStatus == 127 ? "\(python) is not on the board" : why
            return DoctorCheck(
                "onnxruntime", .warn,
                "ONNX Runtime is not available with \(python) (\(reason)): benchmarks with `runner: onnxruntime` will fail on this board; nothing else needs it",
                fix: fix)
        }
        let words = stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ", maxSplits: 1)
        let version = words.first.map(String.init) ?? "?"
        let providers = words.count > 1 ? String(words[1]).replacingOccurrences(of: ",", with: ", ") : "none listed"
        return DoctorCheck("onnxruntime", .pass, "\(python) has onnxruntime \(version) (\(providers))")
    }

    public static func disk(availableKiB: Int64, workdir: String, name: String) -> DoctorCheck {
        let free = "\(availableKiB / 1024) MiB free for \(workdir)"
        let clean = "boardbench device clean \(name)"
        if availableKiB < failBelowKiB {
            return DoctorCheck("disk", .fail, "\(free): below \(failBelowKiB / 1024) MiB, an agent or plan upload may not fit", fix: clean)
        }
        if availableKiB < warnBelowKiB { return DoctorCheck("disk", .warn, "\(free): below \(warnBelowKiB / 1024) MiB", fix: clean) }
        return DoctorCheck("disk", .pass, free)
    }
}
