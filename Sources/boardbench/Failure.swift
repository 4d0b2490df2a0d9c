import ArgumentParser
import BenchCore
import Foundation
import Logging

/// Runs a command body, turning BoardBench errors into one line on stderr and the exit
/// status their type documents.
func run<T, E: Error>(_ body: () throws(E) -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw fail(error)
    }
}

func fail(_ error: any Error) -> ExitCode {
    let status = (error as? any ExitStatusProviding)?.exitStatus ?? .failure
    printError("error: \(error)")
    return ExitCode(status.rawValue)
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// stdout carries results only; everything else goes to stderr.
func printOut(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// Plain lines on stderr: "boardbench: message" (level shown for warnings and worse).
struct StderrLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let prefix = event.level >= .warning ? "boardbench: \(event.level): " : "boardbench: "
        printError(prefix + event.message.description)
    }
}

enum LoggingSetup {
    nonisolated(unsafe) private static var done = false
    static func bootstrapOnce() {
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { _ in StderrLogHandler() }
    }
}
