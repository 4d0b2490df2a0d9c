import BenchTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The bad-input catalogue (docs/reliability.md, "Bad-input catalogue"): hostile and broken
/// inputs given to the real CLI, each answered with one line on stderr that says what is wrong
/// and an exit status from docs/formats.md. The table in the docs is checked against this file,
/// so neither can change without the other.
@Suite(.enabled(if: EndToEnd.unavailableReason == nil))
struct BadInputCatalogueTests {
    /// One input: what a user does, the exit status and a part of the one error line.
    struct Case: Sendable, CustomTestStringConvertible {
        var id: String
        var exit: Int32
        var message: String
        /// Writes the input into the case's own workspace and returns the command line.
        var arguments: @Sendable (Workspace) throws -> [String]
        var testDescription: String { id }
    }

    /// A scratch workspace with a local device `local` (written by hand: nothing is deployed).
    struct Workspace {
        let url: URL
        var path: String { url.path }

        init() throws {
            url = try CommandLineTool.temporaryDirectory("bb-bad")
            try FileManager.default.createDirectory(at: url.appendingPathComponent("Devices"), withIntermediateDirectories: true)
            try write("Devices/local.yaml", "name: local\ntransport: local\nworkdir: \(path)/wd\n")
        }

        @discardableResult
        func write(_ name: String, _ text: String) throws -> String {
            try write(name, Data(text.utf8))
        }

        @discardableResult
        func write(_ name: String, _ data: Data) throws -> String {
            let file = url.appendingPathComponent(name)
            try data.write(to: file)
            return file.path
        }

        /// `run` of a profile written from `text` on the local device.
        func run(profile text: String) throws -> [String] {
            ["run", "--profile", try write("profile.yaml", text), "--device", "local", "-q", "--workspace", path]
        }

        /// `run` of a valid profile on a device whose file is `text`.
        func run(deviceFile text: String, named name: String = "local") throws -> [String] {
            try write("Devices/\(name).yaml", text)
            return ["run", "--profile", try write("ok.yaml", BadInputCatalogueTests.validProfile), "--device", name, "-q", "--workspace", path]
        }
    }

    static let validProfile = "name: ok\nsettings:\n  warmupRuns: 0\n  iterations: 1\nbenchmarks:\n  - name: a\n    model: builtin:mlp\n"
    static let goldenONNX = CommandLineTool.packageRoot.appendingPathComponent("Tests/ONNXTests/Fixtures/golden/conv_3x3_bias/model.onnx")
    static let errorFixtures = CommandLineTool.packageRoot.appendingPathComponent("Tests/ONNXTests/Fixtures/errors")

    static func profile(settings: String = "", benchmark: String = "  - name: a\n    model: builtin:mlp\n") -> String {
        "name: p\n" + (settings.isEmpty ? "" : "settings:\n\(settings)") + "benchmarks:\n" + benchmark
    }

    static func compile(_ w: Workspace, _ name: String, _ data: Data, _ extra: [String] = []) throws -> [String] {
        ["compile", try w.write(name, data)] + extra
    }

