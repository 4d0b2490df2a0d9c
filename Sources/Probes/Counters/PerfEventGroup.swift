import CLibPFM

#if canImport(Glibc)
    import Glibc
#endif

/// One group of perf events opened on one thread. Owns its file descriptors and closes them
/// in deinit. The leader is opened disabled; members follow it, so one ioctl on the leader
/// resets, enables or disables the whole group (and, with `inherit`, the copies the kernel
/// made for threads created later).
final class PerfEventGroup {
    /// One fd per member, nil where that member could not be opened on this thread.
    private(set) var fds: [Int32?]
    let groupReads: Bool

    /// Per-member failure to open, by member index (errno).
    private(set) var memberErrors: [Int: Int32] = [:]

    enum OpenFailure: Error {
        /// The thread exited before it could be counted.
        case threadGone
        case leader(errno: Int32)
    }

    init(events: [EncodedEvent], tid: pid_t, inherit: Bool, groupReads: Bool) throws(OpenFailure) {
        self.groupReads = groupReads
        self.fds = Array(repeating: nil, count: events.count)
        var format = UInt64(PERF_FORMAT_TOTAL_TIME_ENABLED.rawValue | PERF_FORMAT_TOTAL_TIME_RUNNING.rawValue)
        if groupReads { format |= UInt64(PERF_FORMAT_GROUP.rawValue) }
        var leader: Int32 = -1
        for (index, event) in events.enumerated() {
            var attr = event.attr
            attr.read_format = format
            attr.disabled = index == 0 ? 1 : 0
            attr.inherit = inherit ? 1 : 0
            let fd = CLibPFM_perf_event_open_cloexec(&attr, tid, -1, leader)
            if fd >= 0 {
                fds[index] = fd
                if index == 0 { leader = fd }
                continue
            }
            let err = CLibPFM_errno()
            if index == 0 { throw err == ESRCH ? .threadGone : .leader(errno: err) }
            if err == ESRCH { throw .threadGone }
            memberErrors[index] = err
        }
    }

    deinit {
        for case let fd? in fds { close(fd) }
    }

    func enable() {
        guard let leader = fds[0] else { return }
        _ = CLibPFM_ioctl_reset(leader)
        _ = CLibPFM_ioctl_enable(leader)
    }

    func disable() {
        guard let leader = fds[0] else { return }
        _ = CLibPFM_ioctl_disable(leader)
    }

    /// value, time enabled, time running per member (nil where the member is not open or the
    /// read failed).
    func read() -> [CounterSample?] {
        if groupReads {
            guard let leader = fds[0] else { return fds.map { _ in nil } }
            // {nr, time_enabled, time_running, value[nr]}: values of open members in open order.
            let open = fds.compactMap { $0 }.count
            guard let words = readWords(leader, count: 3 + open), words[0] == UInt64(open) else { return fds.map { _ in nil } }
            var next = 3
            return fds.map { fd in
                guard fd != nil else { return nil }
                defer { next += 1 }
                return CounterSample(value: words[next], enabled: words[1], running: words[2])
            }
        }
        return fds.map { fd in
            guard let fd, let words = readWords(fd, count: 3) else { return nil }
            return CounterSample(value: words[0], enabled: words[1], running: words[2])
        }
    }

    private func readWords(_ fd: Int32, count: Int) -> [UInt64]? {
        var words = [UInt64](repeating: 0, count: count)
        let want = count * MemoryLayout<UInt64>.size
        while true {
            let n = words.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, want) }
            if n < 0 && errno == EINTR { continue }
            return n == want ? words : nil
        }
    }
}

/// One event's count on one thread (or summed over threads) with its multiplexing times.
struct CounterSample: Equatable {
    var value: UInt64
    var enabled: UInt64
    var running: UInt64
}
