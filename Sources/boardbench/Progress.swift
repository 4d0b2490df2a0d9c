import Controller
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Shows a run's events on stderr: on a terminal, a status block (per device: current
/// benchmark, done/total, ETA) redrawn under the scrolling results; otherwise one plain line
/// per event; with `quiet`, only failures.
final class RunProgress: @unchecked Sendable {  // every access holds `lock`
    enum Mode { case terminal, lines, quiet }

    private struct DeviceState {
        var total = 0
        var done = 0
        var current: String?
        var firstStart: Date?
        var note: String?
        var measured = 0
    }

    private let mode: Mode
    private let lock = NSLock()
    private var devices: [String: DeviceState] = [:]
    private var order: [String] = []
    private var drawn = 0
    private var reportedWaits = Set<String>()

    init(quiet: Bool) {
        mode = quiet ? .quiet : (isatty(2) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb" ? .terminal : .lines)
    }

    func handle(_ event: RunEvent) {
        lock.withLock {
            update(event)
            switch mode {
            case .quiet:
                if case .deviceFailed = event { write("boardbench: \(event.line)\n") }
            case .lines:
                write("boardbench: \(event.line)\n")
            case .terminal:
                var text = erase()
                if scrolls(event) { text += "boardbench: \(event.line)\n" }
                text += block()
                write(text)
            }
        }
    }

    /// Leaves the final block on screen and moves below it.
    func finish() {
        lock.withLock { drawn = 0 }
    }

    private func scrolls(_ event: RunEvent) -> Bool {
        switch event {
        case .started, .connecting: false
        case .waitingForLock(let device, _, _):
            // Once per device; the block keeps showing it.
            reportedWaits.insert(device).inserted
        default: true
        }
    }

    private func update(_ event: RunEvent) {
        switch event {
        case .planned(_, _, let pending, let total):
            order = total.keys.sorted()
            for (d, n) in total { devices[d] = DeviceState(total: n, done: n - (pending[d] ?? 0)) }
        case .connecting(let d, let attempt): devices[d]?.note = attempt > 1 ? "reconnecting (attempt \(attempt))" : "connecting"
        case .waitingForLock(let d, let holder, _): devices[d]?.note = "waiting for the lock, held by \(holder ?? "another process")"
        case .started(let d, let b):
            devices[d]?.current = b
            devices[d]?.note = nil
            if devices[d]?.firstStart == nil { devices[d]?.firstStart = Date() }
        case .stored(let d, _, _, _), .timedOut(let d, _, _):
            devices[d]?.done += 1
            devices[d]?.measured += 1
            devices[d]?.current = nil
        case .agentDied(let d, _, _): devices[d]?.current = nil
        case .collected(let d, let stored, _): devices[d]?.done += stored
        case .retrying(let d, _, let delay, _): devices[d]?.note = "retrying in \(Int(delay.rounded(.up))) s"
        case .deviceFinished(let d, _, let failed):
            devices[d]?.current = nil
            devices[d]?.note = failed > 0 ? "finished, \(failed) not measured" : "finished"
        case .deviceFailed(let d, _):
            devices[d]?.current = nil
            devices[d]?.note = "failed"
        case .pushed: break
        }
    }

    private func erase() -> String {
        guard drawn > 0 else { return "" }
        defer { drawn = 0 }
        return "\u{1B}[\(drawn)A\u{1B}[J"
    }

    private func block() -> String {
        let width = max(order.map(\.count).max() ?? 0, 6)
        var lines: [String] = []
        for name in order {
            guard let s = devices[name] else { continue }
            let filled = s.total > 0 ? s.done * 20 / s.total : 0
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 20 - filled)
            var line = "\(name.padding(toLength: width, withPad: " ", startingAt: 0))  [\(bar)] \(s.done)/\(s.total)"
            if let current = s.current { line += "  \(current)" }
            if let note = s.note { line += "  \(note)" }
            if let eta = eta(s) { line += "  ETA \(eta)" }
            lines.append(line)
        }
        drawn = lines.count
        return lines.map { $0 + "\n" }.joined()
    }

    /// Remaining benchmarks times the mean time per benchmark measured so far on that device.
    private func eta(_ s: DeviceState) -> String? {
        guard let start = s.firstStart, s.measured > 0, s.done < s.total else { return nil }
        let per = Date().timeIntervalSince(start) / Double(s.measured)
        let seconds = Int(per * Double(s.total - s.done))
        return seconds >= 3600 ? "\(seconds / 3600)h\(seconds % 3600 / 60)m" : seconds >= 60 ? "\(seconds / 60)m\(seconds % 60)s" : "\(seconds)s"
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
