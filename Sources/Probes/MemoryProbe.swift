import CPlatform

#if canImport(Glibc)
    import Glibc
#endif

/// Peak resident memory of a phase: writing 5 to clear_refs resets VmHWM, so each phase's
/// peak can be read on its own. Reads the process's own procfs (not a fixture root).
public enum MemoryProbe {
    /// Resets the high-water mark; false when the kernel refuses (then peaks include earlier phases).
    @discardableResult
    public static func resetPeak(process: pid_t? = nil) -> Bool {
        let fd = open("/proc/\(process.map(String.init) ?? "self")/clear_refs", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
    }

    /// The block size from which malloc maps memory of its own: glibc's initial default, held
    /// fixed (see `fixAllocatorThresholds`).
    public static let mappedBlockBytes: Int32 = 128 * 1024

    /// Makes memory figures independent of what ran before. glibc raises its mmap threshold
    /// each time a mapped block is freed, so the second load of a model puts its weights on the
    /// heap, and freed heap stays resident: a model's load memory then read 18 MiB, 0 or 6 MiB
    /// depending on its place in the profile. Fixed thresholds keep every large block a mapping
    /// of its own, returned when freed. Idempotent and cheap: the agent calls it before each
    /// load; false when the C library has no mallopt (figures then carry the allocator's history).
    @discardableResult
    public static func fixAllocatorThresholds() -> Bool {
        cplatform_malloc_fix_thresholds(mappedBlockBytes) == 0
    }

    /// Returns free heap to the kernel, so the resident size that follows counts live memory
    /// only. Call before taking a baseline.
    public static func releaseFreeHeap() { _ = cplatform_malloc_release() }

    /// VmHWM in KiB, of this process or another (a program an external runner started).
    public static func peakResidentKiB(process: pid_t? = nil) -> Int64? { statusField("VmHWM:", process) }
    /// VmRSS in KiB.
    public static func residentKiB(process: pid_t? = nil) -> Int64? { statusField("VmRSS:", process) }

    private static func statusField(_ key: String, _ process: pid_t?) -> Int64? {
        guard let text = SysfsRoot("/").read("/proc/\(process.map(String.init) ?? "self")/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            return line.dropFirst(key.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int64($0) }
        }
        return nil
    }
}