    static func plan(_ w: Workspace) throws -> Data {
        let out = w.url.appendingPathComponent("mlp.plan").path
        let r = try CommandLineTool.run(["compile", "builtin:mlp", "-o", out])
        guard r.status == 0 else { throw Failure(description: "compiling builtin:mlp failed: \(r.stderr)") }
        return try Data(contentsOf: URL(fileURLWithPath: out))
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Inputs that need no board: profiles, device files, spaces, models, plans, names.
    static let local: [Case] = [
        // Profiles: YAML that does not parse, has the wrong shape or the wrong types.
        Case(id: "profile-tab-indent", exit: 65, message: "not valid YAML") { try $0.run(profile: "name: p\nbenchmarks:\n\t- name: a\n") },
        Case(id: "profile-empty", exit: 65, message: "field (top level): expected a mapping") { try $0.run(profile: "") },
        Case(id: "profile-top-level-list", exit: 65, message: "expected a mapping") { try $0.run(profile: "- a\n- b\n") },
        Case(id: "profile-benchmarks-not-a-list", exit: 65, message: "field benchmarks: expected a list") { try $0.run(profile: "name: p\nbenchmarks: 3\n") },
        Case(id: "profile-no-benchmarks", exit: 65, message: "needs at least one benchmark") { try $0.run(profile: "name: p\nbenchmarks: []\n") },
        Case(id: "profile-benchmark-without-model", exit: 65, message: "missing required field model") {
            try $0.run(profile: "name: p\nbenchmarks:\n  - name: a\n")
        },
        Case(id: "profile-iterations-as-text", exit: 65, message: "line 3: field settings.iterations: expected an integer") {
            try $0.run(profile: profile(settings: "  iterations: many\n"))
        },
        Case(id: "profile-iterations-overflow", exit: 65, message: "field settings.iterations: expected an integer") {
            try $0.run(profile: profile(settings: "  iterations: 99999999999999999999\n"))
        },
        Case(id: "profile-iterations-zero", exit: 65, message: "iterations must be 1...10000000, got 0") {
            try $0.run(profile: profile(settings: "  iterations: 0\n"))
        },
        Case(id: "profile-negative-seconds", exit: 65, message: "warmupSeconds must be 0.0...86400.0, got -1.0") {
            try $0.run(profile: profile(settings: "  warmupSeconds: -1\n"))
        },
        Case(id: "profile-not-a-number", exit: 65, message: "warmupSeconds must be 0.0...86400.0, got nan") {
            try $0.run(profile: profile(settings: "  warmupSeconds: .nan\n"))
        },
        Case(id: "profile-min-above-max", exit: 65, message: "minMeasureSeconds (10.0) is above maxMeasureSeconds (1.0)") {
            try $0.run(profile: profile(settings: "  minMeasureSeconds: 10\n  maxMeasureSeconds: 1\n"))
        },
        Case(id: "profile-bad-core-list", exit: 65, message: "cores: \"0-x\" is not") { try $0.run(profile: profile(settings: "  cores: \"0-x\"\n")) },
        Case(id: "profile-misspelt-setting", exit: 65, message: "field settings.iteration: unknown field (did you mean iterations?)") {
            try $0.run(profile: profile(settings: "  iteration: 500\n"))
        },
        Case(id: "profile-unknown-benchmark-key", exit: 65, message: "field benchmarks[0].colour: unknown field") {
            try $0.run(profile: profile(benchmark: "  - name: a\n    model: builtin:mlp\n    colour: red\n"))
        },
        Case(id: "profile-duplicate-key", exit: 65, message: "line 2: field name: appears twice in the same mapping") {
            try $0.run(profile: "name: p\nname: q\nbenchmarks:\n  - name: a\n    model: builtin:mlp\n")
        },
        Case(id: "profile-duplicate-benchmark", exit: 65, message: "appears twice (benchmarks[0] and benchmarks[1])") {
            try $0.run(profile: profile(benchmark: "  - name: a\n    model: builtin:mlp\n  - name: a\n    model: builtin:mlp\n"))
        },
        Case(id: "profile-undefined-alias", exit: 65, message: "found undefined alias") { try $0.run(profile: "name: *nothing\nbenchmarks: []\n") },
        Case(id: "profile-alias-bomb", exit: 65, message: "field name: expected a single value") {
            // Nine levels of nine-fold aliases: 387 million strings if expanded.
            var text = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
            for i in 1...9 { text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 9).joined(separator: ", ") + "]\n" }
            return try $0.run(profile: text + "name: *a9\nbenchmarks: []\n")
        },
        Case(id: "profile-not-utf8", exit: 65, message: "cannot be read as UTF-8 text") {
            [
                "run", "--profile", try $0.write("latin1.yaml", Data([0x6E, 0x61, 0x6D, 0x65, 0x3A, 0x20, 0xE9, 0xFF, 0x0A])), "--device", "local",
                "--workspace", $0.path,
            ]
        },
        Case(id: "profile-missing", exit: 66, message: "does not exist") {
            ["run", "--profile", $0.path + "/absent.yaml", "--device", "local", "--workspace", $0.path]
        },
        Case(id: "profile-sweep-scalar", exit: 65, message: "a sweep key takes a list of values") {
            try $0.run(profile: "name: p\nsweep:\n  threads: 2\nbenchmarks:\n  - name: a\n    model: builtin:mlp\n")
        },
        Case(id: "profile-sweep-unknown-key", exit: 65, message: "unknown sweep key colour") {
            try $0.run(profile: "name: p\nsweep:\n  colour: [1]\nbenchmarks:\n  - name: a\n    model: builtin:mlp\n")
        },
        Case(id: "profile-model-missing", exit: 66, message: "does not exist") {
            try $0.run(profile: profile(benchmark: "  - name: a\n    model: absent.onnx\n"))
        },
        Case(id: "profile-unknown-builtin", exit: 65, message: "unknown built-in model \"nope\"") {
            try $0.run(profile: profile(benchmark: "  - name: a\n    model: builtin:nope\n"))
        },
        // Runners: fields checked at load; a model ONNX Runtime would refuse is refused here.
        Case(id: "profile-runner-unknown", exit: 65, message: "field runner: \"tflite\" is not one of builtin, command, onnxruntime") {
            try $0.run(profile: profile(benchmark: "  - name: a\n    model: builtin:mlp\n    runner: tflite\n"))
        },
        Case(id: "profile-runner-placeholder", exit: 65, message: "field command: unknown placeholder {thread}") {
            try $0.run(profile: profile(benchmark: "  - name: a\n    model: board:/m.gguf\n    runner: command\n    command: [x, \"{thread}\"]\n"))
        },
        Case(id: "profile-onnxruntime-not-onnx", exit: 65, message: "runner onnxruntime needs an ONNX model (.onnx), got builtin:mlp") {
            try $0.run(profile: profile(benchmark: "  - name: a\n    model: builtin:mlp\n    runner: onnxruntime\n"))
        },
        Case(id: "profile-onnxruntime-truncated-model", exit: 65, message: "not a readable ONNX model") {
            let model = try Data(contentsOf: goldenONNX)
            try $0.write("cut.onnx", model.prefix(model.count / 2))
            return try $0.run(profile: profile(benchmark: "  - name: a\n    model: cut.onnx\n    runner: onnxruntime\n"))
        },

        // Names: device and benchmark names follow EntityName.rule, and the message says so.
        Case(id: "name-benchmark-with-space", exit: 65, message: "\"a b\" must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}") {
            try $0.run(profile: profile(benchmark: "  - name: \"a b\"\n    model: builtin:mlp\n"))
        },
        Case(id: "name-benchmark-path-traversal", exit: 65, message: "\"../../etc/x\" must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}") {
            try $0.run(profile: profile(benchmark: "  - name: ../../etc/x\n    model: builtin:mlp\n"))
        },
        Case(id: "name-benchmark-too-long", exit: 65, message: "must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}") {
            try $0.run(profile: profile(benchmark: "  - name: \(String(repeating: "b", count: 65))\n    model: builtin:mlp\n"))
        },
        Case(id: "name-device-with-space", exit: 64, message: "device name \"bad name\" is not allowed: names must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}") {
            ["device", "enrol", "bad name", "--local", "--workspace", $0.path]
        },
        Case(id: "name-device-path-traversal", exit: 64, message: "device name \"../x\" is not allowed: names must match") {
            ["run", "--profile", try $0.write("ok.yaml", validProfile), "--device", "../x", "--workspace", $0.path]
        },
        Case(id: "name-device-leading-dot", exit: 64, message: "device name \".hidden\" is not allowed") {
            ["device", "enrol", ".hidden", "--local", "--workspace", $0.path]
        },

        // Device files.
        Case(id: "device-not-yaml", exit: 65, message: "Devices/local.yaml: line 3, column 1: field transport: not valid YAML") {
            try $0.run(deviceFile: "name: local\ntransport: [\n")
        },
        Case(id: "device-port-as-text", exit: 65, message: "line 4: field port: expected an integer") {
            try $0.run(deviceFile: "name: local\ntransport: ssh\nhost: pi\nport: ssh\nworkdir: /tmp\n")
        },
        Case(id: "device-port-out-of-range", exit: 65, message: "field port: must be 1...65535, got 70000") {
            try $0.run(deviceFile: "name: local\ntransport: ssh\nhost: pi\nport: 70000\nworkdir: /tmp\n")
        },
        Case(id: "device-unknown-transport", exit: 65, message: "field transport: \"telnet\" is not a transport; expected ssh or local") {
            try $0.run(deviceFile: "name: local\ntransport: telnet\nworkdir: /tmp\n")
        },
        Case(id: "device-relative-workdir", exit: 65, message: "field workdir: must be an absolute path, got \"bb\"") {
            try $0.run(deviceFile: "name: local\ntransport: local\nworkdir: bb\n")
        },
        Case(id: "device-missing-workdir", exit: 65, message: "missing required field workdir") { try $0.run(deviceFile: "name: local\ntransport: local\n") },
        Case(id: "device-name-mismatch", exit: 65, message: "field name: says \"other\", the file is named local") {
            try $0.run(deviceFile: "name: other\ntransport: local\nworkdir: /tmp\n")
        },
        Case(id: "device-misspelt-key", exit: 65, message: "line 4: field prt: unknown field (did you mean port?)") {
            try $0.run(deviceFile: "name: local\ntransport: local\nworkdir: /tmp\nprt: 2222\n")
        },
        Case(id: "device-not-enrolled", exit: 66, message: "device ghost is not enrolled") {
            ["run", "--profile", try $0.write("ok.yaml", validProfile), "--device", "ghost", "--workspace", $0.path]
        },
        Case(id: "device-workdir-with-newline", exit: 64, message: "field workdir: must not contain newlines, NUL or backslashes") {
            ["device", "enrol", "nl", "--local", "--workdir", "/tmp/a\nb", "--workspace", $0.path]
        },

        // Search spaces and architecture specs.
        Case(id: "space-not-yaml", exit: 65, message: "not valid YAML or JSON") {
            ["table", "build", "--space", try $0.write("space.yaml", "name: bad\nfamily: [\n"), "--device", "local", "--workspace", $0.path]
        },
        Case(id: "space-unknown-field", exit: 65, message: "unknown field \"bogus\"; expected one of name, family") {
            ["table", "build", "--space", try $0.write("space.yaml", "name: bad\nbogus: 1\n"), "--device", "local", "--workspace", $0.path]
        },
        Case(id: "architecture-outside-its-space", exit: 65, message: "0 stages given; ofa-mbv3 has 5") {
            ["compile", try $0.write("arch.yaml", "space: ofa-mbv3\nresolution: 224\nstages: []\n")]
        },

        // ONNX models.
        Case(id: "onnx-random-bytes", exit: 65, message: "malformed ONNX data") { w in
            try compile(w, "random.onnx", Data((0..<100).map { UInt8(truncatingIfNeeded: $0 &* 151 &+ 7) }))
        },
        Case(id: "onnx-empty", exit: 65, message: "ModelProto has no graph") { try compile($0, "empty.onnx", Data()) },
        Case(id: "onnx-truncated", exit: 65, message: "exceeds the") { w in
            let bytes = try Data(contentsOf: goldenONNX)
            return try compile(w, "truncated.onnx", bytes.prefix(bytes.count / 2))
        },
        Case(id: "onnx-oversized-length", exit: 65, message: "field 7 of ModelProto: length 4294967295 at offset 709 exceeds the 0 bytes left") { w in
            // A second graph field that claims 4 GiB: nothing is allocated for it.
            try compile(w, "oversized.onnx", try Data(contentsOf: goldenONNX) + Data([0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]))
        },
        Case(id: "onnx-trailing-zeros", exit: 65, message: "field key 0 at offset 708 has an invalid field number") { w in
            try compile(w, "padded.onnx", try Data(contentsOf: goldenONNX) + Data(count: 3000))
        },
        Case(id: "onnx-bit-flipped", exit: 65, message: "an invalid wire type") { w in
            var bytes = try Data(contentsOf: goldenONNX)
            bytes[0] ^= 0x07  // field 1 (ir_version), varint -> wire type 7, which does not exist
            return try compile(w, "flipped.onnx", bytes)
        },
        Case(id: "onnx-unknown-ops", exit: 65, message: "the model uses 4 unsupported ops: Celu ×2") {
            ["compile", try $0.write("ops.onnx", try Data(contentsOf: errorFixtures.appendingPathComponent("unsupported_ops.onnx")))]
        },
        Case(id: "onnx-dynamic-input", exit: 65, message: "input 'x' has dynamic shape [batch, 3, 4, 4]; fix it with --input-shape") { _ in
            ["compile", errorFixtures.appendingPathComponent("dynamic_input.onnx").path]
        },
        Case(id: "onnx-dimension-overflow", exit: 65, message: "tensor x has dimension 4294967296") { _ in
            ["compile", errorFixtures.appendingPathComponent("dynamic_input.onnx").path, "--input-shape", "4294967296x3x4x4"]
        },
        Case(id: "onnx-element-count-overflow", exit: 65, message: "tensor x has more than 2^31 elements") { _ in
            ["compile", errorFixtures.appendingPathComponent("dynamic_input.onnx").path, "--input-shape", "100000000x3x4x4"]
        },
        Case(id: "onnx-shape-not-a-number", exit: 65, message: "\"99999999999999999999x3x4x4\" is not a shape like 1x3x224x224") { _ in
            ["compile", errorFixtures.appendingPathComponent("dynamic_input.onnx").path, "--input-shape", "99999999999999999999x3x4x4"]
        },
        Case(id: "onnx-external-data", exit: 65, message: "save_as_external_data=False") { _ in
            ["compile", errorFixtures.appendingPathComponent("external_data.onnx").path]
        },
        Case(id: "model-unknown-kind", exit: 64, message: "expected builtin:NAME, a .plan file, an .onnx model or an architecture spec") {
            ["compile", try $0.write("model.txt", "hello\n")]
        },

        // Plans.
        Case(id: "plan-truncated", exit: 65, message: "plan is truncated: header says") { w in try compile(w, "t.plan", try plan(w).prefix(50)) },
        Case(id: "plan-oversized", exit: 65, message: "plan has 7 bytes after its end") { w in try compile(w, "o.plan", try plan(w) + Data("garbage".utf8)) },
        Case(id: "plan-bit-flipped", exit: 65, message: "fails its CRC-32 check: the file is corrupted") { w in
            var bytes = try plan(w)
            bytes[bytes.count / 2] ^= 0x10
            return try compile(w, "f.plan", bytes)
        },
        Case(id: "plan-not-a-plan", exit: 65, message: "not a BoardBench plan (bad magic)") {
            try compile($0, "png.plan", Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        },
    ]

    @Test(arguments: local)
    func badInputIsRefusedWithOneLine(_ c: Case) throws {
        let w = try Workspace()
        defer { try? FileManager.default.removeItem(at: w.url) }  // scratch; a failure to remove is not the test's subject
        let r = try CommandLineTool.run(try c.arguments(w), environment: ["BOARDBENCH_DB": w.path + "/store.sqlite"])
        Self.expectOneLine(r, c)
    }

    /// The status, and exactly one `error:` line (progress lines start `boardbench:`) holding the message.
    static func expectOneLine(_ r: CommandLineTool.Result, _ c: Case, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == c.exit, "\(c.id): exit \(r.status), stderr: \(r.stderr)", sourceLocation: sourceLocation)
        let lines = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("boardbench:") }
        #expect(lines.count == 1, "\(c.id): expected one error line, got \(lines.count): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(lines.first?.hasPrefix("error: ") == true && lines.first?.contains(c.message) == true, "\(c.id): \(r.stderr)", sourceLocation: sourceLocation)
    }
}

