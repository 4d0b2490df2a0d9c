import BenchCore
import Foundation
import Transport

/// The checks of `device doctor` that read the board's kernel, sensors and lock.
extension Doctor {
    /// Where `/sys` and `/proc` are on the board, decided there as the agent's `SysfsRoot` does:
    /// a `sysfsRoot` holding `sys/`, `proc/` or `etc/` is a fixture tree everything maps under,
    /// any other `sysfsRoot` stands for `/sys`; `procRoot` moves `/proc` on its own.
    struct BoardPaths: Equatable {
        var sys: String
        var proc: String
    }

    static func boardPaths(_ t: any DeviceTransport, config: DeviceConfig) throws(ControllerError) -> BoardPaths {
        let script = """
            s=${1%/}; sys=/sys; proc=/proc
            if [ -n "$s" ]; then
              if [ -e "$s/sys" ] || [ -e "$s/proc" ] || [ -e "$s/etc" ]; then sys=$s/sys; proc=$s/proc; else sys=$s; fi
            fi
            if [ -n "$2" ]; then proc=${2%/}; fi
            printf 'sys=%s\\nproc=%s\\n' "$sys" "$proc"
            """
        let values = try keyValues(t, ["sh", "-c", script, "sh", config.sysfsRoot ?? "", config.procRoot ?? ""])
        guard let sys = values["sys"], let proc = values["proc"] else {
            throw .agentFailed(device: t.label, reason: "could not resolve the sysfs and procfs roots on the board")
        }
        return BoardPaths(sys: sys, proc: proc)
    }

    /// Runs a script printing `key=value` lines and returns them.
    static func keyValues(_ t: any DeviceTransport, _ argv: [String]) throws(ControllerError) -> [String: String] {
        let r: CommandResult
        do { r = try t.run(argv, timeoutSeconds: 30) } catch { throw .transport(error) }
        guard r.exitStatus == 0 else {
            throw .agentFailed(device: t.label, reason: "`\(argv.first ?? "")` exited with \(r.exitStatus): \(Preflight.text(r.stderr))")
        }
        var values: [String: String] = [:]
        for line in String(decoding: r.stdout, as: UTF8.self).split(separator: "\n") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return values
    }

    // MARK: - perf_event_paranoid

