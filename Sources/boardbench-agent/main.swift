import Agent
import BenchCore
import Probes
import Runtime

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

// The agent that runs on a board. Deliberately small: `version`, `probe`, and `serve`
// (one JSON request on stdin, JSON lines on stdout). docs/formats.md describes the protocol.

let usage = """
    usage: boardbench-agent version
           boardbench-agent probe [--sysfs-root DIR]
           boardbench-agent serve [--sysfs-root DIR]   (request JSON on stdin)
    """

func fail(_ message: String, status: Int32) -> Never {
    FileHandleWriter.stderr("boardbench-agent: \(message)\n")
    exit(status)
}

enum FileHandleWriter {
    static func stderr(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}

/// Reads stdin to EOF, at most 64 MiB (requests are small; anything bigger is a mistake).
func readStandardInput() -> [UInt8] {
    var data: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while data.count < 64 << 20 {
        let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        data.append(contentsOf: chunk[0..<n])
    }
    return data
}

// A host that disconnects must not kill us with SIGPIPE mid-write; the write error ends the session.
signal(SIGPIPE, SIG_IGN)

var arguments = Array(CommandLine.arguments.dropFirst())
var root = SysfsRoot("/")
if let i = arguments.firstIndex(of: "--sysfs-root") {
    guard i + 1 < arguments.count else { fail("--sysfs-root needs a directory\n\(usage)", status: 64) }
    root = SysfsRoot(arguments[i + 1])
    arguments.removeSubrange(i...(i + 1))
}

let out = LineWriter(fd: 1)
switch arguments.first {
case "version":
    let hello = AgentMessage.Hello(
        agentVersion: BoardBenchVersion.current, protocol: AgentProtocol.version, runtimeVersion: RuntimeInfo.version, pid: getpid())
    do { try out.write(.hello(hello)) } catch { fail("\(error)", status: 74) }
case "probe":
    do { try out.write(.facts(FactsCollector.collect(root: root))) } catch { fail("\(error)", status: 74) }
case "serve":
    let request = readStandardInput()
    do {
        try AgentSession(root: root, emit: out.write).serve(requestBytes: request)
    } catch {
        fail("\(error)", status: 74)
    }
default:
    fail("unknown or missing command\n\(usage)", status: 64)
}
