import Foundation
import Runtime

/// The agent executable the host deploys, with what it needs from a board.
public struct AgentBinary: Sendable {
    public var path: String
    /// From the ELF header: "x86_64", "aarch64", ...
    public var architecture: String
    /// Highest GLIBC_x.y symbol version the binary references: the oldest glibc it runs on.
    public var minimumGlibc: String?
    /// The built-in runtime's version the binary carries (`RuntimeInfo.stamp`), nil if absent.
    public var runtimeVersion: String?
    /// SHA-256 of the bytes `inspect` read; nil: hashed from the file when asked.
    var digest: String?

    public init(path: String, architecture: String, minimumGlibc: String?, runtimeVersion: String? = nil) {
        self.path = path
        self.architecture = architecture
        self.minimumGlibc = minimumGlibc
        self.runtimeVersion = runtimeVersion
    }

    /// SHA-256 of the executable, lowercase hex: what the board must hold. Taken once, when the
    /// binary is inspected, so a farm run does not hash 27 MB per board.
    public func sha256() throws(ControllerError) -> String {
        if let digest { return digest }
        guard let data = FileManager.default.contents(atPath: path) else { throw .fileNotFound(path: path, what: "agent executable") }
        return PlanIdentity.hash(data)
    }

    /// Finds the agent: `explicit` (--agent), then `BOARDBENCH_AGENT`, then next to this executable.
    public static func locate(explicit: String?) throws(ControllerError) -> AgentBinary {
        var candidates: [String] = []
        if let explicit { candidates.append(explicit) }
        if let env = ProcessInfo.processInfo.environment["BOARDBENCH_AGENT"], !env.isEmpty { candidates.append(env) }
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("boardbench-agent").path)
        }
        for path in candidates where FileManager.default.isExecutableFile(atPath: path) {
            return try inspect(path)
        }
        if let explicit, !FileManager.default.isExecutableFile(atPath: explicit) {
            throw .fileNotFound(path: explicit, what: "agent executable")
        }
        throw .agentNotFound(searched: candidates)
    }

    static func inspect(_ path: String) throws(ControllerError) -> AgentBinary {
        guard let data = FileManager.default.contents(atPath: path), data.count > 64,
            data.prefix(4) == Data([0x7F, 0x45, 0x4C, 0x46])
        else { throw .invalidArgument("\(path) is not an ELF executable; pass the boardbench-agent binary") }
        let machine = UInt16(data[18]) | UInt16(data[19]) << 8
        let arch: String =
            switch machine {
            case 62: "x86_64"
            case 183: "aarch64"
            case 40: "armv7l"
            case 243: "riscv64"
            default: "elf-machine-\(machine)"
            }
        var binary = AgentBinary(path: path, architecture: arch, minimumGlibc: highestGlibc(in: data), runtimeVersion: runtimeStamp(in: data))
        binary.digest = PlanIdentity.hash(data)
        return binary
    }

    /// The printable text after `RuntimeInfo.stampPrefix` in the binary (the prefix also
    /// appears on its own, followed by nothing printable: that occurrence is skipped).
    public static func runtimeStamp(in data: Data) -> String? {
        let marker = Data(RuntimeInfo.stampPrefix.utf8)
        var from = data.startIndex
        while let found = data.range(of: marker, in: from..<data.endIndex) {
            var end = found.upperBound
            while end < data.endIndex, end - found.upperBound < 64, (0x21...0x7E).contains(data[end]) { end += 1 }
            if end > found.upperBound { return String(decoding: data[found.upperBound..<end], as: UTF8.self) }
            from = found.upperBound
        }
        return nil
    }

    /// Scans the version-requirement strings ("GLIBC_2.34") for the highest version.
    static func highestGlibc(in data: Data) -> String? {
        let marker = Array("GLIBC_".utf8)
        var best: [Int]? = nil
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var i = 0
            while i + marker.count < bytes.count {
                if bytes[i] == marker[0], Array(bytes[i..<i + marker.count]) == marker {
                    var j = i + marker.count
                    var text = ""
                    while j < bytes.count, (bytes[j] >= 48 && bytes[j] <= 57) || bytes[j] == 46 {
                        text.append(Character(Unicode.Scalar(bytes[j])))
                        j += 1
                    }
                    let parts = text.split(separator: ".").compactMap { Int($0) }
                    if parts.count >= 2, best.map({ $0.lexicographicallyPrecedes(parts) }) ?? true { best = parts }
                    i = j
                } else {
                    i += 1
                }
            }
        }
        return best.map { $0.map(String.init).joined(separator: ".") }
    }
}

/// Compares dotted versions numerically ("2.9" < "2.36").
func versionLess(_ a: String, _ b: String) -> Bool {
    let x = a.split(separator: ".").compactMap { Int($0) }, y = b.split(separator: ".").compactMap { Int($0) }
    return x.lexicographicallyPrecedes(y)
}
