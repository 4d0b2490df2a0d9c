import BenchCore
import Foundation
import Probes
import Testing

/// Fixture trees that mimic each board's sensors, copied to a temporary directory so a test can
/// rewrite values while a sampler reads them.
enum EnergyFixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A private copy of `Fixtures/<name>`; the caller removes it.
    static func copy(_ name: String) throws -> URL {
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("bb-energy-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: directory.appendingPathComponent(name), to: target)
        return target
    }

    /// Replaces a file the way a sensor update looks to a reader: all at once (write + rename).
    static func write(_ text: String, to file: URL) throws {
        try (text + "\n").write(to: file, atomically: true, encoding: .utf8)
    }

    static func watts(_ config: EnergyConfig, root: SysfsRoot) -> Result<Double, EnergyUnavailable> {
        EnergySources.open(config, root: root).flatMap { $0.read() }
    }

    static func reason(_ config: EnergyConfig, root: SysfsRoot) -> String? {
        if case .failure(let why) = EnergySources.open(config, root: root) { return why.description }
        return nil
    }
}

@Suite struct EnergyProviderTests {
    let rapl = SysfsRoot(EnergyFixture.path("rapl-x86"))
    let nano = SysfsRoot(EnergyFixture.path("jetson-nano-l4t32"))
    let orin = SysfsRoot(EnergyFixture.path("jetson-orin-l4t36"))
    let vcgencmd = EnergyFixture.path("pi5-vcgencmd/vcgencmd")

    @Test func jetsonL4T32ReadsTheIIOPowerFileInMilliwatts() throws {
        let watts = try EnergyFixture.watts(EnergyConfig(provider: .ina3221IIO, rail: "POM_5V_IN"), root: nano).get()
        #expect(abs(watts - 2.089) < 1e-9)
        let cpu = try EnergyFixture.watts(EnergyConfig(provider: .ina3221IIO, rail: "POM_5V_CPU"), root: nano).get()
        #expect(abs(cpu - 0.356) < 1e-9)
    }

    @Test func jetsonL4T36MultipliesBusMillivoltsByMilliamps() throws {
        let source = try EnergySources.open(EnergyConfig(provider: .ina3221Hwmon, rail: "VDD_IN"), root: orin).get()
        #expect(abs(try source.read().get() - 5.080 * 1.176) < 1e-9)
        #expect(source.quantity == .power)
        #expect(source.updateIntervalSeconds == 0.008)
        let soc = try EnergyFixture.watts(EnergyConfig(provider: .ina3221Hwmon, rail: "VDD_SOC"), root: orin).get()
        #expect(abs(soc - 5.072 * 0.592) < 1e-9)
    }

    @Test func jetsonGenerationsAreNotConfused() {
        let iioOnOrin = EnergyFixture.reason(EnergyConfig(provider: .ina3221IIO, rail: "POM_5V_IN"), root: orin)
        #expect(iioOnOrin?.contains("ina3221-hwmon") == true)
        let hwmonOnNano = EnergyFixture.reason(EnergyConfig(provider: .ina3221Hwmon, rail: "VDD_IN"), root: nano)
        #expect(hwmonOnNano?.contains("ina3221-iio") == true)
    }

    @Test func raspberryPi5SumsVoltsTimesAmpsOverPMICRails() throws {
        let all = try EnergyFixture.watts(EnergyConfig(provider: .rpi5PMIC, command: [vcgencmd, "pmic_read_adc"]), root: SysfsRoot("/")).get()
        // Sum of V x A over the 12 rails with both lines; EXT5V and BATT have a voltage only.
        #expect(abs(all - 1.7834754177470198) < 1e-9)
        let core = try EnergyFixture.watts(
            EnergyConfig(provider: .rpi5PMIC, rail: "VDD_CORE", command: [vcgencmd, "pmic_read_adc"]), root: SysfsRoot("/")
        ).get()
        #expect(abs(core - 0.75012 * 0.8936988) < 1e-9)
    }

