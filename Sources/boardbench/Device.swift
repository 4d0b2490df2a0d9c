import ArgumentParser
import Controller
import Foundation

struct Device: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enrol and inspect devices.", subcommands: [Enrol.self, List.self, Show.self, Remove.self])
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

        func run() throws {
            let ws = global.resolved
            _ = try boardbench.run { () throws(ControllerError) in try DeviceFile.load(name, in: ws) }
            do { try FileManager.default.removeItem(at: ws.deviceFile(name)) } catch {
                throw fail(ControllerError.output(path: ws.deviceFile(name).path, reason: error.localizedDescription))
            }
            printOut("removed \(name)")
        }
    }
}
