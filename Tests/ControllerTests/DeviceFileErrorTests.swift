import BenchCore
import Foundation
import Testing

@testable import Controller

/// A malformed device file names the file, the line and the field, whether YAML, decoding or
/// the checks made after decoding (`DeviceConfig.problem()`) refused it.
@Suite struct DeviceFileErrorTests {
    static let valid = """
        # rack 2
        name: pi5
        transport: ssh
        host: 192.168.1.20
        port: 22
        user: pi
        workdir: /home/pi/.boardbench
        lockPath: /run/lock/boardbench.lock

        """

    /// Loads `text` as Devices/pi5.yaml and returns the error.
    func loadError(_ text: String) throws -> ControllerError? {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bb-dferr-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }  // a leftover temp dir is harmless
        let ws = Workspace(root: dir.path, databasePath: nil)
        try FileManager.default.createDirectory(at: ws.devicesDirectory, withIntermediateDirectories: true)
        try text.write(to: ws.deviceFile("pi5"), atomically: true, encoding: .utf8)
        return #expect(throws: ControllerError.self) { try DeviceFile.load("pi5", in: ws) }
    }

    func expectNamed(_ error: ControllerError?, line: Int, field: String, _ also: String) {
        let text = error?.description ?? "(no error)"
        #expect(text.hasPrefix("Devices/pi5.yaml: "), "\(text)")
        #expect(text.contains("line \(line)"), "\(text)")
        #expect(text.contains("field \(field)"), "\(text)")
        #expect(text.contains(also), "\(text)")
        #expect(error?.exitStatus == .dataError)
    }

    @Test func theValidFileLoads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bb-dfok-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }  // a leftover temp dir is harmless
        let ws = Workspace(root: dir.path, databasePath: nil)
        try FileManager.default.createDirectory(at: ws.devicesDirectory, withIntermediateDirectories: true)
        try Self.valid.write(to: ws.deviceFile("pi5"), atomically: true, encoding: .utf8)
        #expect(try DeviceFile.load("pi5", in: ws).effectiveLockPath == "/run/lock/boardbench.lock")
    }

    @Test func malformedYAMLNamesLineAndField() throws {
        let text = Self.valid.replacingOccurrences(of: "user: pi", with: "user: [pi, ops")
        let error = try loadError(text)
        expectNamed(error, line: 6, field: "user", "not valid YAML")
        #expect(error?.description.hasPrefix("Devices/pi5.yaml: line 6: field user: not valid YAML: ") == true)
    }

    @Test func wrongTypeNamesLineAndField() throws {
        let text = Self.valid.replacingOccurrences(of: "port: 22", with: "port:\n  - 22\n  - 23")
        expectNamed(try loadError(text), line: 6, field: "port", "expected a single value")
        let word = Self.valid.replacingOccurrences(of: "port: 22", with: "port: twenty-two")
        expectNamed(try loadError(word), line: 5, field: "port", "expected an integer")
    }

    @Test func badPortNamesLineAndField() throws {
        let text = Self.valid.replacingOccurrences(of: "port: 22", with: "port: 70000")
        expectNamed(try loadError(text), line: 5, field: "port", "must be 1...65535, got 70000")
    }

    /// sha256sum escapes a path with a backslash, which the agent guard compares against.
    @Test func aWorkdirWithABackslashIsRefused() throws {
        let text = Self.valid.replacingOccurrences(of: "workdir: /home/pi/.boardbench", with: #"workdir: '/home/pi/bench\x'"#)
        let error = try loadError(text)
        #expect(error?.description.contains("must not contain newlines, NUL or backslashes") == true, "\(String(describing: error))")
    }

    @Test func badLockPathNamesLineAndField() throws {
        let text = Self.valid.replacingOccurrences(of: "lockPath: /run/lock/boardbench.lock", with: "lockPath: run/lock/boardbench.lock")
        expectNamed(try loadError(text), line: 8, field: "lockPath", "must be an absolute path")
    }

    @Test func nameThatDisagreesWithTheFileNamesItsLine() throws {
        let text = Self.valid.replacingOccurrences(of: "name: pi5", with: "name: pi4")
        expectNamed(try loadError(text), line: 2, field: "name", "the file is named pi5")
    }

    @Test func aMissingRequiredFieldHasNoLineButIsNamed() throws {
        let error = try loadError(Self.valid.replacingOccurrences(of: "host: 192.168.1.20\n", with: ""))
        #expect(error?.description == "Devices/pi5.yaml: field host: required for transport ssh")
    }

    @Test func aMisspeltKeyIsRefusedWithTheNearestKnownOne() throws {
        let error = try loadError(Self.valid + "prt: 2222\n")
        expectNamed(error, line: 9, field: "prt", "unknown field (did you mean port?)")
        // A nested block is checked too, and `notes:` is the people's own.
        let energy = try loadError(Self.valid + "notes: ask ana\nenergy:\n  provider: rapl\n  rial: psys\n")
        expectNamed(energy, line: 12, field: "energy.rial", "did you mean rail?")
    }

    @Test func aKeyTwiceNamesBothLines() throws {
        let error = try loadError(Self.valid + "port: 2222\n")
        expectNamed(error, line: 9, field: "port", "appears twice in the same mapping (line 5)")
    }
}

/// The suggestion for a misspelt key: one candidate within two edits, else none.
@Suite struct NearestKeyTests {
    @Test func typosFindTheirKey() {
        let keys = ["iterations", "threads", "warmupRuns", "warmupSeconds"]
        #expect(YAMLConfig.closest(to: "iteration", in: keys) == "iterations")
        #expect(YAMLConfig.closest(to: "Threads", in: keys) == "threads")
        #expect(YAMLConfig.closest(to: "iteratoins", in: keys) == "iterations")
        #expect(YAMLConfig.closest(to: "colour", in: keys) == nil)
        // Equally near to two keys: no guess.
        #expect(YAMLConfig.closest(to: "warmupRun", in: ["warmupRuns", "warmupRune"]) == nil)
    }
}
