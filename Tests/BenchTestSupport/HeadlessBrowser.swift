import Foundation

/// Debian's Chromium, headless, as the report tests' real browser: the DOM after scripts ran,
/// every console message the page produced, and screenshots. `scripts/install-deps.sh`
/// installs it; runs as root need `--no-sandbox`.
public enum HeadlessBrowser {
    public struct Page: Sendable {
        /// The serialised DOM after the page's scripts ran (`--dump-dom`).
        public var dom: String
        /// Console messages and uncaught errors, one per line (Chromium logs them as `CONSOLE`).
        public var console: [String]
        public var status: Int32
        public var stderr: String
    }

    /// The browser binary, or nil when it is not installed.
    public static var executable: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public static let missingReason = "Chromium is not installed: scripts/install-deps.sh installs Debian's `chromium`"

    static func common(_ profile: URL) -> [String] {
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-background-networking",
            "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=\(profile.path)", "--enable-logging=stderr", "--v=0",
            "--virtual-time-budget=3000",
        ]
    }

    /// Loads `file` and returns its DOM after load and the console messages.
    public static func load(_ file: URL) throws -> Page {
        guard let chromium = executable else { throw Failure(description: missingReason) }
        let scratch = try CommandLineTool.temporaryDirectory("bb-chromium")
        defer { try? FileManager.default.removeItem(at: scratch) }  // a browser profile: nothing to keep
        let out = scratch.appendingPathComponent("dom.html").path, err = scratch.appendingPathComponent("stderr.txt").path
        let pid = try Spawn.start(
            chromium, common(scratch.appendingPathComponent("profile")) + ["--dump-dom", file.absoluteString], stdoutPath: out, stderrPath: err,
            environment: ProcessInfo.processInfo.environment)
        let status = Spawn.wait(pid)
        let dom = try String(contentsOfFile: out, encoding: .utf8)
        let stderr = try String(contentsOfFile: err, encoding: .utf8)
        let console = stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
        return Page(dom: dom, console: console, status: status, stderr: stderr)
    }

    /// Saves a full-width screenshot of `file` to `png`.
    public static func screenshot(_ file: URL, to png: URL, width: Int = 1280, height: Int = 2400) throws {
        guard let chromium = executable else { throw Failure(description: missingReason) }
        let scratch = try CommandLineTool.temporaryDirectory("bb-chromium")
        defer { try? FileManager.default.removeItem(at: scratch) }  // a browser profile: nothing to keep
        let pid = try Spawn.start(
            chromium,
            common(scratch.appendingPathComponent("profile")) + [
                "--hide-scrollbars", "--window-size=\(width),\(height)", "--screenshot=\(png.path)", file.absoluteString,
            ], stdoutPath: scratch.appendingPathComponent("out").path, stderrPath: scratch.appendingPathComponent("err").path,
            environment: ProcessInfo.processInfo.environment)
        let status = Spawn.wait(pid)
        guard status == 0, FileManager.default.fileExists(atPath: png.path) else {
            let err = (try? String(contentsOfFile: scratch.appendingPathComponent("err").path, encoding: .utf8)) ?? ""
            throw Failure(description: "chromium --screenshot exited \(status): \(err.suffix(600))")
        }
    }

    /// Where tests keep what they want a person to look at (screenshots): BOARDBENCH_TEST_OUTPUT,
    /// else `.build/test-output` in the package.
    public static var outputDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["BOARDBENCH_TEST_OUTPUT"] { return URL(fileURLWithPath: dir) }
        return CommandLineTool.packageRoot.appendingPathComponent(".build/test-output")
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }
}
