import Foundation
import Probes
import Testing

/// Facts read through a fixture tree that mimics a Raspberry Pi 5 (this VM has no cpufreq or thermal zones).
@Suite struct SystemProbeTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/pi5").path

    @Test func readsABoardFromItsFixtureTree() {
        let probe = SystemProbe(root: SysfsRoot(Self.fixture))
        #expect(probe.cpuModel == "Raspberry Pi 5 Model B Rev 1.0")
        #expect(probe.logicalCores == 4)
        #expect(probe.memoryBytes == 8_245_992 * 1024)
        #expect(probe.operatingSystem == "Debian GNU/Linux 12 (bookworm)")
        #expect(probe.kernel == "6.6.31+rpt-rpi-2712")
        #expect(probe.hostname == "pi5")
        #expect(probe.cpuIndices == [0, 1, 2, 3])
        #expect(probe.maxFrequencyKHz == 2_400_000)
        #expect(probe.governor == "ondemand")
        #expect(probe.thermalZones == ["cpu-thermal"])
    }

    @Test func missingSourcesAreUnknownNotFailures() {
        let probe = SystemProbe(root: SysfsRoot("/nonexistent-root"))
        #expect(probe.cpuModel == "unknown")
        #expect(probe.maxFrequencyKHz == nil && probe.governor == nil && probe.thermalZones.isEmpty)
        #expect(probe.memoryBytes == 0)
        #expect(probe.logicalCores >= 1)
    }

    @Test func filesAreReadAfreshEachTime() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bb-sysfs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sys"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("sys/value")
        let root = SysfsRoot(dir.path)
        try "5000\n".write(to: file, atomically: false, encoding: .utf8)
        #expect(root.integer("/sys/value") == 5000)
        try "6000\n".write(to: file, atomically: false, encoding: .utf8)
        #expect(root.integer("/sys/value") == 6000)
    }

    @Test func hostFactsComeFromTheRunningSystem() {
        #expect(!SystemProbe.architecture.isEmpty && SystemProbe.architecture != "unknown")
        #expect(SystemProbe.glibcVersion.first?.isNumber == true)
    }
}

@Suite struct PerfEventProbeTests {
    /// Software events open everywhere Linux runs; hardware events depend on a PMU. On this VM
    /// hardware events must be reported unsupported, with a reason, never as zero.
    @Test func softwareEventsOpenAndUnavailableOnesCarryAReason() {
        let results = PerfEventProbe.availability(of: ["perf::PERF_COUNT_SW_TASK_CLOCK", "perf::CYCLES", "perf::NO-SUCH-EVENT"])
        #expect(results.count == 3)
        let paranoid = (try? String(contentsOfFile: "/proc/sys/kernel/perf_event_paranoid", encoding: .utf8)) ?? "2"
        if getuid() == 0 || Int(paranoid.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 2 <= 1 {
            #expect(results[0].available, "\(results[0].reason ?? "")")
        } else {
            print("PerfEventProbeTests: not root and perf_event_paranoid=\(paranoid): software events may be refused")
        }
        if !results[1].available { #expect(results[1].reason?.isEmpty == false) }
        #expect(!results[2].available && results[2].reason?.contains("libpfm4") == true)
    }

    @Test func errnoReasonsAreClassified() {
        #expect(PerfEventProbe.reason(errno: ENOENT, paranoid: "2").contains("unsupported"))
        #expect(PerfEventProbe.reason(errno: EACCES, paranoid: "4").contains("perf_event_paranoid=4"))
    }
}

@Suite struct MemoryProbeTests {
    @Test func peakResetMakesTheNextPhaseMeasurable() {
        // Touch 64 MiB, reset the peak, and check the peak dropped below what was touched.
        let size = 64 << 20
        let p = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        memset(p, 1, size)
        let before = MemoryProbe.peakResidentKiB() ?? 0
        p.deallocate()
        #expect(before > 64 * 1024)
        if MemoryProbe.resetPeak() {
            let after = MemoryProbe.peakResidentKiB() ?? 0
            #expect(after < before)
        } else {
            print("MemoryProbeTests: /proc/self/clear_refs refused; peak reset not checked")
        }
    }
}
