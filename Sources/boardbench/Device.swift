import ArgumentParser
import BenchCore
import Controller
import Foundation

struct Device: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enrol and inspect devices.",
        subcommands: [Enrol.self, List.self, Show.self, Probe.self, Doctor.self, Clean.self, Remove.self])
}

extension Device {
    struct Enrol: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect to a board, pin its host key, check it, deploy the agent and record its facts.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Device name ([A-Za-z0-9][A-Za-z0-9._-]{0,63}).") var name: String
        @Option(help: "Host name or address of the board.") var host: String?
        @Option(help: "SSH port.") var port: Int?
        @Option(help: "SSH user (default: the current user).") var user: String?
        @Option(help: "Private key file (default: ssh-agent, then ~/.ssh keys).") var identity: String?
        @Flag(help: "Use this machine as the device (no SSH).") var local = false
        @Option(help: "Directory on the device for agents, plans and results (default ~/.boardbench).") var workdir: String?
        @Option(help: "Root for sysfs/procfs reads on the device (fixture trees).") var sysfsRoot: String?
        @Option(help: "The board's lock file, shared by all its users (default \(DeviceConfig.defaultLockPath)).") var lockPath: String?
        @Option(help: "Reach the board through a gateway: an OpenSSH-style ProxyCommand (%h %p %r), e.g. 'ssh -W %h:%p gw'.")
        var proxyCommand: String?
        @Flag(help: "Trust the host key shown (first contact, or a reinstalled board).") var acceptNewHostKey = false
        @Option(help: "Require this host key fingerprint (SHA256:...).") var hostKeyFingerprint: String?
        @Option(help: "Agent executable to deploy (default: BOARDBENCH_AGENT, then next to boardbench).") var agent: String?
        @Flag(help: "Print the device as JSON.") var json = false

        func validate() throws {
            if local && host != nil { throw ValidationError("give either --host or --local, not both") }
            if !local && host == nil { throw ValidationError("give --host HOST (or --local for this machine)") }
            if acceptNewHostKey && hostKeyFingerprint != nil {
                throw ValidationError("give either --accept-new-host-key or --host-key-fingerprint, not both")
            }
        }

        func run() throws {
            var o = EnrolOptions(name: name)
            (o.local, o.host, o.port, o.user, o.identity) = (local, host, port, user, identity)
            (o.lockPath, o.proxyCommand) = (lockPath, proxyCommand)
            (o.workdir, o.sysfsRoot, o.acceptNewHostKey, o.expectedFingerprint, o.agentPath) =
                (workdir, sysfsRoot, acceptNewHostKey, hostKeyFingerprint, agent)
            let logger = global.logger()
            let config = try boardbench.run { () throws(ControllerError) in try Enrolment.enrol(o, workspace: global.resolved, logger: logger) }
            if json {
                printOut(try Views.encode(config))
            } else {
                let f = config.facts
                printOut(
                    "enrolled \(config.name): \(f?.cpuModel ?? "?") (\(f?.architecture ?? "?"), \(f?.logicalCores ?? 0) cores), \(f?.operatingSystem ?? "?")")
                if let fp = config.hostKeyFingerprint { printOut("host key \(fp) pinned") }
                printOut("wrote \(global.resolved.deviceFile(config.name).path)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List enrolled devices.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let ws = global.resolved
            let configs = try ws.enrolledDevices().map { name in try boardbench.run { () throws(ControllerError) in try DeviceFile.load(name, in: ws) } }
            if json {
                printOut(try Views.encode(["devices": configs]))
                return
            }
            for c in configs {
                let target = c.transport == .local ? "local" : "\(c.user ?? "")@\(c.host ?? ""):\(c.port ?? 22)"
                printOut("\(c.name)\t\(target)\t\(c.facts?.cpuModel ?? "not probed")")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a device's configuration and facts.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let ws = global.resolved
            let c = try boardbench.run { () throws(ControllerError) in try DeviceFile.load(name, in: ws) }
            if json {
                printOut(try Views.encode(c))
            } else {
                printOut((try? String(contentsOf: ws.deviceFile(name), encoding: .utf8)) ?? "")
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget a device (its results stay in the store).")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Flag(help: "Print JSON: the removed device's configuration.") var json = false

        func run() throws {
            let ws = global.resolved
            let config = try boardbench.run { () throws(ControllerError) in try DeviceFile.load(name, in: ws) }
            do { try FileManager.default.removeItem(at: ws.deviceFile(name)) } catch {
                throw fail(ControllerError.output(path: ws.deviceFile(name).path, reason: error.localizedDescription))
            }
            if json {
                printOut(try Views.encode(["removed": config]))
            } else {
                printOut("removed \(name)")
            }
        }
    }
}

extension Device {
    struct Probe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the agent's probe (deploying the agent if needed) and rewrite the device file's facts.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Device name.") var name: String
        @Option(help: "Agent executable to deploy if the device lacks this version.") var agent: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let logger = global.logger()
            let ws = global.resolved
            let outcome = try boardbench.run { () throws(ControllerError) in
                try DeviceProbe.probe(name, workspace: ws, agentPath: agent, logger: logger)
            }
            if json {
                printOut(try Views.encode(outcome))
                return
            }
            let f = outcome.facts
            printOut("\(name): \(f.cpuModel) (\(f.architecture), \(f.logicalCores) cores), \(f.operatingSystem), kernel \(f.kernel)")
            printOut(outcome.changes.isEmpty ? "facts unchanged" : outcome.changes.map { "changed \($0)" }.joined(separator: "\n"))
            printOut("wrote \(ws.deviceFile(name).path)")
        }
    }

    struct Doctor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check everything a device needs to run benchmarks and say how to fix what is missing.",
            discussion:
                "Exit status: 0 when no check fails; else the first failing check's (65/66 device file, 69 unreachable, 77 host key or login, 78 otherwise).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Device name.") var name: String
        @Option(help: "Agent executable the board is compared with (default: BOARDBENCH_AGENT, then next to boardbench).") var agent: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let report = Controller.Doctor.examine(name, workspace: global.resolved, agentPath: agent)
            printOut(json ? try Views.encode(report) : Self.render(report))
            if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
        }

