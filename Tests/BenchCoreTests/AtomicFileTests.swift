import BenchCore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct AtomicFileTests {
    func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bb-atomic-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func mode(_ path: String) -> mode_t {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o7777 : 0
    }

    @Test func replacesWholeWithExactlyTheModeAsked() throws {
        let dir = try directory()
        let path = dir + "/device.yaml"
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o644)
        // A permissive umask must not widen the mode, a strict one must not narrow it.
        let previous = umask(0o077)
        defer { umask(previous) }
        try AtomicFile.write("new contents".utf8, to: path, mode: 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new contents")
        #expect(mode(path) == 0o600)
        try AtomicFile.write("page".utf8, to: path, mode: 0o644)
        #expect(mode(path) == 0o644)
        // No temporary is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["device.yaml"])
    }

    @Test func aMissingDirectoryNamesTheFileAndTheReason() throws {
        let path = try directory() + "/absent/report.html"
        #expect {
            try AtomicFile.write([1, 2, 3], to: path, mode: 0o644)
        } throws: { error in
            let failure = error as? AtomicFile.Failure
            return failure?.path == path && failure?.reason.contains("No such file or directory") == true
        }
    }
}
