import BenchCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// Writes one JSON document per line to a file descriptor, unbuffered, so the host sees each
/// message the moment it exists.
public struct LineWriter {
    public struct WriteError: Error, CustomStringConvertible {
        public var errno: Int32
        public var description: String { "cannot write to the host: \(String(cString: strerror(errno)))" }
    }

    let fd: Int32
    let encoder: JSONEncoder

    public init(fd: Int32) {
        self.fd = fd
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    public func write(_ message: AgentMessage) throws {
        var bytes = [UInt8](try encoder.encode(message))
        bytes.append(UInt8(ascii: "\n"))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw WriteError(errno: errno) }
            done += n
        }
    }
}