        static func render(_ r: DoctorReport) -> String {
            let width = r.checks.map(\.name.count).max() ?? 0
            var lines = ["device \(r.device)"]
            for c in r.checks {
                lines.append(
                    "  \(c.status.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(c.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(c.reason)"
                )
                if let fix = c.fix { lines.append("  \(String(repeating: " ", count: 8 + width))  fix: \(fix)") }
            }
            let count = { (s: DoctorCheck.Status) in r.checks.filter { $0.status == s }.count }
            lines.append("\(count(.fail)) failed, \(count(.warn)) warnings, \(count(.pass)) passed, \(count(.skipped)) skipped")
            return lines.joined(separator: "\n")
        }
    }

    struct Clean: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove other agent versions, plans unused for --keep-days and stale uploads from a board's workdir.",
            discussion: "Never removes the current agent or results/. Exit status: 75 when the board's lock is held, 74 when something could not be removed.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Device name.") var name: String
        @Option(help: "Keep plans a run used within this many days.") var keepDays = DeviceClean.defaultKeepDays
        @Flag(help: "List what would be removed without removing it.") var dryRun = false
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if keepDays < 0 { throw ValidationError("--keep-days must be 0 or more") }
        }

        func run() throws {
            let ws = global.resolved
            let report = try boardbench.run { () throws(ControllerError) in
                try DeviceClean.clean(name, workspace: ws, keepDays: keepDays, dryRun: dryRun)
            }
            if json {
                printOut(try Views.encode(report))
            } else {
                let verb = dryRun ? "would remove" : "removed"
                for r in report.removed { printOut("\(verb) \(r.kind) \(r.path) (\(Self.size(r.bytes)))") }
                printOut(
                    "\(name): \(verb) \(report.removed.count) item(s), \(Self.size(report.bytesFreed)) \(dryRun ? "to free" : "freed"); kept \(report.keptAgent == nil ? "no current agent" : "the current agent") and \(report.keptPlans) plan(s)"
                )
            }
            for note in report.notes { printError("boardbench: \(note)") }
            for e in report.errors { printError("error: cannot remove \(e.path): \(e.reason)") }
            if report.exitStatus != .success { throw ExitCode(report.exitStatus.rawValue) }
        }

        static func size(_ bytes: Int64) -> String {
            bytes >= 1 << 20
                ? String(format: "%.1f MiB", Double(bytes) / 1_048_576) : bytes >= 1024 ? String(format: "%.1f KiB", Double(bytes) / 1024) : "\(bytes) B"
        }
    }
}
