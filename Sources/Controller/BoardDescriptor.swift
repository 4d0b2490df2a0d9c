import BenchCore
import Foundation

/// What BoardBench knows about a kind of board that a probe cannot always tell
/// (`Devices/boards/NAME.yaml`): which power rail to integrate and which cores are big.
public struct BoardDescriptor: Codable, Sendable, Equatable {
    /// `bigCores: all` or a list of CPU indices.
    public enum Cores: Codable, Sendable, Equatable {
        case all
        case list([Int])

        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let word = try? c.decode(String.self) {
                guard word == "all" else {
                    throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected `all` or a list of CPU indices, got \(word)")
                }
                self = .all
            } else {
                let cores = try c.decode([Int].self)
                guard !cores.isEmpty, cores.allSatisfy({ $0 >= 0 }) else {
                    throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a non-empty list of CPU indices")
                }
                self = .list(cores)
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .all: try c.encode("all")
            case .list(let cores): try c.encode(cores)
            }
        }
    }

    public var name: String
    public var description: String?
    public var architecture: String
    public var energy: EnergyConfig?
    public var bigCores: Cores?

    /// Loads `name` from the workspace's `Devices/boards/` (a user's own or edited board), else
    /// from the descriptors shipped with BoardBench.
    public static func load(_ name: String, in workspace: Workspace) throws(ControllerError) -> BoardDescriptor {
        guard EntityNameCheck.isSimple(name) else { throw .invalidArgument("board \(name.debugDescription) is not a simple name") }
        let url = workspace.devicesDirectory.appendingPathComponent("boards/\(name).yaml")
        let (text, path): (String, String)
        if let t = try? String(contentsOf: url, encoding: .utf8) {
            (text, path) = (t, DeviceFile.relative(url, workspace))
        } else if let t = BundledResources.board(named: name) {
            (text, path) = (t, "boards/\(name).yaml (built in)")
        } else {
            throw .fileNotFound(path: url.path, what: "board descriptor (built in: \(BundledResources.boardNames.joined(separator: ", ")))")
        }
        return try parse(text, path: path)
    }

    /// Decodes and checks a descriptor's text; `path` names it in errors.
    public static func parse(_ text: String, path: String) throws(ControllerError) -> BoardDescriptor {
        let board: BoardDescriptor
        do { board = try YAMLConfig.decode(BoardDescriptor.self, from: text, path: path) } catch .profile(let p, let reason) {
            throw .deviceFile(path: p, reason: reason)
        } catch { throw error }
        if let problem = YAMLConfig.unknownKey(in: text, schema: .board) { throw .deviceFile(path: path, reason: problem) }
        if let problem = board.energy?.problem() { throw .deviceFile(path: path, reason: "field energy: \(problem)") }
        return board
    }

    /// The built-in board that matches a device's facts, when one clearly does.
    public static func guess(from facts: DeviceFacts?) -> String? {
        guard let facts else { return nil }
        if facts.cpuModel.hasPrefix("Raspberry Pi 5") { return "raspberry-pi-5" }
        if facts.cpuModel.hasPrefix("Raspberry Pi 4") { return "raspberry-pi-4" }
        if facts.architecture == "x86_64" { return "generic-x86_64" }
        return nil
    }
}

extension DeviceConfig {
    /// Where the device's sensor files and helper commands are, without the board's rail
    /// (enough for probing and inference).
    public var sensorPaths: ProbeConfig {
        ProbeConfig(sysfsRoot: sysfsRoot, procRoot: procRoot, vcgencmdPath: vcgencmdPath, tegrastatsPath: tegrastatsPath)
    }

    /// What the agent is told about the device's sensors with every request: the paths in the
    /// device file, the board descriptor's rail and big cores, and the device file's `energy:`
    /// block, which replaces the board's as a whole when present.
    public func probeConfig(in workspace: Workspace) throws(ControllerError) -> ProbeConfig {
        var config = sensorPaths
        if let name = board ?? BoardDescriptor.guess(from: facts) {
            let descriptor = try BoardDescriptor.load(name, in: workspace)
            config.energy = descriptor.energy
            if case .list(let cores) = descriptor.bigCores { config.bigCores = cores }
        }
        if let energy { config.energy = energy }
        return config
    }
}
