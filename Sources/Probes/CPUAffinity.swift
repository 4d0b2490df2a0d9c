import CPlatform

#if canImport(Glibc)
    import Glibc
#endif

/// Pins the whole process, every thread that exists now (OpenBLAS starts its workers when it
/// loads, before any benchmark) and, by inheritance, every thread started later.
public enum CPUAffinity {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// Pins every thread in /proc/self/task to `cores`. A thread that exits meanwhile is
    /// skipped; any other refusal (a core that does not exist, a cgroup without it) fails.
    public static func pinProcess(to cores: [Int]) -> Result<Void, Failure> {
        guard !cores.isEmpty else { return .failure(Failure(description: "no cores to pin to")) }
        let set = cores.map { Int32(clamping: $0) }
        for tid in threadIDs() {
            let rc = set.withUnsafeBufferPointer { cplatform_pin_thread(tid, $0.baseAddress, Int32($0.count)) }
            if rc == -ESRCH { continue }
            if rc != 0 {
                let list = cores.map(String.init).joined(separator: ",")
                return .failure(Failure(description: "cannot pin thread \(tid) to cores \(list): \(String(cString: strerror(-rc)))"))
            }
        }
        return .success(())
    }

    /// The cores a thread (0: the caller) may run on.
    public static func cores(ofThread tid: pid_t = 0) -> [Int] {
        var buffer = [Int32](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBufferPointer { cplatform_thread_cores(tid, $0.baseAddress, Int32($0.count)) }
        return n > 0 ? buffer[0..<Int(n)].map(Int.init) : []
    }

    /// Thread IDs of this process (the real /proc, never a fixture root).
    public static func threadIDs(process: pid_t? = nil) -> [pid_t] {
        SysfsRoot("/").list("/proc/\(process.map(String.init) ?? "self")/task").compactMap { pid_t($0) }
    }
}
