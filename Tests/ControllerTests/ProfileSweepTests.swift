import BenchCore
import Controller
import Foundation
import Testing

@Suite struct ProfileSweepTests {
    func load(_ text: String, directory: URL? = nil) throws -> Profile {
        try ProfileLoader.parse(text, path: "p.yaml", directory: directory).profile
    }

    @Test func expandsTheCartesianProductInWrittenOrder() throws {
        let profile = try load(
            """
            name: p
            benchmarks:
              - name: first
                model: builtin:tiny-cnn
              - name: mlp
                model: builtin:mlp
                sweep:
                  threads: [2, 1]
                  iterations: [30, 10, 20]
              - name: last
                model: builtin:conv-stack

            """)
        #expect(
            profile.benchmarks.map(\.name) == [
                "first",
                "mlp.threads-2.iterations-30", "mlp.threads-2.iterations-10", "mlp.threads-2.iterations-20",
                "mlp.threads-1.iterations-30", "mlp.threads-1.iterations-10", "mlp.threads-1.iterations-20",
                "last",
            ])
        let swept = profile.benchmarks[1...6]
        #expect(swept.allSatisfy { $0.model == "builtin:mlp" && $0.sweep == nil && $0.inputShapes == nil })
        #expect(profile.benchmarks[0].parameters == nil && profile.benchmarks[7].parameters == nil)
        #expect(
            profile.benchmarks[3].parameters == [SweepParameter(name: "threads", value: "2"), SweepParameter(name: "iterations", value: "20")])
        #expect(swept.map { profile.effectiveSettings(for: $0).threads } == [2, 2, 2, 1, 1, 1])
        #expect(swept.map { profile.effectiveSettings(for: $0).iterations } == [30, 10, 20, 30, 10, 20])
        #expect(swept.allSatisfy { EntityName.isValid($0.name) })
    }

    @Test func sweptSettingsOverrideTheBenchmarksAndKeepTheRest() throws {
        let profile = try load(
            """
            name: p
            settings: {warmupRuns: 2, threads: 8}
            benchmarks:
              - name: mlp
                model: builtin:mlp
                settings: {iterations: 7, threads: 3, cores: all}
                sweep:
                  threads: [1, 4]
                  cores: ["0-1", big]

            """)
        #expect(profile.benchmarks.map(\.name) == ["mlp.threads-1.cores-0-1", "mlp.threads-1.cores-big", "mlp.threads-4.cores-0-1", "mlp.threads-4.cores-big"])
        for b in profile.benchmarks {
            let s = profile.effectiveSettings(for: b)
            #expect(s.iterations == 7 && s.warmupRuns == 2)
            #expect(b.settings?.iterations == 7)
        }
        #expect(profile.benchmarks.map { profile.effectiveSettings(for: $0).threads } == [1, 1, 4, 4])
        #expect(profile.benchmarks.map { profile.effectiveSettings(for: $0).cores } == ["0-1", "big", "0-1", "big"])
    }

    @Test func everyKindOfSettingIsSweptThroughItsOwnDecoding() throws {
        let profile = try load(
            """
            name: p
            benchmarks:
              - name: m
                model: builtin:mlp
                sweep:
                  warmupSeconds: [0.50, 2]
                  energy: [false]
                  counters: [[], [perf::CYCLES]]

            """)
        #expect(
            profile.benchmarks.map(\.name) == [
                "m.warmupSeconds-0.5.energy-false.counters-none",
                "m.warmupSeconds-0.5.energy-false.counters-perf__CYCLES",
                "m.warmupSeconds-2.energy-false.counters-none",
                "m.warmupSeconds-2.energy-false.counters-perf__CYCLES",
            ])
        let settings = profile.benchmarks.map { profile.effectiveSettings(for: $0) }
        #expect(settings.map(\.warmupSeconds) == [0.5, 0.5, 2, 2])
        #expect(settings.map(\.counters) == [[], ["perf::CYCLES"], [], ["perf::CYCLES"]])
        #expect(settings.allSatisfy { !$0.energy })
        #expect(profile.benchmarks[1].parameters?[2] == SweepParameter(name: "counters", value: "perf::CYCLES"))
    }

    @Test func namesLongerThanAllowedAreCutAndHashed() throws {
        let profile = try load(
            """
            name: p
            benchmarks:
              - name: mobilenet-v2-large
                model: builtin:mlp
                sweep:
                  counters: [[perf::CYCLES, perf::INSTRUCTIONS], [perf::CYCLES, perf::BRANCHES]]
                  minSampleMilliseconds: [1, 2]

            """)
        let full = "mobilenet-v2-large.counters-perf__CYCLES_perf__INSTRUCTIONS.minSampleMilliseconds-1"
        let names = profile.benchmarks.map(\.name)
        #expect(Set(names).count == 4 && names.allSatisfy { EntityName.isValid($0) && $0.count == 64 })
        #expect(names[0].hasPrefix(String(full.prefix(47)) + "-") && names[0] != names[1])
        #expect(profile.benchmarks[0].parameters?[0].value == "perf::CYCLES,perf::INSTRUCTIONS")
        // Deterministic: the same profile gives the same names.
        #expect(
            try load(
                "name: p\nbenchmarks:\n  - name: mobilenet-v2-large\n    model: builtin:mlp\n    sweep:\n      counters: [[perf::CYCLES, perf::INSTRUCTIONS]]\n      minSampleMilliseconds: [1]\n"
            ).benchmarks[0].name == names[0])
    }

    @Test func profileSweepAppliesToEveryBenchmarkAndABenchmarkKeyReplacesItsValues() throws {
        let profile = try load(
            """
            name: p
            sweep:
              threads: [1, 2]
            benchmarks:
              - name: a
                model: builtin:mlp
              - name: b
                model: builtin:tiny-cnn
                sweep:
                  iterations: [5]
                  threads: [4]

            """)
        #expect(profile.sweep == nil)
        #expect(profile.benchmarks.map(\.name) == ["a.threads-1", "a.threads-2", "b.threads-4.iterations-5"])
        #expect(profile.effectiveSettings(for: profile.benchmarks[2]).threads == 4)
    }

    @Test func expandedBenchmarksRoundTripThroughJSON() throws {
        let profile = try load("name: p\nbenchmarks:\n  - name: a\n    model: builtin:mlp\n    sweep: {threads: [1, 2]}\n")
        let decoded = try JSONDecoder().decode(Profile.self, from: JSONEncoder().encode(profile))
        #expect(decoded == profile && decoded.benchmarks[1].parameters == [SweepParameter(name: "threads", value: "2")])
        let sweep = Sweep([SweepAxis(name: "threads", values: [.scalar("1")]), SweepAxis(name: "counters", values: [.list(["a"])])])
        #expect(try JSONDecoder().decode(Sweep.self, from: JSONEncoder().encode(sweep)).axes.count == 2)
    }

    @Test(arguments: [
        (
            "  - name: a\n    model: builtin:mlp\n    sweep:\n      threads: []\n",
            "line 8: field benchmarks[0].sweep.threads: sweep key threads needs at least one value"
        ),
        (
            "  - name: a\n    model: builtin:mlp\n    sweep:\n      threads: [1, 2, 1]\n",
            "line 8: field benchmarks[0].sweep.threads[2]: sweep key threads lists \"1\" twice"
        ),
        ("  - name: a\n    model: builtin:mlp\n    sweep:\n      warmupSeconds: [0.5, 0.50]\n", "sweep key warmupSeconds lists \"0.5\" twice"),
        (
            "  - name: a\n    model: builtin:mlp\n    sweep:\n      iterations: [5]\n      thread: [1, 2]\n",
            "line 9: field benchmarks[0].sweep.thread[0]: unknown sweep key thread"
        ),
        (
            "  - name: a\n    model: builtin:mlp\n    sweep:\n      threads: [1, many]\n",
            "line 8: field benchmarks[0].sweep.threads[1]: \"many\" is not a valid threads: expected an integer"
        ),
        (
            "  - name: a\n    model: builtin:mlp\n    sweep:\n      threads: 4\n",
            "line 8: field benchmarks[0].sweep.threads: a sweep key takes a list of values (write `threads: [4]` for a single value)"
        ),
        (
            "  - name: a\n    model: builtin:mlp\n    sweep:\n      threads: [1, ~]\n",
            "line 8: field benchmarks[0].sweep.threads[1]: a sweep value cannot be empty"
        ),
        ("  - name: a\n    model: builtin:mlp\n    sweep: {}\n", "line 7: field benchmarks[0].sweep: a sweep needs at least one key"),
        (
            "  - name: a\n    model: builtin:mlp\n    sweep:\n      threads: [0, 1]\n",
            "line 8: field benchmarks[0].sweep: benchmark a.threads-0: threads must be 1...1024"
        ),
        (
            "  - name: a\n    model: builtin:mlp\n    sweep:\n      counters: [[a_b], [\"a:b\"]]\n",
            "line 8: field benchmarks[0].sweep: a.counters-a_b appears twice: benchmarks[0] expands to it twice"
        ),
        (
            "  - name: a.threads-1\n    model: builtin:mlp\n  - name: a\n    model: builtin:mlp\n    sweep:\n      threads: [1]\n",
            "line 10: field benchmarks[1].sweep: a.threads-1 appears twice: benchmarks[1] expands to it and benchmarks[0] has it too"
        ),
        (
            "  - name: a\n    model: builtin:mlp\n  - name: a\n    model: builtin:mlp\n",
            "line 7: field benchmarks[1].name: a appears twice (benchmarks[0] and benchmarks[1])"
        ),
        (
            "  - name: a\n    model: builtin:mlp\n    sweep:\n      resolution: [160, 224]\n",
            "line 8: field benchmarks[0].sweep.resolution: benchmark a: resolution and batch can be swept only for ONNX models"
        ),
        ("  - name: a\n    model: m.plan\n    sweep:\n      batch: [1]\n", "m.plan is not an ONNX model"),
        (
            "  - name: a\n    model: builtin:mlp\n    sweep:\n      threads: [\(Array(1...32).map(String.init).joined(separator: ", "))]\n      iterations: [\(Array(1...32).map(String.init).joined(separator: ", "))]\n",
            "line 8: field benchmarks[0].sweep: benchmark a expands to 1024 benchmarks"
        ),
    ])
    func malformedSweepsNameFileLineAndKey(_ benchmarks: String, _ expected: String) {
        let text = "name: p\nsettings:\n  iterations: 3\nbenchmarks:\n" + benchmarks
        let error = #expect(throws: ControllerError.self) { try ProfileLoader.parse(text, path: "p.yaml", directory: nil) }
        #expect(error?.description.hasPrefix("p.yaml: ") == true)
        #expect(error?.description.contains(expected) == true, "\(error?.description ?? "no error")")
        #expect(error?.exitStatus == .dataError)
    }

    @Test func theLimitCountsTheWholeProfile() throws {
        let values = Array(1...500).map(String.init).joined(separator: ", ")
        let half = "  - name: NAME\n    model: builtin:mlp\n    sweep:\n      iterations: [\(values)]\n"
        let ok = try load("name: p\nbenchmarks:\n" + half.replacingOccurrences(of: "NAME", with: "a") + half.replacingOccurrences(of: "NAME", with: "b"))
        #expect(ok.benchmarks.count == ProfileSweep.maxBenchmarks)
        let error = #expect(throws: ControllerError.self) {
            try load(
                "name: p\nbenchmarks:\n  - name: c\n    model: builtin:mlp\n" + half.replacingOccurrences(of: "NAME", with: "a")
                    + half.replacingOccurrences(of: "NAME", with: "b"))
        }
        #expect(
            error?.description.contains("line 12: field benchmarks[2].sweep: benchmark b expands to 500 benchmarks (after 501 before it)") == true,
            "\(error?.description ?? "")")
    }

    @Test func unknownKeyErrorListsTheKeysThatExist() {
        let error = #expect(throws: ControllerError.self) { try load("name: p\nsweep:\n  treads: [1]\nbenchmarks:\n  - name: a\n    model: builtin:mlp\n") }
        let text = error?.description ?? ""
        #expect(text.contains("line 3: field sweep.treads[0]: unknown sweep key treads"), "\(text)")
        #expect(text.contains("resolution, batch") && text.contains("warmupRuns") && text.contains("threads"), "\(text)")
    }
}