    @Test func pmicParserKeepsOnlyRailsWithBothReadings() throws {
        let text = try String(contentsOfFile: EnergyFixture.path("pi5-vcgencmd/pmic_read_adc.txt"), encoding: .utf8)
        let rails = PMICSource.parse(text)
        #expect(rails.count == 12)
        #expect(rails.first { $0.name == "VDD_CORE" } == PMICSource.Rail(name: "VDD_CORE", volts: 0.8936988, amps: 0.75012))
        #expect(!rails.contains { $0.name == "EXT5V" || $0.name == "BATT" })
        #expect(PMICSource.parse("error=2 error_msg=\"Command not registered\"").isEmpty)
    }

    @Test func aBoardWithoutThePMICIsUnavailableWithAReason() {
        let notPi5 = EnergyConfig(provider: .rpi5PMIC, command: ["/bin/sh", "-c", "echo 'error=2 error_msg=\"Command not registered\"'"])
        #expect(EnergyFixture.reason(notPi5, root: SysfsRoot("/"))?.contains("not a Raspberry Pi 5") == true)
        let noTool = EnergyConfig(provider: .rpi5PMIC, command: ["/nonexistent/vcgencmd", "pmic_read_adc"])
        #expect(EnergyFixture.reason(noTool, root: SysfsRoot("/"))?.contains("cannot run /nonexistent/vcgencmd") == true)
    }

    @Test func raplReadsTheZoneByNameAndItsWrapRange() throws {
        let source = try EnergySources.open(EnergyConfig(provider: .rapl, rail: "package-0"), root: rapl).get()
        #expect(source.quantity == .energyCounter)
        #expect(abs(try source.read().get() - 262_143.0) < 1e-6)
        #expect(source.counterRangeJoules == 262_143.328850)
        #expect(source.description.contains("intel-rapl:0"))
        let dram = try EnergySources.open(EnergyConfig(provider: .rapl, rail: "dram"), root: rapl).get()
        #expect(dram.counterRangeJoules == 65_712.999613)
    }

    @Test func hwmonChoosesTheDeviceByNameAndTheChannelByLabel() throws {
        let ina226 = try EnergyFixture.watts(EnergyConfig(provider: .hwmon, device: "ina226"), root: rapl).get()
        #expect(ina226 == 4.25)
        let meter = try EnergyFixture.watts(EnergyConfig(provider: .hwmon, rail: "power1", device: "power_meter"), root: rapl).get()
        #expect(meter == 95.5)
        let socket = try EnergySources.open(EnergyConfig(provider: .hwmon, rail: "Esocket0", device: "amd_energy"), root: rapl).get()
        #expect(socket.quantity == .energyCounter)
        #expect(try socket.read().get() == 98_765)
    }

    @Test func externalCommandReadsWattsOrJoules() throws {
        let dir = try EnergyFixture.copy("external-meter")
        defer { try? FileManager.default.removeItem(at: dir) }
        let meter = dir.appendingPathComponent("meter").path
        #expect(try EnergyFixture.watts(EnergyConfig(provider: .command, command: [meter]), root: SysfsRoot("/")).get() == 4.93)
        try EnergyFixture.write("7.25", to: dir.appendingPathComponent("watts.txt"))
        #expect(try EnergyFixture.watts(EnergyConfig(provider: .command, command: [meter]), root: SysfsRoot("/")).get() == 7.25)
        let joules = try EnergySources.open(EnergyConfig(provider: .command, command: [meter], commandUnit: .joules), root: SysfsRoot("/")).get()
        #expect(joules.quantity == .energyCounter)
        #expect(CommandSource.parse("reading: 12.5W\n") == 12.5)
        #expect(CommandSource.parse("no number here") == nil)
    }