/// The catalogue's inputs that need a board: real sshd boards on loopback, one with a library
/// hidden and one with a read-only workdir in their own mount namespaces, and an agent whose
/// `perf_event_open` is refused by a seccomp filter.
@Suite(.serialized, .enabled(if: EndToEnd.unavailableReason == nil))
struct BadBoardInputTests {
    typealias Case = BadInputCatalogueTests.Case

    /// Expected answers, by id (the docs table lists them with the local cases).
    static let expectations: [Case] = [
        Case(id: "ssh-unreachable", exit: 69, message: "cannot reach 127.0.0.1:") { _ in [] },
        Case(id: "ssh-unknown-host-key", exit: 77, message: "--accept-new-host-key") { _ in [] },
        Case(id: "ssh-changed-host-key", exit: 77, message: "boardbench device enrol b --accept-new-host-key") { _ in [] },
        Case(id: "ssh-wrong-key", exit: 77, message: "authentication") { _ in [] },
        Case(id: "ssh-unknown-user", exit: 77, message: "key authentication as no-such-user failed") { _ in [] },
        Case(id: "ssh-user-without-shell", exit: 78, message: "the SSH user logs in but cannot run commands") { _ in [] },
        Case(id: "ssh-missing-key-file", exit: 77, message: "(the key file is missing or unreadable)") { _ in [] },
        Case(id: "board-missing-library", exit: 78, message: "libopenblas.so.0 missing on l: sudo apt-get install libopenblas0") { _ in [] },
        Case(id: "board-unwritable-workdir", exit: 74, message: "Read-only file system") { _ in [] },
        Case(id: "board-hostile-workdir", exit: 0, message: "") { _ in [] },
        Case(id: "board-workdir-with-newline", exit: 64, message: "field workdir: must not contain newlines, NUL or backslashes") { _ in [] },
        Case(id: "board-perf-events-denied", exit: 0, message: "not permitted") { _ in [] },
    ]