@Suite struct ProfileSweepShapeTests {
    /// Writes an ONNX model (Relu over one float input of `dims`: numbers fixed, strings symbolic).
    func model(_ dims: [Any], name: String = "m.onnx") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bb-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(TinyReluModel.bytes(inputDims: dims)).write(to: url)
        return url
    }

    func load(_ sweep: String, inputShapes: String? = nil, in dir: URL) throws -> Profile {
        let shapes = inputShapes.map { "    inputShapes: \($0)\n" } ?? ""
        let text = "name: p\nbenchmarks:\n  - name: net\n    model: m.onnx\n\(shapes)    sweep:\n\(sweep)"
        return try ProfileLoader.parse(text, path: "p.yaml", directory: dir).profile
    }

    @Test func resolutionAndBatchFixTheFirstInputAndCompileToDifferentPlans() throws {
        let url = try model(["N", 3, "H", "W"])
        let dir = url.deletingLastPathComponent()
        let profile = try load("      resolution: [8, 16]\n      batch: [1, 2]\n      threads: [1]\n", in: dir)
        #expect(
            profile.benchmarks.map(\.name) == [
                "net.resolution-8.batch-1.threads-1", "net.resolution-8.batch-2.threads-1",
                "net.resolution-16.batch-1.threads-1", "net.resolution-16.batch-2.threads-1",
            ])
        #expect(profile.benchmarks.map(\.inputShapes) == [["1x3x8x8"], ["2x3x8x8"], ["1x3x16x16"], ["2x3x16x16"]])
        #expect(Set(profile.benchmarks.map(\.compileKey)).count == 4)
        #expect(profile.benchmarks[3].parameters?.map(\.name) == ["resolution", "batch", "threads"])

        let a = try ModelCompiler.compile(profile.benchmarks[0].model, relativeTo: dir, inputShapes: profile.benchmarks[0].inputShapes ?? [])
        let b = try ModelCompiler.compile(profile.benchmarks[3].model, relativeTo: dir, inputShapes: profile.benchmarks[3].inputShapes ?? [])
        #expect(a.hash != b.hash)
        #expect(a.graph.tensors[a.graph.inputs[0]].shape == [1, 3, 8, 8])
        #expect(b.graph.tensors[b.graph.inputs[0]].shape == [2, 3, 16, 16])
    }

    @Test func sweepsBuildOnTheGivenShapeAndKeepOtherInputs() throws {
        let dir = try model(["N", 3, "H", "W"]).deletingLastPathComponent()
        let profile = try load("      batch: [4]\n", inputShapes: "[\"x:1x3x32x24\", \"other:5\"]", in: dir)
        #expect(profile.benchmarks.map(\.inputShapes) == [["4x3x32x24", "other:5"]])
    }

    @Test func aDynamicBatchDefaultsToOneAndFixedDimensionsAreRefused() throws {
        let dir = try model(["N", 3, 4, 4]).deletingLastPathComponent()
        #expect(try load("      resolution: [4]\n", in: dir).benchmarks.map(\.inputShapes) == [["1x3x4x4"]])
        #expect(try load("      batch: [2, 3]\n", in: dir).benchmarks.map(\.inputShapes) == [["2x3x4x4"], ["3x3x4x4"]])
        let error = #expect(throws: ControllerError.self) { try load("      resolution: [4, 8]\n", in: dir) }
        #expect(
            error?.description.contains("line 6: field benchmarks[0].sweep.resolution[1]: input 'x' has a fixed height or width of 4") == true,
            "\(error?.description ?? "")")

        let fixedBatch = try model([1, 3, "H", "W"]).deletingLastPathComponent()
        let batchError = #expect(throws: ControllerError.self) { try load("      batch: [2]\n", in: fixedBatch) }
        #expect(batchError?.description.contains("input 'x' has a fixed batch of 1") == true, "\(batchError?.description ?? "")")
    }

    @Test func shapeSweepsThatCannotBeCompletedAreNamed() throws {
        let dir = try model(["N", 3, "H", "W"]).deletingLastPathComponent()
        let open = #expect(throws: ControllerError.self) { try load("      batch: [2]\n", in: dir) }
        #expect(open?.description.contains("dimension 2 of input 'x' is dynamic (declared shape [N, 3, H, W])") == true, "\(open?.description ?? "")")
        let flat = try model(["N", 16]).deletingLastPathComponent()
        let rank = #expect(throws: ControllerError.self) { try load("      resolution: [8]\n", in: flat) }
        #expect(rank?.description.contains("input 'x' has rank 2") == true, "\(rank?.description ?? "")")
        let bad = #expect(throws: ControllerError.self) { try load("      resolution: [0]\n", in: dir) }
        #expect(bad?.description.contains("line 6: field benchmarks[0].sweep.resolution[0]: sweep key resolution takes whole numbers") == true)
        let missing = #expect(throws: ControllerError.self) {
            try load("      batch: [1]\n", in: FileManager.default.temporaryDirectory.appendingPathComponent("bb-no-such-dir"))
        }
        #expect(missing?.description.contains("cannot read model") == true, "\(missing?.description ?? "")")
    }
}

