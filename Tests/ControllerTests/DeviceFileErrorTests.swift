import BenchCore
import Controller
import Foundation
import Testing

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
}
