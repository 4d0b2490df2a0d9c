import BenchCore
import Foundation
import Synchronization
import Testing

@testable import Probes

/// Counting over a window on this machine. The CI VM has no hardware PMU: software events must
/// count real values and hardware events must say they are unsupported. On a machine with a
/// PMU the hardware test checks values instead, and prints which path ran.
@Suite struct CounterSessionTests {
    static let software = ["perf::PERF_COUNT_SW_TASK_CLOCK", "perf::CONTEXT-SWITCHES", "perf::PAGE-FAULTS"]

    /// Root or perf_event_paranoid <= 1 can count software events in user and kernel mode.
    static var privileged: Bool {
        let paranoid = (try? String(contentsOfFile: "/proc/sys/kernel/perf_event_paranoid", encoding: .utf8)) ?? "2"
        return getuid() == 0 || (Int(paranoid.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 2) <= 1
    }

    @Test func softwareEventsCountRealValues() throws {
        let session = try CounterSession(events: Self.software)
        #expect(session.unavailableEvents.isEmpty || !Self.privileged, "\(session.unavailableEvents)")
        try session.start()
        let size = 16 << 20
        // Fresh pages straight from mmap: malloc may hand back memory already faulted in
        // (glibc raises its mmap threshold after a large free), which would count no faults.
        let buffer = try #require(mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        #expect(buffer != MAP_FAILED)
        memset(buffer, 1, size)  // first touch of every page: page faults
        munmap(buffer, size)
        for _ in 0..<20 { usleep(200) }  // sleeping: context switches
        let results = try session.stop()
        #expect(results.readings.map(\.event) == Self.software)
        #expect(results.threadsCounted >= 1)
        guard Self.privileged else {
            print("CounterSessionTests: not root and perf_event_paranoid > 1: \(results.readings.map { "\($0.event): \($0.unavailableReason ?? "ok")" })")
            return
        }
        for reading in results.readings {
            #expect(reading.isAvailable, "\(reading.event): \(reading.unavailableReason ?? "")")
            #expect((reading.value ?? 0) > 0, "\(reading.event) counted zero")
            #expect(reading.group == "software" && reading.privilege == .userAndKernel)
            #expect(reading.multiplexed == false && reading.scalingFactor == 1)
        }
        #expect(results.reading("perf::PERF_COUNT_SW_TASK_CLOCK")?.unit == .nanoseconds)
        #expect((results.reading("perf::PAGE-FAULTS")?.value ?? 0) >= Double(size / 4096) / 2)
        #expect((results.reading("perf::CONTEXT-SWITCHES")?.value ?? 0) >= 10)
        #expect(results.groupReads && results.inheritsNewThreads)
    }

    @Test func hardwareEventsAreUnsupportedWithoutAPMUAndCountWithOne() throws {
        let session = try CounterSession(events: ["perf::CYCLES", "perf::INSTRUCTIONS", "perf::PERF_COUNT_SW_TASK_CLOCK"])
        try session.start()
        var x = 0.0
        for i in 0..<2_000_000 { x += sqrt(Double(i)) }
        let results = try session.stop()
        #expect(x > 0)
        let hasPMU =
            FileManager.default.fileExists(atPath: "/sys/bus/event_source/devices/cpu")
            || (try? FileManager.default.contentsOfDirectory(atPath: "/sys/bus/event_source/devices"))?.contains { $0.hasPrefix("armv") } == true
        for name in ["perf::CYCLES", "perf::INSTRUCTIONS"] {
            let reading = try #require(results.reading(name))
            if reading.isAvailable {
                print("CounterSessionTests: PMU path: \(name) = \(reading.value ?? 0) (scaling \(reading.scalingFactor ?? 0))")
                #expect((reading.value ?? 0) > 0)
                #expect(reading.group == "hardware-0")
            } else {
                print("CounterSessionTests: no-PMU path: \(name): \(reading.unavailableReason ?? "")")
                #expect(reading.value == nil && reading.rawValue == nil, "an unavailable event must not carry a number")
                if Self.privileged { #expect(reading.unavailableReason?.contains("unsupported on this CPU") == true) }
                #expect(!hasPMU || !Self.privileged, "a PMU is present but \(name) was refused: \(reading.unavailableReason ?? "")")
            }
        }
        if Self.privileged { #expect(results.reading("perf::PERF_COUNT_SW_TASK_CLOCK")?.isAvailable == true) }
    }

    @Test func eventsLibpfmCannotEncodeAreUnavailableWithTheReason() throws {
        let session = try CounterSession(events: ["perf::NO-SUCH-EVENT", "perf::PERF_COUNT_SW_TASK_CLOCK"])
        #expect(session.unavailableEvents["perf::NO-SUCH-EVENT"]?.contains("libpfm4 cannot encode it") == true)
        try session.start()
        let results = try session.stop()
        let missing = try #require(results.reading("perf::NO-SUCH-EVENT"))
        #expect(missing.value == nil && missing.unavailableReason?.contains("libpfm4") == true)
        #expect(results.perIteration(iterations: 10)["perf::NO-SUCH-EVENT"] == nil)
    }

    @Test func misuseIsAnError() throws {
        #expect(throws: CounterError.noEvents) { try CounterSession(events: []) }
        #expect(throws: CounterError.duplicateEvent("perf::PAGE-FAULTS")) {
            try CounterSession(events: ["perf::PAGE-FAULTS", "perf::PAGE-FAULTS"])
        }
        let session = try CounterSession(events: ["perf::PAGE-FAULTS"])
        #expect(throws: CounterError.notStarted) { try session.stop() }
        try session.start()
        #expect(throws: CounterError.alreadyStarted) { try session.start() }
        _ = try session.stop()
        #expect(CounterError.alreadyStarted.description.contains("create a new one"))
    }
}