@Suite struct BenchmarkFileKeyTests {
    @Test func keysAreSafeShortAndDistinct() {
        let names = [
            "mnv2.threads-1.resolution-160.batch-1", "MNV2", "mnv2", "../../etc/passwd", "", ".hidden", "-rf", "a/b", "ünïcode",
            String(repeating: "x", count: 64),
        ]
        let keys = names.map { EntityName.fileKey(for: $0) }
        #expect(Set(keys).count == names.count)
        for key in keys {
            #expect(key.count <= 57 && !key.contains("/") && !key.hasPrefix(".") && !key.hasPrefix("-"), "\(key)")
            #expect(
                key.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) })
        }
        // The hash is FNV-1a 64 of the UTF-8 bytes: fixed forever, since boards keep files named by it.
        #expect(EntityName.fileKey(for: "") == "_-cbf29ce484222325")
        #expect(EntityName.fileKey(for: "a") == "a-af63dc4c8601ec8c")
        #expect(EntityName.fileKey(for: "a/b").hasPrefix("a_b-"))
        #expect(EntityName.fileKey(for: names.last ?? "").hasPrefix(String(repeating: "x", count: 40) + "-"))
    }
}

@Suite struct SweepExampleProfileTests {
    @Test func exampleProfileLoadsAndMatchesTheEmbeddedCopy() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let repo = try String(contentsOf: root.appendingPathComponent("Profiles/sweep-example.yaml"), encoding: .utf8)
        #expect(BundledResources.profile(named: "sweep-example")?.text == repo, "Profiles/sweep-example.yaml differs from the embedded copy")
        let loaded = try ProfileLoader.load("sweep-example")
        #expect(loaded.profile.benchmarks.count >= 4 && loaded.profile.benchmarks.allSatisfy { $0.parameters != nil })
        #expect(loaded.profile.benchmarks.allSatisfy { loaded.profile.effectiveSettings(for: $0).iterations <= 20 })
    }
}

