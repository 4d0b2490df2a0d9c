import Foundation

/// Seconds on a monotonic clock: deadlines must not jump with wall-clock changes.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Cuts a byte stream into "\n"-terminated lines; bytes may arrive split anywhere.
struct LineSplitter {
    private var pending = Data()

    /// Appends bytes and returns the lines they completed, without the "\n".
    mutating func append(_ bytes: Data) -> [String] {
        pending.append(bytes)
        var lines: [String] = []
        var start = pending.startIndex
        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(String(decoding: pending[start..<newline], as: UTF8.self))
            start = pending.index(after: newline)
        }
        pending = Data(pending[start...])
        return lines
    }

    /// The unterminated last line, if any; called at EOF.
    mutating func finish() -> String? {
        defer { pending = Data() }
        return pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self)
    }
}

/// Feeds an upload in bounded chunks so multi-MB files never sit in memory whole.
protocol ChunkSource {
    /// Fills `buffer` from its start, returns the byte count; 0 means the end.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> Int
}

struct DataChunkSource: ChunkSource {
    let data: Data
    var offset = 0

    init(_ data: Data) { self.data = data }

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> Int {
        let count = min(buffer.count, data.count - offset)
        guard count > 0 else { return 0 }
        let start = data.startIndex + offset
        data.copyBytes(to: buffer.bindMemory(to: UInt8.self), from: start..<(start + count))
        offset += count
        return count
    }
}

/// Reads a local file with read(2); owns the descriptor.
final class FileChunkSource: ChunkSource {
    private let fd: Int32
    private let path: String
    private let label: String

    init(path: String, label: String) throws(TransportError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw .local(label: label, reason: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        self.path = path
        self.label = label
    }

    deinit { close(fd) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw .local(label: label, reason: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// Largest upload chunk: libssh 0.10 SFTP drops the session on very large single writes.
let uploadChunkSize = 32 * 1024

/// When a command must end.
enum ExecLimit {
    /// The whole command must finish within this many seconds.
    case overall(Double)
    /// Some stdout must arrive at least this often.
    case idle(Double)

    var seconds: Double {
        switch self {
        case .overall(let seconds), .idle(let seconds): return seconds
        }
    }
}

/// How a command pumped by a transport ended.
enum ExecEnd {
    case exited(exitStatus: Int32, stderr: Data)
    /// The stdout sink returned false and the command was stopped.
    case stopped
}

/// Shared body of `run`: collects stdout from an exec primitive.
func collectOutput(
    _ argv: [String], label: String, timeoutSeconds: Double,
    exec: (ExecLimit, (Data) -> Bool) throws(TransportError) -> ExecEnd
) throws(TransportError) -> CommandResult {
    var stdout = Data()
    let ended = try exec(.overall(timeoutSeconds)) { chunk in
        stdout.append(chunk)
        return true
    }
    switch ended {
    case .exited(let status, let stderr):
        return CommandResult(exitStatus: status, stdout: stdout, stderr: stderr)
    case .stopped:
        // Not expected: the sink above never asks to stop; reported rather than hidden.
        throw .channel(label: label, reason: "\(describeCommand(argv)) was stopped unexpectedly")
    }
}

/// Shared body of `stream`: splits stdout into lines and stops the command when `onLine` throws,
/// rethrowing that error unchanged.
func streamLines(
    label: String, idleTimeoutSeconds: Double, onLine: (String) throws -> Void,
    exec: (ExecLimit, (Data) -> Bool) throws(TransportError) -> ExecEnd
) throws -> StreamOutcome {
    var splitter = LineSplitter()
    var callbackError: (any Error)?
    // Both closures are only called during this function; the compiler cannot see that
    // `exec` does not re-enter `onLine`, so the non-escaping closure is handed over explicitly.
    let ended = try withoutActuallyEscaping(onLine) { onLine throws(TransportError) -> ExecEnd in
        let deliver = { (lines: [String]) -> Bool in
            do {
                for line in lines { try onLine(line) }
                return true
            } catch {
                callbackError = error
                return false
            }
        }
        var ended = try exec(.idle(idleTimeoutSeconds)) { chunk in deliver(splitter.append(chunk)) }
        if case .exited = ended, let last = splitter.finish(), !deliver([last]) { ended = .stopped }
        return ended
    }
    switch ended {
    case .exited(let status, let stderr):
        return StreamOutcome(exitStatus: status, stderr: stderr)
    case .stopped:
        throw callbackError ?? TransportError.channel(label: label, reason: "the line handler stopped the command")
    }
}
