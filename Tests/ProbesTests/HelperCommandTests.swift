import BenchCore
import Foundation
import Probes
import Testing

@Suite struct HelperCommandTests {
    @Test func returnsWhatTheCommandPrinted() throws {
        let out = try HelperCommand.run(["/bin/sh", "-c", "echo 'volt(15)=0.8V'; echo ignored >&2"]).get()
        #expect(out == "volt(15)=0.8V\n")
    }

    @Test func failuresAreDescribed() {
        guard case .failure(let missing) = HelperCommand.run(["/nonexistent/vcgencmd", "pmic_read_adc"]) else {
            Issue.record("a missing command succeeded")
            return
        }
        #expect(missing.description.contains("cannot run /nonexistent/vcgencmd"))
        guard case .failure(let failed) = HelperCommand.run(["/bin/sh", "-c", "echo 'no PMIC here' >&2; exit 3"]) else {
            Issue.record("a failing command succeeded")
            return
        }
        #expect(failed.description == "/bin/sh exited with status 3: no PMIC here")
    }

    @Test func aHungCommandIsKilledAtItsTimeout() {
        guard case .failure(let hung) = HelperCommand.run(["/bin/sleep", "30"], timeoutSeconds: 0.3) else {
            Issue.record("a hung command succeeded")
            return
        }
        #expect(hung.description == "/bin/sleep did not finish within 0.3 s")
    }

    @Test func sysAndProcCanLiveInTheirOwnDirectories() {
        let root = SysfsRoot("/fixture", sysfs: "/elsewhere/sys-tree", proc: "/p")
        #expect(root.path("/sys/class/thermal/thermal_zone0/temp") == "/elsewhere/sys-tree/class/thermal/thermal_zone0/temp")
        #expect(root.path("/proc/loadavg") == "/p/loadavg")
        #expect(root.path("/etc/os-release") == "/fixture/etc/os-release")
        #expect(root.path("/system") == "/fixture/system")
        #expect(SysfsRoot("/").path("/proc/stat") == "/proc/stat")
        #expect(SysfsRoot("/t/").path("/sys/x") == "/t/sys/x")
    }

    @Test func aDeviceFileRootIsATreeOrTheSysDirectoryItself() {
        let tree = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/pi5").path
        let asTree = SysfsRoot(ProbeConfig(sysfsRoot: tree))
        #expect(asTree.path("/sys/class/thermal") == tree + "/sys/class/thermal" && asTree.path("/proc/cpuinfo") == tree + "/proc/cpuinfo")
        let asSys = SysfsRoot(ProbeConfig(sysfsRoot: tree + "/sys", procRoot: tree + "/proc"))
        #expect(asSys.path("/sys/class/thermal") == tree + "/sys/class/thermal" && asSys.path("/proc/cpuinfo") == tree + "/proc/cpuinfo")
        #expect(asSys.path("/etc/os-release") == "/etc/os-release")
        #expect(SysfsRoot(nil as ProbeConfig?).path("/sys/x") == "/sys/x")
        #expect(SystemProbe(root: asSys).cpuModel == SystemProbe(root: asTree).cpuModel)
    }
}
