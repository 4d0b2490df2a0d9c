import Foundation

/// Runs BoardBench's built executables the way a user would, capturing stdout, stderr and the
/// exit status. `scripts/test.sh` builds them before `swift test` runs.
public enum CommandLineTool {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The package root, found from this source file's location.
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `.build/debug/boardbench`, or BOARDBENCH_BIN.
    public static var boardbench: String {
        ProcessInfo.processInfo.environment["BOARDBENCH_BIN"]
            ?? packageRoot.appendingPathComponent(".build/debug/boardbench").path
    }

    /// The agent the tests deploy: BOARDBENCH_TEST_AGENT (the release, static-stdlib build the
    /// test script makes), else the release build, else the debug one next to `boardbench`.
    public static var agent: String {
        if let env = ProcessInfo.processInfo.environment["BOARDBENCH_TEST_AGENT"] { return env }
        let release = packageRoot.appendingPathComponent(".build/release/boardbench-agent").path
        if FileManager.default.isExecutableFile(atPath: release) { return release }
        return packageRoot.appendingPathComponent(".build/debug/boardbench-agent").path
    }

    /// Why the CLI tests cannot run, or nil.
    public static var unavailableReason: String? {
        FileManager.default.isExecutableFile(atPath: boardbench)
            ? nil : "\(boardbench) is not built: run scripts/test.sh (it builds the executables before the tests)"
    }

    /// Runs `boardbench` with `arguments` to completion. Uses posix_spawn rather than
    /// Foundation.Process, which hangs once an sshd fixture has run (see `Spawn`).
    /// `launcher`, when given, is started instead with `boardbench`'s path as its first argument
    /// (a wrapper that changes what the process may do, then execs it).
    public static func run(_ arguments: [String], environment extra: [String: String] = [:], launcher: String? = nil) throws -> Result {
        try start(arguments, environment: extra, launcher: launcher).wait()
    }

    /// Runs a short tool (a compiler, a fixture generator) to completion and returns its
    /// combined output; throws with that output when it fails.
    public static func tool(_ path: String, _ arguments: [String]) throws -> String {
        try Spawn.run(path, arguments)
    }

    /// A `boardbench` started in the background: wait for it, or kill it as a crash would.
    public final class Background: @unchecked Sendable {  // used by one test thread
        public let pid: pid_t
        let outPath: String
        let errPath: String

        init(pid: pid_t, outPath: String, errPath: String) {
            self.pid = pid
            self.outPath = outPath
            self.errPath = errPath
        }

        /// Sends `signal` (SIGKILL: the host dies without a chance to clean up).
        public func kill(_ signal: Int32) { _ = Glibc.kill(pid, signal) }

        /// Waits for the process and returns what it printed.
        public func wait() -> Result {
            let status = Spawn.wait(pid)
            defer {
                unlink(outPath)
                unlink(errPath)
            }
            return Result(
                status: status, stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
        }

        /// stderr so far.
        public var stderrSoFar: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }
    }

    /// Starts `boardbench` with `arguments` and returns at once.
    public static func start(_ arguments: [String], environment extra: [String: String] = [:], launcher: String? = nil) throws -> Background {
        var env = ProcessInfo.processInfo.environment
        env["BOARDBENCH_AGENT"] = agent
        env.removeValue(forKey: "BOARDBENCH_DB")
        for (k, v) in extra { env[k] = v }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bb-cli-\(UUID().uuidString)")
        let outPath = scratch.path + ".out", errPath = scratch.path + ".err"
        let pid =
            if let launcher {
                try Spawn.start(launcher, [boardbench] + arguments, stdoutPath: outPath, stderrPath: errPath, environment: env)
            } else {
                try Spawn.start(boardbench, arguments, stdoutPath: outPath, stderrPath: errPath, environment: env)
            }
        return Background(pid: pid, outPath: outPath, errPath: errPath)
    }

    /// A fresh temporary directory, removed by the caller.
    public static func temporaryDirectory(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
