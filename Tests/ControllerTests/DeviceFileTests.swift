import BenchCore
import Controller
import Foundation
import Testing

@Suite struct DeviceFileTests {
    static let facts = DeviceFacts(
        architecture: "aarch64", cpuModel: "Cortex-A76", logicalCores: 4, maxFrequencyKHz: 2_400_000, memoryBytes: 8 << 30,
        operatingSystem: "Debian 12", kernel: "6.6", hostname: "pi5", glibcVersion: "2.36", governor: "ondemand",
        thermalZones: ["cpu-thermal"], blasCoreName: "CORTEXA76", blasConfig: "OpenBLAS", agentVersion: "0.1.0", perfEvents: [])

    func config(facts: DeviceFacts? = DeviceFileTests.facts) -> DeviceConfig {
        DeviceConfig(
            name: "pi5", transport: .ssh, host: "192.168.1.20", port: 22, user: "pi", workdir: "/home/pi/.boardbench",
            hostKeyFingerprint: "SHA256:abc", facts: facts)
    }

    func workspace() throws -> Workspace {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bb-ws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return Workspace(root: dir.path, databasePath: nil)
    }

    @Test func roundTripsThroughYAML() throws {
        let ws = try workspace()
        try DeviceFile.save(config(), in: ws)
        #expect(try DeviceFile.load("pi5", in: ws) == config())
        let mode = try FileManager.default.attributesOfItem(atPath: ws.deviceFile("pi5").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func aFileOthersCouldReadIsReplacedByAPrivateOneAndNoTemporaryIsLeft() throws {
        let ws = try workspace()
        try FileManager.default.createDirectory(at: ws.devicesDirectory, withIntermediateDirectories: true)
        try DeviceFile.render(config(), over: nil).write(to: ws.deviceFile("pi5"), atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: ws.deviceFile("pi5").path)
        try DeviceFile.save(config(), in: ws)
        let mode = try FileManager.default.attributesOfItem(atPath: ws.deviceFile("pi5").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: ws.devicesDirectory.path) == ["pi5.yaml"])
    }

    @Test func userEditsSurviveAndFactsAreReplaced() throws {
        let first = DeviceFile.render(config(), over: nil)
        let edited = "# rack 2\n" + first.replacingOccurrences(of: "\nfacts:", with: "\n# jump host later\nnotes: ana\nfacts:")
        var newer = config()
        newer.facts?.kernel = "6.12"
        newer.port = 2222
        let rendered = DeviceFile.render(newer, over: edited)
        #expect(rendered.hasPrefix("# rack 2\n"))
        #expect(rendered.contains("# jump host later\nnotes: ana\n"))
        #expect(rendered.contains("port: 2222") && !rendered.contains("port: 22\n"))
        #expect(rendered.contains("kernel: '6.12'") || rendered.contains("kernel: \"6.12\"") || rendered.contains("kernel: 6.12"))
        #expect(!rendered.contains("kernel: '6.6'") && !rendered.contains("kernel: \"6.6\""))
        #expect(rendered.components(separatedBy: "\nfacts:").count == 2)
    }

    @Test func malformedDeviceFileNamesFileLineAndField() throws {
        let ws = try workspace()
        try FileManager.default.createDirectory(at: ws.devicesDirectory, withIntermediateDirectories: true)
        try "name: pi5\ntransport: ssh\nhost: h\nport: twenty-two\nworkdir: /w\n".write(to: ws.deviceFile("pi5"), atomically: true, encoding: .utf8)
        let error = #expect(throws: ControllerError.self) { try DeviceFile.load("pi5", in: ws) }
        #expect(error?.description.contains("Devices/pi5.yaml") == true)
        #expect(error?.description.contains("line 4") == true && error?.description.contains("port") == true)
        #expect(error?.exitStatus == .dataError)
    }

    @Test func unknownDeviceSaysHowToEnrol() throws {
        let error = #expect(throws: ControllerError.self) { try DeviceFile.load("ghost", in: try workspace()) }
        #expect(error?.description.contains("boardbench device enrol ghost") == true && error?.exitStatus == .noInput)
    }

    @Test func hostileDeviceNameIsRefusedWithTheRule() throws {
        let error = #expect(throws: ControllerError.self) { try DeviceFile.load("../etc/passwd", in: try workspace()) }
        #expect(error?.description.contains(EntityName.rule) == true)
    }
}

@Suite struct ProfileLoaderTests {
    @Test func embeddedQuickProfileLoadsFromAnyDirectory() throws {
        let loaded = try ProfileLoader.load("Profiles/quick.yaml-that-does-not-exist/../quick")
        #expect(loaded.profile.name == "quick" && loaded.profile.benchmarks.count >= 3)
    }

