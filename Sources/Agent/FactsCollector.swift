import BenchCore
import Probes
import Runtime

/// Everything `probe` reports about the device the agent runs on.
public enum FactsCollector {
    public static func collect(root: SysfsRoot) -> DeviceFacts {
        let sys = SystemProbe(root: root)
        return DeviceFacts(
            architecture: SystemProbe.architecture, cpuModel: sys.cpuModel, logicalCores: sys.logicalCores,
            maxFrequencyKHz: sys.maxFrequencyKHz, memoryBytes: sys.memoryBytes,
            operatingSystem: sys.operatingSystem, kernel: sys.kernel, hostname: sys.hostname,
            glibcVersion: SystemProbe.glibcVersion, governor: sys.governor, thermalZones: sys.thermalZones,
            blasCoreName: RuntimeInfo.blasCoreName, blasConfig: RuntimeInfo.blasConfig,
            agentVersion: BoardBenchVersion.current, perfEvents: PerfEventProbe.availability(root: root))
    }
}
