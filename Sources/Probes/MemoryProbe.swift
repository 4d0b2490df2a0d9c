#if canImport(Glibc)
    import Glibc
#endif

/// Peak resident memory of a phase: writing 5 to clear_refs resets VmHWM, so each phase's
/// peak can be read on its own. Reads the process's own procfs (not a fixture root).
public enum MemoryProbe {
    /// Resets the high-water mark; false when the kernel refuses (then peaks include earlier phases).
    @discardableResult
    public static func resetPeak() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
    }

    /// VmHWM in KiB.
    public static func peakResidentKiB() -> Int64? { statusField("VmHWM:") }
    /// VmRSS in KiB.
    public static func residentKiB() -> Int64? { statusField("VmRSS:") }

    private static func statusField(_ key: String) -> Int64? {
        guard let text = SysfsRoot("/").read("/proc/self/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            return line.dropFirst(key.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int64($0) }
        }
        return nil
    }
}