/// A one-node ONNX model (Relu, opset 13) written field by field.
enum TinyReluModel {
    static func bytes(inputDims: [Any]) -> [UInt8] {
        func varint(_ value: Int) -> [UInt8] {
            var v = UInt64(value)
            var out: [UInt8] = []
            while v >= 0x80 {
                out.append(UInt8(v & 0x7F) | 0x80)
                v >>= 7
            }
            return out + [UInt8(v)]
        }
        func number(_ field: Int, _ value: Int) -> [UInt8] { varint(field << 3) + varint(value) }
        func bytes(_ field: Int, _ value: [UInt8]) -> [UInt8] { varint(field << 3 | 2) + varint(value.count) + value }
        func string(_ field: Int, _ value: String) -> [UInt8] { bytes(field, Array(value.utf8)) }
        func valueInfo(_ name: String) -> [UInt8] {
            let dims = inputDims.flatMap { dim in bytes(1, (dim as? Int).map { number(1, $0) } ?? string(2, "\(dim)")) }
            let tensorType = number(1, 1) + bytes(2, dims)  // elem_type FLOAT, shape
            return string(1, name) + bytes(2, bytes(1, tensorType))
        }
        let node = string(1, "x") + string(2, "y") + string(3, "relu") + string(4, "Relu")
        let graph = bytes(1, node) + string(2, "tiny") + bytes(11, valueInfo("x")) + bytes(12, valueInfo("y"))
        return number(1, 7) + bytes(7, graph) + bytes(8, number(2, 13))
    }
}