    static func expectation(_ id: String) -> Case {
        guard let c = expectations.first(where: { $0.id == id }) else { preconditionFailure("no catalogue entry \(id)") }
        return c
    }

    let workspace: URL

    init() throws {
        workspace = try CommandLineTool.temporaryDirectory("bb-bad-board")
        try BadInputCatalogueTests.validProfile.write(to: workspace.appendingPathComponent("ok.yaml"), atomically: true, encoding: .utf8)
    }

    func cli(_ args: [String]) throws -> CommandLineTool.Result {
        try CommandLineTool.run(args + ["--workspace", workspace.path], environment: ["BOARDBENCH_DB": workspace.path + "/store.sqlite"])
    }

    func enrol(_ name: String, _ board: SSHServer, user: String? = nil, identity: String? = nil, port: Int? = nil, workdir: String? = nil) -> [String] {
        [
            "device", "enrol", name, "--host", "127.0.0.1", "--port", "\(port ?? board.port)", "--user", user ?? board.user,
            "--identity", identity ?? board.clientKeyPath, "--workdir", workdir ?? board.workdir + "/bb", "--lock-path", board.directory + "/board.lock",
        ]
    }

    func run(_ device: String) throws -> CommandLineTool.Result {
        try cli(["run", "--profile", workspace.appendingPathComponent("ok.yaml").path, "--device", device, "-q"])
    }

