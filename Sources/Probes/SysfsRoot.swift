import BenchCore

#if canImport(Glibc)
    import Glibc
#endif

/// Every sysfs/procfs/etc read of the agent goes through a root, so tests point it at a
/// fixture tree that mimics a board. Files are opened afresh on every read: a sysfs value is
/// regenerated at offset 0 each time, and fixtures change while a run is going.
///
/// A device file may move `/sys` and `/proc` separately (`sysfsRoot`, `procRoot`); paths under
/// them are mapped to those directories and every other path is mapped under `root`.
public struct SysfsRoot: Sendable {
    public let root: String
    /// The directory standing for `/sys`; defaults to `root + "/sys"`.
    public let sysfs: String
    /// The directory standing for `/proc`; defaults to `root + "/proc"`.
    public let proc: String

    public init(_ root: String = "/", sysfs: String? = nil, proc: String? = nil) {
        func trimmed(_ p: String) -> String { p.hasSuffix("/") ? String(p.dropLast()) : p }
        self.root = trimmed(root)
        self.sysfs = trimmed(sysfs ?? self.root + "/sys")
        self.proc = trimmed(proc ?? self.root + "/proc")
    }

    public func path(_ absolute: String) -> String {
        if absolute == "/sys" || absolute.hasPrefix("/sys/") { return sysfs + absolute.dropFirst(4) }
        if absolute == "/proc" || absolute.hasPrefix("/proc/") { return proc + absolute.dropFirst(5) }
        return root + absolute
    }

    /// The whole file as text, or nil when it is missing or unreadable (absence is a fact, not an error).
    public func read(_ absolute: String) -> String? {
        let fd = open(path(absolute), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 4 << 20 {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return n == 0 ? String(decoding: bytes, as: UTF8.self) : nil }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// First line, trimmed.
    public func value(_ absolute: String) -> String? {
        guard let text = read(absolute) else { return nil }
        return text.split(separator: "\n", omittingEmptySubsequences: false).first.map { String($0).trimmed }
    }

    public func integer(_ absolute: String) -> Int64? { value(absolute).flatMap { Int64($0) } }

    /// Entry names of a directory, sorted; empty when it does not exist.
    public func list(_ absolute: String) -> [String] {
        guard let dir = opendir(path(absolute)) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { $0.localizedNumericLess($1) }
    }
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }

    /// "cpu2" < "cpu10": compares embedded numbers by value.
    func localizedNumericLess(_ other: String) -> Bool {
        let a = splitDigits(), b = other.splitDigits()
        for (x, y) in zip(a, b) where x != y {
            if let i = Int(x), let j = Int(y) { return i < j }
            return x < y
        }
        return a.count < b.count
    }

    private func splitDigits() -> [String] {
        var parts: [String] = []
        var current = ""
        var inDigits = false
        for c in self {
            if c.isNumber != inDigits, !current.isEmpty {
                parts.append(current)
                current = ""
            }
            inDigits = c.isNumber
            current.append(c)
        }
        if !current.isEmpty { parts.append(current) }
        return parts
    }
}

extension SysfsRoot {
    /// The root a device's probe configuration describes. `sysfsRoot` may be a fixture tree
    /// (holding `sys/`, `proc/` or `etc/`: everything maps under it) or the directory standing
    /// for `/sys` itself; `procRoot` moves `/proc` on its own.
    public init(_ config: ProbeConfig?) {
        guard let config else {
            self.init("/")
            return
        }
        var isTree = false
        if let s = config.sysfsRoot {
            isTree = ["sys", "proc", "etc"].contains { access(s + "/" + $0, F_OK) == 0 }
        }
        switch (config.sysfsRoot, isTree) {
        case (let s?, true): self.init(s, proc: config.procRoot)
        case (let s?, false): self.init("/", sysfs: s, proc: config.procRoot)
        case (nil, _): self.init("/", proc: config.procRoot)
        }
    }
}