    @Test func aMissingRailListsTheRailsThatExist() {
        let zone = EnergyFixture.reason(EnergyConfig(provider: .rapl, rail: "package-3"), root: rapl) ?? ""
        #expect(zone.contains("no zone named package-3") && zone.contains("package-0 (intel-rapl:0)") && zone.contains("psys"))
        #expect(zone.contains("energy.rail"))
        let ina = EnergyFixture.reason(EnergyConfig(provider: .ina3221Hwmon, rail: "VIN_SYS_5V0"), root: orin) ?? ""
        #expect(ina.contains("VDD_IN, VDD_CPU_GPU_CV, VDD_SOC"))
        let hwmon = EnergyFixture.reason(EnergyConfig(provider: .hwmon, device: "nct6775"), root: rapl) ?? ""
        #expect(hwmon.contains("k10temp, amd_energy, ina226, power_meter"))
        let label = EnergyFixture.reason(EnergyConfig(provider: .hwmon, rail: "Ecore999", device: "amd_energy"), root: rapl) ?? ""
        #expect(label.contains("Ecore000 (energy1), Esocket0 (energy2)"))
        let none = EnergyFixture.reason(EnergyConfig(provider: .rapl), root: SysfsRoot("/nonexistent-root")) ?? ""
        #expect(none.contains("no intel-rapl zones"))
    }

    @Test func aBoardWithoutASensorSaysHowToAddAMeter() {
        #expect(EnergyFixture.reason(EnergyConfig(provider: .none), root: SysfsRoot("/"))?.contains("energy.provider: command") == true)
        #expect(EnergyFixture.reason(EnergyConfig(provider: .command), root: SysfsRoot("/"))?.contains("energy.command") == true)
    }
}

@Suite struct EnergyConfigTests {
    @Test func decodesWithDefaults() throws {
        let json = #"{"provider": "ina3221-hwmon", "rail": "VDD_IN"}"#
        let config = try JSONDecoder().decode(EnergyConfig.self, from: Data(json.utf8))
        #expect(config == EnergyConfig(provider: .ina3221Hwmon, rail: "VDD_IN"))
        #expect(config.sampleRateHertz == EnergyConfig.defaultSampleRateHertz && config.minimumSamples == 10)
        let back = try JSONDecoder().decode(EnergyConfig.self, from: JSONEncoder().encode(config))
        #expect(back == config)
    }

    @Test func outOfRangeSettingsAreNamed() {
        #expect(EnergyConfig(provider: .rapl, sampleRateHertz: 0).problem()?.contains("sampleRateHertz") == true)
        #expect(EnergyConfig(provider: .rapl, minimumSamples: 1).problem()?.contains("minimumSamples") == true)
        #expect(EnergyConfig(provider: .rapl).problem() == nil)
    }

    /// Every board descriptor names a provider the agent knows.
    @Test func boardDescriptorsNameKnownProviders() throws {
        let boards = EnergyFixture.directory.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Devices/boards")
        let files = try FileManager.default.contentsOfDirectory(atPath: boards.path).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 6)
        for file in files {
            let text = try String(contentsOf: boards.appendingPathComponent(file), encoding: .utf8)
            let provider = text.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("provider:") }
                .map { $0.split(separator: ":", maxSplits: 1)[1].split(separator: "#")[0].trimmingCharacters(in: .whitespaces) }
            #expect(provider.flatMap(EnergyConfig.Provider.init(rawValue:)) != nil, "\(file): provider \(provider ?? "missing")")
        }
    }
}

/// The real machine: RAPL either reads or says why not (this CI VM has no RAPL).
@Suite struct EnergyLiveSystemTests {
    @Test func raplOnThisMachineReadsOrExplains() {
        switch EnergySources.open(EnergyConfig(provider: .rapl), root: SysfsRoot()).flatMap({ $0.read() }) {
        case .success(let joules): #expect(joules >= 0)
        case .failure(let why):
            print("EnergyLiveSystemTests: RAPL unavailable here: \(why)")
            #expect(why.description.hasPrefix("rapl: ") && why.description.count > 30)
        }
    }
}