    @Test func connectionFaultsAreRefusedWithOneLine() throws {
        let board = try SSHServer(name: "bad-ssh")
        let expect = BadInputCatalogueTests.expectOneLine
        expect(try cli(enrol("u", board, port: try EndToEnd.closedPort()) + ["--accept-new-host-key"]), Self.expectation("ssh-unreachable"), #_sourceLocation)
        expect(try cli(enrol("k", board)), Self.expectation("ssh-unknown-host-key"), #_sourceLocation)
        expect(try cli(enrol("w", board, identity: board.wrongClientKeyPath) + ["--accept-new-host-key"]), Self.expectation("ssh-wrong-key"), #_sourceLocation)
        expect(try cli(enrol("n", board, user: "no-such-user") + ["--accept-new-host-key"]), Self.expectation("ssh-unknown-user"), #_sourceLocation)
        // The fixture's sshd takes the test key for any user: `nobody` logs in, but has no shell.
        expect(try cli(enrol("s", board, user: "nobody") + ["--accept-new-host-key"]), Self.expectation("ssh-user-without-shell"), #_sourceLocation)
        expect(
            try cli(enrol("m", board, identity: workspace.path + "/absent_key") + ["--accept-new-host-key"]), Self.expectation("ssh-missing-key-file"),
            #_sourceLocation)
        expect(
            try cli(enrol("nl", board, workdir: board.workdir + "/a\nb") + ["--accept-new-host-key"]), Self.expectation("board-workdir-with-newline"),
            #_sourceLocation)
        // None of them left a device file behind.
        for name in ["u", "k", "w", "n", "s", "m", "nl"] {
            #expect(!FileManager.default.fileExists(atPath: workspace.appendingPathComponent("Devices/\(name).yaml").path), "\(name)")
        }

        // A changed host key: refused, with both fingerprints, and the stored run is kept.
        #expect(try cli(enrol("b", board) + ["--accept-new-host-key"]).status == 0)
        #expect(try run("b").status == 0)
        try board.rotateHostKey()
        expect(try run("b"), Self.expectation("ssh-changed-host-key"), #_sourceLocation)
        let list = try EndToEnd.object(try cli(["results", "list", "--json"]).stdout)["runs"] as? [[String: Any]]
        #expect(list?.filter { $0["results"] as? Int == 1 }.count == 1, "\(String(describing: list))")
    }

    @Test func aWorkdirWithShellSyntaxIsQuotedNeverRun() throws {
        let board = try SSHServer(name: "bad-path")
        let canary = board.directory + "/canary"
        let workdir = board.workdir + "/it's a \"dir\" $(touch \(canary)-1) `touch \(canary)-2` ;touch \(canary)-3"
        let enrolled = try cli(enrol("q", board, workdir: workdir) + ["--accept-new-host-key"])
        #expect(enrolled.status == 0, "\(enrolled.stderr)")
        let r = try run("q")
        #expect(r.status == Self.expectation("board-hostile-workdir").exit, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: workdir + "/models"), "the plan went somewhere else")
        for i in 1...3 { #expect(!FileManager.default.fileExists(atPath: "\(canary)-\(i)"), "a remote shell ran `touch \(canary)-\(i)`") }
    }

    @Test func aLibraryHiddenOnTheBoardIsNamedWithItsPackage() throws {
        // The board's own mount namespace hides OpenBLAS's directory: libopenblas.so.0 dangles
        // there while the loader cache still lists it, as after a half-finished removal.
        var machine = utsname()
        uname(&machine)
        let architecture = withUnsafeBytes(of: &machine.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let library = "/usr/lib/\(architecture)-linux-gnu/libopenblas.so.0"
        let target = URL(fileURLWithPath: library).resolvingSymlinksInPath().path
        try #require(target != library, "\(library) is expected to be Debian's alternatives symlink")
        let hidden = (target as NSString).deletingLastPathComponent
        let board = try SSHServer(name: "bad-lib", privateMounts: "mount -t tmpfs -o size=64k none '\(hidden)'")
        let r = try cli(enrol("l", board) + ["--accept-new-host-key"])
        BadInputCatalogueTests.expectOneLine(r, Self.expectation("board-missing-library"))
        #expect(r.stderr.contains("libopenblas0"), "the message names the Debian package: \(r.stderr)")
        // The machine itself still has the library.
        #expect(FileManager.default.fileExists(atPath: target))
    }

    @Test func anUnwritableWorkdirIsReported() throws {
        let board = try SSHServer(name: "bad-ro", privateMounts: "mkdir -p \"$BOARD/work/ro\"\nmount -t tmpfs -o ro,size=64k none \"$BOARD/work/ro\"")
        let r = try cli(enrol("ro", board, workdir: board.workdir + "/ro/bb") + ["--accept-new-host-key"])
        BadInputCatalogueTests.expectOneLine(r, Self.expectation("board-unwritable-workdir"))
    }

    /// A seccomp filter that fails `perf_event_open` with EACCES, as a kernel with a strict
    /// perf_event_paranoid does for a user without CAP_PERFMON (root here cannot be refused
    /// otherwise); it is inherited by the agent the local transport starts.
    static let seccompLauncher = """
        #include <errno.h>
        #include <linux/filter.h>
        #include <linux/seccomp.h>
        #include <stddef.h>
        #include <stdio.h>
        #include <sys/prctl.h>
        #include <sys/syscall.h>
        #include <unistd.h>
        int main(int argc, char **argv) {
            struct sock_filter filter[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_perf_event_open, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
            };
            struct sock_fprog program = { sizeof filter / sizeof filter[0], filter };
            if (argc < 2 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program)) {
                perror("seccomp");
                return 126;
            }
            execv(argv[1], argv + 1);
            perror("execv");
            return 127;
        }
        """

    @Test func deniedPerfEventsAreRecordedUnavailableWithTheReason() throws {
        let source = workspace.appendingPathComponent("deny-perf.c").path
        let launcher = workspace.appendingPathComponent("deny-perf").path
        try Self.seccompLauncher.write(toFile: source, atomically: true, encoding: .utf8)
        let clang = try #require(
            ["/opt/swift/usr/bin/clang", "/usr/bin/clang", "/usr/bin/cc"].first { FileManager.default.isExecutableFile(atPath: $0) },
            "a C compiler (the Swift toolchain's clang) builds the seccomp launcher")
        _ = try CommandLineTool.tool(clang, [source, "-o", launcher])

        let enrolled = try cli(["device", "enrol", "local", "--local", "--workdir", workspace.path + "/wd", "--lock-path", workspace.path + "/board.lock"])
        try #require(enrolled.status == 0, "\(enrolled.stderr)")
        let profile = workspace.appendingPathComponent("counters.yaml")
        try
            "name: c\nsettings:\n  warmupRuns: 0\n  iterations: 2\n  energy: false\n  counters: [perf::PERF_COUNT_SW_TASK_CLOCK]\nbenchmarks:\n  - name: a\n    model: builtin:mlp\n"
            .write(to: profile, atomically: true, encoding: .utf8)
        let r = try CommandLineTool.run(
            ["run", "--profile", profile.path, "--device", "local", "--json", "--workspace", workspace.path],
            environment: ["BOARDBENCH_DB": workspace.path + "/store.sqlite"], launcher: launcher)
        let expected = Self.expectation("board-perf-events-denied")
        #expect(r.status == expected.exit, "\(r.stderr)")
        // Measured, with the counter unavailable and its reason (never a zero).
        let results = try #require(try EndToEnd.object(r.stdout)["results"] as? [[String: Any]])
        #expect(results.count == 1 && results.first?["status"] as? String == "ok")
        let counters = try #require(results.first?["counters"] as? [String: Any], "\(r.stdout.prefix(2000))")
        let text = String(decoding: try JSONSerialization.data(withJSONObject: counters), as: UTF8.self)
        #expect(text.contains(expected.message) && text.contains("perf_event_paranoid"), "\(text)")
    }
}

/// docs/reliability.md's catalogue and the two suites above list the same inputs, with the
/// same exit statuses and texts.
@Suite struct BadInputCatalogueDocumentationTests {
    struct Row: Equatable {
        var exit: Int32
        var answer: String
    }

    static func documentedRows() throws -> [String: Row] {
        let text = try String(contentsOf: CommandLineTool.packageRoot.appendingPathComponent("docs/reliability.md"), encoding: .utf8)
        let section = try #require(text.components(separatedBy: "\n## Bad-input catalogue\n").dropFirst().first, "docs/reliability.md has no catalogue")
        var rows: [String: Row] = [:]
        for line in section.components(separatedBy: "\n## ")[0].split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            try #require(cells.count >= 4, "malformed row: \(line)")
            let id = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            #expect(rows[id] == nil, "\(id) is listed twice")
            let answer = cells[3...].dropLast().joined(separator: "|")
            rows[id] = Row(exit: Int32(cells[2]) ?? -1, answer: answer)
        }
        return rows
    }

    @Test func theDocumentedCatalogueIsTheTestedOne() throws {
        let documented = try Self.documentedRows()
        let tested = BadInputCatalogueTests.local + BadBoardInputTests.expectations
        #expect(tested.count >= 40, "the issue asks for at least forty inputs")
        #expect(Set(tested.map(\.id)).count == tested.count, "an id is used twice")
        for c in tested {
            guard let row = documented[c.id] else {
                Issue.record("\(c.id) is tested but not in docs/reliability.md")
                continue
            }
            #expect(row.exit == c.exit, "\(c.id): docs say \(row.exit), the test expects \(c.exit)")
            if c.exit != 0 { #expect(row.answer == "`\(c.message)`", "\(c.id): docs say \(row.answer), the test expects \(c.message)") }
        }
        for id in Set(documented.keys).subtracting(tested.map(\.id)) { Issue.record("\(id) is in docs/reliability.md but no test checks it") }
    }
}
