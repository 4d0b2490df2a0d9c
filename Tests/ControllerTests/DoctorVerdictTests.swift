import BenchCore
import Controller
import Testing

/// The doctor's verdicts on values, without a board.
@Suite struct DoctorVerdictTests {
    @Test func perfEventParanoidVerdicts() {
        let file = "/proc/sys/kernel/perf_event_paranoid"
        #expect(Doctor.perfEvents(paranoid: 1, uid: 1000, file: file).status == .pass)
        #expect(Doctor.perfEvents(paranoid: -1, uid: 1000, file: file).status == .pass)
        #expect(Doctor.perfEvents(paranoid: 3, uid: 0, file: file).status == .pass)
        let user = Doctor.perfEvents(paranoid: 2, uid: 1000, file: file)
        #expect(user.status == .warn && user.fix == "sudo sysctl kernel.perf_event_paranoid=1" && user.reason.contains("user space only"))
        let missing = Doctor.perfEvents(paranoid: nil, uid: 1000, file: file)
        #expect(missing.status == .warn && missing.reason.contains(file))
    }

    @Test func diskThresholds() {
        #expect(Doctor.disk(availableKiB: 600 * 1024, workdir: "/w", name: "pi").status == .pass)
        let low = Doctor.disk(availableKiB: 400 * 1024, workdir: "/w", name: "pi")
        #expect(low.status == .warn && low.fix == "boardbench device clean pi" && low.reason.contains("400 MiB"))
        let full = Doctor.disk(availableKiB: 10 * 1024, workdir: "/w", name: "pi")
        #expect(full.status == .fail && full.exitStatus == ExitStatus.configuration.rawValue)
    }

    @Test func commandCostVerdicts() {
        let quick = Doctor.commandCost(milliseconds: 12.4)
        #expect(quick.status == .pass && quick.reason.contains("12 ms") && quick.fix == nil)
        let slow = Doctor.commandCost(milliseconds: 180)
        #expect(slow.status == .warn && slow.reason.contains("180 ms") && slow.reason.contains("~/.bashrc"))
        #expect(slow.fix?.contains("case $- in") == true)
    }

    @Test func onnxRuntimeVerdicts() {
        let ok = Doctor.onnxRuntime(python: "/v/bin/python", exitStatus: 0, stdout: "1.32.0 CPUExecutionProvider\n", stderr: "", device: "pi")
        #expect(ok.status == .pass && ok.reason == "/v/bin/python has onnxruntime 1.32.0 (CPUExecutionProvider)")
        let missing = Doctor.onnxRuntime(
            python: "python3", exitStatus: 1, stdout: "", stderr: "Traceback...\nModuleNotFoundError: No module named 'onnxruntime'", device: "pi")
        #expect(missing.status == .warn && missing.reason.contains("(ModuleNotFoundError: No module named 'onnxruntime')"))
        #expect(missing.fix?.contains("pythonPath:") == true && missing.fix?.contains("Devices/pi.yaml") == true)
        let absent = Doctor.onnxRuntime(python: "/opt/py/bin/python", exitStatus: 127, stdout: "", stderr: "sh: 1: /opt/py/bin/python: not found", device: "pi")
        #expect(absent.status == .warn && absent.reason.contains("/opt/py/bin/python is not on the board"))
    }

    @Test func governorVerdicts() {
        #expect(Doctor.governor("performance").status == .pass)
        let ondemand = Doctor.governor("ondemand")
        #expect(ondemand.status == .warn && ondemand.fix == Doctor.governorFix)
        #expect(Doctor.governor(nil).status == .warn && Doctor.governor(nil).reason.contains("no cpufreq"))
    }

    @Test func reportStatusAndExitStatusFollowTheFirstFailure() {
        let ok = DoctorReport(device: "pi", checks: [DoctorCheck("a", .pass, "ok"), DoctorCheck("b", .warn, "meh")])
        #expect(ok.status == .warn && ok.exitStatus == 0)
        let failed = DoctorReport(
            device: "pi",
            checks: [
                DoctorCheck("host-key", .fail, "changed", exitStatus: .permissionDenied), DoctorCheck("disk", .fail, "full"),
                DoctorCheck("lock", .skipped, "not checked"),
            ])
        #expect(failed.status == .fail && failed.exitStatus == 77)
        #expect(DoctorReport(device: "pi", checks: [DoctorCheck("disk", .fail, "full")]).exitStatus == 78)
    }
}
