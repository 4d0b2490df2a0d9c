import BenchTestSupport
import Foundation
import Testing

@testable import Reports

/// Writing pages where they cannot all go: one error naming the page and the system's reason,
/// no half-written page, and pages written before stay whole.
@Suite(.serialized) struct ReportOutputTests {
    @Test func aFullDiskStopsWithTheReasonAndLeavesNoPartialPage() throws {
        guard getuid() == 0 else {
            print("ReportOutputTests: mounting a tmpfs needs root (uid \(getuid())); the full-disk case is skipped")
            return
        }
        let fixture = try ReportFixture()
        defer { try? fixture.remove() }  // a temporary directory; a leftover is harmless
        let disk = fixture.root.appendingPathComponent("disk").path
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        guard mount("tmpfs", disk, "tmpfs", 0, "size=48k,mode=0755") == 0 else {
            Issue.record("cannot mount a tmpfs at \(disk): \(String(cString: strerror(errno)))")
            return
        }
        defer {
            if umount(disk) != 0 { Issue.record("cannot unmount \(disk): \(String(cString: strerror(errno)))") }
        }
        var failure: ReportOutputError?
        do {
            _ = try ReportWriter.write(store: fixture.store, workspace: fixture.workspace, to: URL(fileURLWithPath: disk + "/Reports"))
        } catch let e as ReportOutputError {
            failure = e
        }
        let e = try #require(failure, "48 KiB cannot hold every page, yet writing succeeded")
        #expect(e.reason == "No space left on device", "\(e)")
        #expect(e.path.hasPrefix(disk + "/Reports/") && e.path.hasSuffix(".html"))
        let files = try FileManager.default.contentsOfDirectory(atPath: disk + "/Reports")
        #expect(!files.contains { $0.contains(".tmp-") }, "a temporary file was left: \(files)")
        #expect(!files.contains(URL(fileURLWithPath: e.path).lastPathComponent), "the page that failed exists")
        // What was written is whole: the index ends its document.
        let index = try String(contentsOfFile: disk + "/Reports/index.html", encoding: .utf8)
        #expect(index.hasSuffix("</html>\n"))
    }

    @Test func anOutputPathThroughAFileIsRefusedWithItsReason() throws {
        let root = try CommandLineTool.temporaryDirectory("bb-report-out")
        defer { try? FileManager.default.removeItem(at: root) }  // a temporary directory; a leftover is harmless
        let file = root.appendingPathComponent("plain")
        try Data("x".utf8).write(to: file)
        #expect(throws: ReportOutputError.self) { try ReportWriter.makeDirectory(file.path + "/Reports") }
        do {
            try ReportWriter.makeDirectory(file.path + "/Reports")
        } catch {
            #expect(error.reason == "Not a directory" && error.path == file.path + "/Reports")
        }
    }
}