    @Test func embeddedResourcesMatchTheRepository() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for name in ["quick"] {
            let repo = try String(contentsOf: root.appendingPathComponent("Profiles/\(name).yaml"), encoding: .utf8)
            #expect(BundledResources.profile(named: name)?.text == repo, "Profiles/\(name).yaml differs from the embedded copy")
        }
        let spaces = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Profiles/spaces").path).filter { $0.hasSuffix(".yaml") }
        #expect(spaces.count >= 4 && Set(spaces.map { String($0.dropLast(5)) }) == Set(BundledResources.spaceNames))
        for s in spaces {
            let repo = try String(contentsOf: root.appendingPathComponent("Profiles/spaces/\(s)"), encoding: .utf8)
            #expect(BundledResources.space(named: String(s.dropLast(5))) == repo, "Profiles/spaces/\(s) differs from the embedded copy")
        }
        let boards = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Devices/boards").path).filter { $0.hasSuffix(".yaml") }
        #expect(Set(boards.map { String($0.dropLast(5)) }) == Set(BundledResources.boardNames))
        for b in boards {
            let repo = try String(contentsOf: root.appendingPathComponent("Devices/boards/\(b)"), encoding: .utf8)
            #expect(BundledResources.board(named: String(b.dropLast(5))) == repo, "Devices/boards/\(b) differs from the embedded copy")
        }
    }

    @Test(arguments: [
        ("name: p\nbenchmarks: []\n", "at least one benchmark"),
        ("name: p\nbenchmarks:\n  - name: a b\n    model: builtin:mlp\n", "must match"),
        ("name: p\nbenchmarks:\n  - name: a\n    model: builtin:mlp\n  - name: a\n    model: builtin:mlp\n", "appears twice"),
        ("name: p\nbenchmarks:\n  - name: a\n    model: builtin:mlp\n    settings:\n      iterations: lots\n", "line 6"),
        ("name: p\nbenchmarks:\n  - name: a\n", "missing required field model"),
        ("name: p\nsettings:\n  threads: 0\nbenchmarks:\n  - name: a\n    model: builtin:mlp\n", "threads must be"),
        ("name: [unclosed\n", "not valid YAML"),
    ])
    func malformedProfilesAreNamed(_ text: String, _ expected: String) {
        let error = #expect(throws: ControllerError.self) { try ProfileLoader.parse(text, path: "p.yaml", directory: nil) }
        #expect(error?.description.contains(expected) == true, "\(error?.description ?? "")")
        #expect(error?.description.hasPrefix("p.yaml") == true)
    }
}

@Suite struct CompileAndPreflightTests {
    @Test func planHashIsStableAndContentAddressed() throws {
        let a = try ModelCompiler.compile("builtin:tiny-cnn", relativeTo: nil)
        let b = try ModelCompiler.compile("builtin:tiny-cnn", relativeTo: nil)
        let c = try ModelCompiler.compile("builtin:mlp", relativeTo: nil)
        #expect(a.hash == b.hash && a.hash != c.hash && a.hash.count == 64)
        #expect(a.hash == PlanIdentity.hash(a.plan))
        #expect(PlanIdentity.hash(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func unknownModelIsADataError() {
        let error = #expect(throws: ControllerError.self) { try ModelCompiler.compile("builtin:nope", relativeTo: nil) }
        #expect(error?.exitStatus == .dataError)
    }

    @Test func preflightSaysWhatToInstallOrBuild() throws {
        let agent = AgentBinary(path: "/x/boardbench-agent", architecture: "x86_64", minimumGlibc: "2.34")
        let wrongArch = PreflightReport(architecture: "aarch64", glibc: "2.36", missingLibraries: [])
        let e1 = #expect(throws: ControllerError.self) { try Preflight.check(wrongArch, agent: agent, device: "pi4") }
        #expect(e1?.description.contains("pi4 is aarch64") == true && e1?.description.contains("docs/cross-build.md") == true)
        let missing = PreflightReport(architecture: "x86_64", glibc: "2.36", missingLibraries: [RequiredLibrary.agentLibraries[1]])
        let e2 = #expect(throws: ControllerError.self) { try Preflight.check(missing, agent: agent, device: "pi4") }
        #expect(e2?.description == "libpfm.so.4 missing on pi4: sudo apt-get install libpfm4")
        let old = PreflightReport(architecture: "x86_64", glibc: "2.31", missingLibraries: [])
        let e3 = #expect(throws: ControllerError.self) { try Preflight.check(old, agent: agent, device: "pi4") }
        #expect(e3?.exitStatus == .configuration)
        try Preflight.check(PreflightReport(architecture: "x86_64", glibc: "2.36", missingLibraries: []), agent: agent, device: "pi4")
    }
}