    /// Reads perf_event_paranoid under the board's proc root, and the uid the agent would run as
    /// (`Uid:` of `<proc>/self/status`, which is the reading process itself on a real board and
    /// the login a fixture tree stands for; `id -u` when the file has none).
    static func perfEvents(_ t: any DeviceTransport, paths: Result<BoardPaths, ControllerError>) -> DoctorCheck {
        let script = """
            f=$1/sys/kernel/perf_event_paranoid
            if [ -r "$f" ]; then printf 'paranoid=%s\\n' "$(cat "$f")"; fi
            u=$(sed -n 's/^Uid:[[:space:]]*[0-9][0-9]*[[:space:]][[:space:]]*\\([0-9][0-9]*\\).*/\\1/p' "$1/self/status" 2>/dev/null)
            [ -n "$u" ] || u=$(id -u)
            printf 'uid=%s\\n' "$u"
            """
        do {
            let proc = try paths.get().proc
            let values = try keyValues(t, ["sh", "-c", script, "sh", proc])
            let paranoid = values["paranoid"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            return perfEvents(paranoid: paranoid, uid: values["uid"].flatMap { Int($0) }, file: proc + "/sys/kernel/perf_event_paranoid")
        } catch {
            return DoctorCheck("perf-events", .fail, error.description, exitStatus: error.exitStatus)
        }
    }

    public static let perfEventsFix = "sudo sysctl kernel.perf_event_paranoid=1"

    public static func perfEvents(paranoid: Int?, uid: Int?, file: String) -> DoctorCheck {
        guard let paranoid else {
            return DoctorCheck("perf-events", .warn, "\(file) is missing or unreadable: no perf events on this kernel, counters will be unavailable")
        }
        if paranoid <= 1 { return DoctorCheck("perf-events", .pass, "perf_event_paranoid=\(paranoid): counters include kernel mode") }
        if uid == 0 { return DoctorCheck("perf-events", .pass, "perf_event_paranoid=\(paranoid), but the agent runs as root, which it does not restrict") }
        let effect =
            paranoid == 2
            ? "counters see user space only (page faults and syscalls are missed)" : "perf events are refused to non-root users (no counters)"
        return DoctorCheck("perf-events", .warn, "perf_event_paranoid=\(paranoid): \(effect)", fix: perfEventsFix)
    }

    // MARK: - Facts, sensors, governor

    struct Facts {
        var facts: DeviceFacts?
        /// Where they came from, for the reasons: "live probe" or "device file".
        var source: String
    }

    /// The agent's live probe when the agent answers; else the facts the device file holds.
    static func currentFacts(_ t: any DeviceTransport, config: DeviceConfig, workspace: Workspace, agentAnswers: Bool) -> Facts {
        guard agentAnswers else { return Facts(facts: config.facts, source: "the device file's facts") }
        let probes = (try? config.probeConfig(in: workspace)) ?? config.sensorPaths
        let client = AgentClient(transport: t, agentPath: config.agentPath(version: BoardBenchVersion.current), probes: probes)
        do {
            return Facts(facts: try client.probe(), source: "the agent's probe")
        } catch {
            return Facts(facts: config.facts, source: "the device file's facts (the live probe failed: \(error))")
        }
    }

    static func sensors(
        _ t: any DeviceTransport, config: DeviceConfig, workspace: Workspace, facts: Facts, paths: Result<BoardPaths, ControllerError>
    ) -> DoctorCheck {
        guard let f = facts.facts else {
            return DoctorCheck(
                "sensors", .warn, "no facts: the agent is not deployed and the device file has none", fix: "boardbench device probe \(config.name)")
        }
        var found: [String] = [], missing: [String] = []
        if f.thermalZones.isEmpty {
            missing.append("no thermal zones")
        } else {
            found.append("\(f.thermalZones.count) thermal zone(s) (\(f.thermalZones.joined(separator: ", ")))")
        }
        if let khz = f.maxFrequencyKHz {
            found.append("cpufreq (max \(khz / 1000) MHz)")
        } else if f.governor != nil {
            found.append("cpufreq")
        } else {
            missing.append("no cpufreq")
        }
        var withFacts = config
        withFacts.facts = f
        do {
            let probes = try withFacts.probeConfig(in: workspace)
            let board = config.board ?? BoardDescriptor.guess(from: f)
            let origin = config.energy != nil ? "device file" : board.map { "board \($0)" } ?? "no board descriptor"
            if let e = probes.energy, e.provider != .none {
                let rail = "power rail \(e.provider.rawValue)\(e.rail.map { " \($0)" } ?? "") (\(origin))"
                let location = railLocation(e, paths: try? paths.get(), config: config)
                switch location.flatMap({ railPresent(t, $0) }) {
                case true?: found.append(rail)
                case false?: missing.append("\(rail) configured but \(location?.text ?? "its sensor") is absent")
                case nil: found.append("\(rail), whose sensor could not be looked for (the agent reports it when a run measures energy)")
                }
            } else {
                missing.append("no power rail (\(origin))")
            }
        } catch {
            missing.append("power rail unknown: \(error.description)")
        }
        let from = " (from \(facts.source))"
        if found.isEmpty {
            return DoctorCheck(
                "sensors", .warn, "no sensors found: \(missing.joined(separator: ", ")); temperatures, energy and frequencies will be unknown\(from)")
        }
        return DoctorCheck("sensors", .pass, "found \(found.joined(separator: ", "))\(missing.isEmpty ? "" : "; \(missing.joined(separator: ", "))")\(from)")
    }

    /// What must exist on the board for a provider: a sysfs glob or a command.
    enum RailLocation: Equatable {
        case glob(String)
        case command(String)
        var text: String {
            switch self {
            case .glob(let g): g
            case .command(let c): "command \(c)"
            }
        }
    }

    static func railLocation(_ e: EnergyConfig, paths: BoardPaths?, config: DeviceConfig) -> RailLocation? {
        switch e.provider {
        case .none: return nil
        case .rpi5PMIC: return .command(e.command?.first ?? config.vcgencmdPath ?? "vcgencmd")
        case .command: return e.command?.first.map { .command($0) }
        case .rapl, .hwmon, .ina3221Hwmon, .ina3221IIO:
            guard let sys = paths?.sys else { return nil }
            let suffix: String =
                switch e.provider {
                case .rapl: "/class/powercap/intel-rapl*"
                case .hwmon: "/class/hwmon/hwmon*"
                case .ina3221Hwmon: "/bus/i2c/drivers/ina3221/*"
                default: "/bus/i2c/drivers/ina3221x/*"
                }
            return .glob(sys + suffix)
        }
    }

    static func railPresent(_ t: any DeviceTransport, _ location: RailLocation) -> Bool? {
        let argv: [String]
        switch location {
        case .glob(let pattern):
            // IFS empty: the pattern is globbed but never split at spaces.
            argv = ["sh", "-c", #"IFS=; for f in $1; do [ -e "$f" ] && exit 0; done; exit 1"#, "sh", pattern]
        case .command(let command):
            argv = ["sh", "-c", #"case $1 in */*) [ -x "$1" ] ;; *) command -v "$1" >/dev/null 2>&1 ;; esac"#, "sh", command]
        }
        do { return try t.run(argv, timeoutSeconds: 30).exitStatus == 0 } catch { return nil }
    }

    public static let governorFix = "echo performance | sudo tee /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor"

    static func governor(_ facts: Facts, name: String) -> DoctorCheck {
        guard let f = facts.facts else {
            return DoctorCheck("governor", .warn, "no facts: the agent is not deployed and the device file has none", fix: "boardbench device probe \(name)")
        }
        return governor(f.governor)
    }

    public static func governor(_ governor: String?) -> DoctorCheck {
        guard let governor else {
            return DoctorCheck("governor", .warn, "no cpufreq: the kernel exposes no frequency scaling (usual in VMs), so clocks cannot be checked")
        }
        if governor == "performance" { return DoctorCheck("governor", .pass, "cpufreq governor is performance") }
        return DoctorCheck("governor", .warn, "cpufreq governor is \(governor): clocks change under load and add noise", fix: governorFix)
    }

    // MARK: - Lock

    /// The board's lock: its directory exists, the file can be created or opened, and whether
    /// someone holds it now (`flock -n`; nothing is created when the file does not exist).
    static func lock(_ t: any DeviceTransport, path: String, name: String) -> DoctorCheck {
        let script = """
            l=$1; d=$(dirname "$l")
            if [ -d "$d" ]; then echo dir=yes; else echo dir=no; fi
            if [ -w "$d" ]; then echo writable=yes; else echo writable=no; fi
            if [ -e "$l" ]; then if [ -r "$l" ]; then echo file=readable; else echo file=unreadable; fi; else echo file=absent; fi
            if command -v flock >/dev/null 2>&1; then echo flock=yes; else echo flock=no; fi
            """
        let values: [String: String]
        do { values = try keyValues(t, ["sh", "-c", script, "sh", path]) } catch {
            return DoctorCheck("lock", .fail, error.description, exitStatus: error.exitStatus)
        }
        let dir = (path as NSString).deletingLastPathComponent
        guard values["dir"] == "yes" else {
            return DoctorCheck("lock", .fail, "\(dir) does not exist on the board, so no run can take the lock \(path)", fix: "sudo install -d -m 1777 \(dir)")
        }
        switch values["file"] {
        case "absent" where values["writable"] != "yes":
            return DoctorCheck(
                "lock", .fail, "\(path) does not exist and \(dir) is not writable, so the lock cannot be created",
                fix: "sudo touch \(path) && sudo chmod 0666 \(path)")
        case "unreadable":
            return DoctorCheck("lock", .fail, "\(path) is not readable, so it cannot be locked", fix: "sudo chmod 0666 \(path)")
        case "absent":
            return DoctorCheck("lock", .pass, "\(path): \(dir) is writable, the lock file does not exist yet (so nobody holds it)")
        default: break
        }
        guard values["flock"] == "yes" else {
            return DoctorCheck("lock", .warn, "flock(1) is not installed: cannot tell whether \(path) is held", fix: "sudo apt-get install util-linux")
        }
        let r: CommandResult
        do { r = try t.run(["flock", "-n", path, "true"], timeoutSeconds: 30) } catch {
            return DoctorCheck("lock", .fail, error.description, exitStatus: error.exitStatus)
        }
        let stderr = Preflight.text(r.stderr)
        switch (r.exitStatus, stderr.isEmpty) {
        case (0, _): return DoctorCheck("lock", .pass, "\(path) exists and is free")
        case (1, true): return DoctorCheck("lock", .warn, "\(path) is held now: a run is in progress on this board; the next one waits for it")
        default: return DoctorCheck("lock", .warn, "`flock -n \(path) true` exited with \(r.exitStatus): \(stderr)")
        }
    }
}
