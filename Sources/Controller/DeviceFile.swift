import BenchCore
import Foundation
import Yams

/// Reads and writes `Devices/NAME.yaml`. Writing a file that exists edits only the keys
/// BoardBench owns (`facts`, and the connection fields enrolment was told to change).
public enum DeviceFile {
    public static func load(_ name: String, in workspace: Workspace) throws(ControllerError) -> DeviceConfig {
        do { try EntityName.validate(name, kind: "device") } catch { throw .invalidArgument(error.description) }
        let url = workspace.deviceFile(name)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw .deviceNotEnrolled(name: name, path: relative(url, workspace))
        }
        return try parse(text, name: name, path: relative(url, workspace))
    }

    /// Decodes and checks the text of device `name`'s file; `path` names it in errors. Apart
    /// from `load`'s file reading, this is the whole parser (the fuzz target calls it directly).
    public static func parse(_ text: String, name: String, path: String) throws(ControllerError) -> DeviceConfig {
        let config: DeviceConfig
        do {
            config = try YAMLConfig.decode(DeviceConfig.self, from: text, path: path)
        } catch .profile(let p, let reason) {
            throw .deviceFile(path: p, reason: reason)
        } catch {
            throw error
        }
        if let problem = YAMLConfig.unknownKey(in: text, schema: .device) { throw .deviceFile(path: path, reason: problem) }
        // Checks made after decoding name the line too (YAMLConfig.locate).
        if let problem = config.problem() { throw .deviceFile(path: path, reason: YAMLConfig.locate(problem, in: text)) }
        guard config.name == name else {
            let problem = "field name: says \(config.name.debugDescription), the file is named \(name)"
            throw .deviceFile(path: path, reason: YAMLConfig.locate(problem, in: text))
        }
        return config
    }

    /// Writes `config`, creating the file or editing the existing one in place.
    public static func save(_ config: DeviceConfig, in workspace: Workspace) throws(ControllerError) {
        let url = workspace.deviceFile(config.name)
        let existing = try? String(contentsOf: url, encoding: .utf8)
        let text = render(config, over: existing)
        do {
            try FileManager.default.createDirectory(at: workspace.devicesDirectory, withIntermediateDirectories: true)
            // Device files name hosts, users and key paths: keep other local users out.
            try AtomicFile.write(text.utf8, to: url.path, mode: 0o600)
        } catch let failure as AtomicFile.Failure {
            throw .output(path: url.path, reason: failure.reason)
        } catch {
            throw .output(path: url.path, reason: error.localizedDescription)
        }
    }

    /// The new text of the device file; pure, so tests check that user edits survive.
    public static func render(_ config: DeviceConfig, over existing: String?) -> String {
        var text =
            existing ?? """
                # BoardBench device file. Edit freely: only `facts:` is rewritten by
                # `boardbench device enrol` and `device probe`.

                """
        let fields: [(String, String?)] = [
            ("name", config.name), ("transport", config.transport.rawValue), ("host", config.host),
            ("port", config.port.map(String.init)), ("user", config.user), ("identity", config.identity),
            ("workdir", config.workdir), ("sysfsRoot", config.sysfsRoot), ("lockPath", config.lockPath),
            ("proxyCommand", config.proxyCommand), ("hostKeyFingerprint", config.hostKeyFingerprint),
        ]
        let current = existing.flatMap { try? YAMLDecoder().decode(DeviceConfig.self, from: $0) }
        for (key, value) in fields {
            guard let value else { continue }
            // Leave a line alone when it already says the same thing (keeps the user's spelling).
            if let current, currentValue(current, key) == value { continue }
            text = key == "port" ? YAMLText.replaceBlock(text, key: key, with: "port: \(value)\n") : YAMLText.setScalar(text, key: key, value: value)
        }
        if let facts = config.facts {
            text = YAMLText.replaceBlock(text, key: "facts", with: renderFacts(facts))
        }
        return text
    }

    private static func currentValue(_ c: DeviceConfig, _ key: String) -> String? {
        switch key {
        case "name": c.name
        case "transport": c.transport.rawValue
        case "host": c.host
        case "port": c.port.map(String.init)
        case "user": c.user
        case "identity": c.identity
        case "workdir": c.workdir
        case "sysfsRoot": c.sysfsRoot
        case "lockPath": c.lockPath
        case "proxyCommand": c.proxyCommand
        case "hostKeyFingerprint": c.hostKeyFingerprint
        default: nil
        }
    }

    private static func renderFacts(_ facts: DeviceFacts) -> String {
        struct Wrapper: Encodable { var facts: DeviceFacts }
        let body = (try? YAMLEncoder().encode(Wrapper(facts: facts))) ?? "facts: {}\n"
        return body.hasSuffix("\n") ? body : body + "\n"
    }

    static func relative(_ url: URL, _ workspace: Workspace) -> String {
        let root = workspace.root.path
        return url.path.hasPrefix(root + "/") ? String(url.path.dropFirst(root.count + 1)) : url.path
    }
}
