import Crypto
import Foundation
import Testing

@testable import Controller

/// The guard a run starts the agent through (`Deployment.guardScript`): it starts the agent
/// only when the file has the expected SHA-256, and keeps that hash beside it, trusted while
/// the file's size, inode, mtime and ctime are unchanged.
@Suite struct AgentGuardTests {
    let directory: String
    let agent: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("bb-guard-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        agent = directory + "/boardbench-agent"
        try write("#!/bin/sh\necho started \"$@\"\n")
    }

    func write(_ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: agent))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: agent)
    }

    var hash: String {
        get throws { SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: agent))).map { String(format: "%02x", $0) }.joined() }
    }

    /// (status, stdout) of the guard run as a run runs it.
    func guarded(_ path: String, expecting want: String) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", Deployment.guardScript, "sh", path, want, "serve"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func theRightBuildStartsAndAnyOtherIsRefusedWithWhatWasFound() throws {
        let (status, out) = try guarded(agent, expecting: try hash)
        #expect(status == 0 && out == "started serve")
        let wrong = String(repeating: "0", count: 64)
        let (refused, said) = try guarded(agent, expecting: wrong)
        let found = try hash
        #expect(refused == 75 && said == "\(AgentClient.differsMarker) \(found)")
        let (missing, none) = try guarded(directory + "/absent", expecting: wrong)
        #expect(missing == 75 && none == "\(AgentClient.differsMarker) missing")
    }

    @Test func theKeptHashIsTrustedOnlyWhileTheFileIsUnchanged() throws {
        // A kept hash under the file's current signature is believed (even a wrong one)...
        let signature = try #require(try shell("stat -c '%s %i %Y %Z' -- \"$1\"", agent))
        let planted = String(repeating: "a", count: 64)
        try Data("\(signature)\n\(planted)\n".utf8).write(to: URL(fileURLWithPath: agent + ".sha256"))
        let (status, out) = try guarded(agent, expecting: planted)
        #expect(status == 0 && out == "started serve")
        // ...and any change to the file (new size, mtime, ctime) makes the guard hash it again.
        try write("#!/bin/sh\necho other build \"$@\"\n")
        let (refused, said) = try guarded(agent, expecting: planted)
        let found = try hash
        #expect(refused == 75 && said == "\(AgentClient.differsMarker) \(found)")
        let (again, started) = try guarded(agent, expecting: try hash)
        #expect(again == 0 && started == "other build serve")
    }

    func shell(_ script: String, _ argument: String) throws -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script, "sh", argument]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }
}
