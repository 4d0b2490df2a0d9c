import BenchCore
import Foundation
import ModelPlan
import Spaces
import Store
import Tables
import Testing
import Yams

/// Tables of every block of a space with made-up statistics, distinct per entry.
enum SyntheticTables {
    static func table(_ space: SearchSpace, resolutions: [Int]? = nil, dropping dropped: Set<String> = []) throws -> LatencyTable {
        let layers = try SpaceCompiler.uniqueLayers(of: space, resolutions: resolutions ?? space.resolutions)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
        let record = LatencyTableRecord(
            id: 7, device: "pi4", space: space.name, spaceHash: "feed", runtime: "builtin", runtimeVersion: "test",
            settingsJSON: try json(TableContext.defaultSettings()), settingsHash: "beef", createdAtUnixNanoseconds: 0)
        var entries: [TableEntryRecord] = []
        for (i, layer) in layers.enumerated() where !dropped.contains(layer.tableKey) {
            // Nanoseconds: grows with the block's work, never equal for two entries.
            let p50 = 2_000 + Double(ArchitectureCost.of(layer).macs) / 50 + Double(i) * 1.37
            // Some variances are round (4000 ns^2 is 4e-09 ms^2, which Swift spells without a `.`).
            let variance = i % 3 == 0 ? Double(i % 9 + 1) * 1000 : (p50 * 0.04) * (p50 * 0.04) + Double(i % 5)
            entries.append(
                TableEntryRecord(
                    tableId: 7, blockKey: layer.tableKey, layerJSON: try json(TableLayer(layer)), resultId: Int64(i + 1), count: 15 + i % 11,
                    meanNanoseconds: p50 * 1.03, varianceNanoseconds2: variance, p0Nanoseconds: p50 * 0.91,
                    p10Nanoseconds: p50 * 0.95, p50Nanoseconds: p50, p90Nanoseconds: p50 * 1.08, p100Nanoseconds: p50 * 1.31))
        }
        return try LatencyTable(record: record, entries: entries)
    }

    /// An OFA lookup table as OFA reads it: key -> (count, mean, var).
    static func parseOFA(_ text: String) throws -> [String: (count: Int, mean: Double, variance: Double)] {
        let root = try #require(try Yams.load(yaml: text) as? [String: Any])
        var out: [String: (count: Int, mean: Double, variance: Double)] = [:]
        for (key, value) in root {
            let v = try #require(value as? [String: Any], "\(key)")
            #expect(Set(v.keys) == ["count", "mean", "var"])
            out[key] = (try #require(v["count"] as? Int), try #require(v["mean"] as? Double), try #require(v["var"] as? Double))
        }
        return out
    }
}

@Suite struct TableExportTests {
    @Test func ofaMBv3TablesSumToTheTablesPrediction() throws {
        let space = try ShippedSpaces.space("ofa-mbv3")
        let table = try SyntheticTables.table(space)
        let files = try TableExporter.export(table, space: space, format: .ofaYAML)
        #expect(files.map(\.name) == space.resolutions.map { "\($0)_lookup_table.yaml" })
        #expect(files.allSatisfy { $0.missing.isEmpty })
        var luts: [Int: [String: (count: Int, mean: Double, variance: Double)]] = [:]
        for file in files { luts[try #require(file.resolution)] = try SyntheticTables.parseOFA(file.contents) }

        var rng = SeededRandom(seed: 0x0FA_3B)
        for _ in 0..<50 {
            let dict = OFAReference.MBv3Arch.random(resolutions: space.resolutions, using: &rng)
            let arch = try Architecture.parse(dict.json, source: "ofa-dict", space: space)
            let prediction = try table.predictComplete(arch, in: space)
            let lut = try #require(luts[dict.r])
            let keys = OFAReference.mbv3Keys(dict)
            #expect(keys.count == prediction.layers.count)
            var sum = 0.0
            for key in keys { sum += try #require(lut[key], "\(dict.json): no \(key) in \(dict.r)_lookup_table.yaml").mean }
            let expected = prediction.meanNanoseconds / 1e6
            #expect(abs(sum - expected) <= 1e-9 * expected, "\(dict.json)")
        }
    }

    @Test func proxylessTablesSumToTheTablesPrediction() throws {
        let space = try ShippedSpaces.space("proxylessnas-mbv2")
        let table = try SyntheticTables.table(space)
        let files = try TableExporter.export(table, space: space, format: .ofaYAML)
        #expect(files.map(\.name) == ["128_lookup_table.yaml", "160_lookup_table.yaml", "192_lookup_table.yaml", "224_lookup_table.yaml"])
        var luts: [Int: [String: (count: Int, mean: Double, variance: Double)]] = [:]
        for file in files { luts[try #require(file.resolution)] = try SyntheticTables.parseOFA(file.contents) }
        // No AvgPool2D in ProxylessNAS tables: Logits is the pool and the classifier together.
        #expect(luts.values.allSatisfy { lut in !lut.keys.contains { $0.hasPrefix("AvgPool2D") || $0.hasPrefix("Conv_2") } })

        var rng = SeededRandom(seed: 0x9A_0C)
        for _ in 0..<50 {
            let arch = try space.check(space.randomArchitecture(using: &rng))
            let prediction = try table.predictComplete(arch, in: space)
            let lut = try #require(luts[arch.resolution])
            var sum = 0.0
            for key in OFAReference.proxylessKeys(arch) { sum += try #require(lut[key], "\(arch.canonical): no \(key)").mean }
            let expected = prediction.meanNanoseconds / 1e6
            #expect(abs(sum - expected) <= 1e-9 * expected, "\(arch.canonical)")
        }

        // The Logits entry adds the pool's and the classifier's statistics; its count is the smaller.
        let layers = try SpaceCompiler.uniqueLayers(of: space, resolutions: [224])
        let pool = try #require(layers.first { $0.kind == .globalPool }), classifier = try #require(layers.first { $0.kind == .linear })
        let (p, c) = (try #require(table.entries[pool.tableKey]), try #require(table.entries[classifier.tableKey]))
        let logits = try #require(luts[224]?["Logits-input:7x7x1280-output:1000"])
        #expect(abs(logits.mean - (p.mean + c.mean) / 1e6) <= 1e-12 * logits.mean)
        #expect(abs(logits.variance - (p.variance + c.variance) / 1e12) <= 1e-12 * logits.variance)
        #expect(logits.count == min(p.count, c.count))
    }

    /// OFA computes the stem's output as (R + 1) // 2 and a block's as (H - 1) // stride + 1;
    /// odd resolutions tell those apart from R / 2.
    @Test func ofaSpatialArithmeticMatchesOnOddResolutions() throws {
        let space = SearchSpace(
            name: "odd", family: .mobilenetV3, resolutions: [127, 161, 225],
            stem: [FixedLayer(name: "first_conv", kind: .conv, outChannels: 16, kernel: 3, stride: 2, activation: .hswish)],
            stages: [Stage(name: "stage1", block: .mbconv, outChannels: 24, stride: 2, activation: .relu, depths: [1], kernels: [3, 7], expands: [3])],
            head: [
                FixedLayer(name: "final_expand", kind: .conv, outChannels: 96, kernel: 1, activation: .hswish),
                FixedLayer(name: "pool", kind: .globalPool), FixedLayer(name: "classifier", kind: .linear),
            ])
        let files = try TableExporter.export(try SyntheticTables.table(space), space: space, format: .ofaYAML)
        #expect(files.count == 3)
        for file in files {
            let r = try #require(file.resolution)
            let f = (r + 1) / 2, g = (f - 1) / 2 + 1
            let keys = try SyntheticTables.parseOFA(file.contents).keys.sorted()
            #expect(
                keys == [
                    "AvgPool2D-input:\(g)x\(g)x96-output:1x1x96", "Conv-input:\(r)x\(r)x3-output:\(f)x\(f)x16",
                    "Conv_1-input:\(g)x\(g)x24-output:\(g)x\(g)x96", "Logits-input:1x1x96-output:1000",
                    "expanded_conv-input:\(f)x\(f)x16-output:\(g)x\(g)x24-expand:48-kernel:3-stride:2-idskip:0-se:0-hs:0",
                    "expanded_conv-input:\(f)x\(f)x16-output:\(g)x\(g)x24-expand:48-kernel:7-stride:2-idskip:0-se:0-hs:0",
                ])
        }
    }

    @Test func ofaFilesLeaveOutAndReportBlocksTheTableLacks() throws {
        let space = try ShippedSpaces.space("proxylessnas-mbv2")
        let layers = try SpaceCompiler.uniqueLayers(of: space, resolutions: [224])
        let stem = try #require(layers.first { $0.name == "first_conv" })
        let classifier = try #require(layers.first { $0.kind == .linear })
        let table = try SyntheticTables.table(space, resolutions: [160, 224], dropping: [stem.tableKey, classifier.tableKey])
        let files = try TableExporter.export(table, space: space, format: .ofaYAML)
        #expect(files.map(\.resolution) == [160, 224])
        let file224 = try #require(files.last)
        #expect(Set(file224.missing) == [stem.tableKey, classifier.tableKey])
        let keys = try SyntheticTables.parseOFA(file224.contents).keys
        #expect(!keys.contains("Conv-input:224x224x3-output:112x112x32"))
        #expect(!keys.contains { $0.hasPrefix("Logits") })
        #expect(keys.contains("Conv_1-input:7x7x320-output:7x7x1280"))
        #expect(file224.entryCount == keys.count)
        // The classifier is shared by every resolution, so 160's Logits is left out too.
        #expect(files[0].missing == [classifier.tableKey])
    }

    @Test func ofaFilesAreForTheResolutionsTheTableWasBuiltAt() throws {
        let space = try ShippedSpaces.space("ofa-mbv3")
        // The blocks after pooling are the same at every resolution: they make no file of their own.
        let files = try TableExporter.export(try SyntheticTables.table(space, resolutions: [160, 224]), space: space, format: .ofaYAML)
        #expect(files.map(\.name) == ["160_lookup_table.yaml", "224_lookup_table.yaml"])
        #expect(files.allSatisfy { $0.missing.isEmpty })
        let all = try SyntheticTables.table(space, resolutions: [160, 224])
        let onlyShared = try SyntheticTables.table(
            space, resolutions: [160, 224], dropping: Set(all.entries.keys.filter { !$0.contains("input:1x1x") && !$0.hasPrefix("linear") }))
        let error = #expect(throws: TableError.self) { try TableExporter.export(onlyShared, space: space, format: .ofaYAML) }
        #expect(error?.description.contains("has no block that only one resolution of ofa-mbv3 uses") == true)
    }

    @Test func ofaFloatsAreFloatsToYAML11() throws {
        let space = try ShippedSpaces.space("ofa-mbv3")
        let files = try TableExporter.export(try SyntheticTables.table(space, resolutions: [224]), space: space, format: .ofaYAML)
        let text = try #require(files.first).contents
        // PyYAML (YAML 1.1) reads `5e-05` as a string; it needs `5.0e-05`.
        let float = try Regex(#"^  (mean|var): [-+]?[0-9]+\.[0-9]*([eE][-+][0-9]+)?$"#)
        var values = 0, exponents = 0
        for line in text.split(separator: "\n") where line.hasPrefix("  mean:") || line.hasPrefix("  var:") {
            values += 1
            // Swift never writes `.0e`: these are the values that needed the `.`.
            if line.contains(".0e-") { exponents += 1 }
            #expect(line.wholeMatch(of: float) != nil, "\(line)")
        }
        #expect(values > 0)
        #expect(exponents > 0)
    }

    @Test(arguments: ["ofa-resnet50", "vit-tiny"])
    func ofaYAMLIsRefusedForFamiliesOFAHasNoTableFor(spaceName: String) throws {
        let space = try ShippedSpaces.space(spaceName)
        let table = try SyntheticTables.table(space, resolutions: [space.resolutions[0]])
        let error = #expect(throws: TableError.self) { try TableExporter.export(table, space: space, format: .ofaYAML) }
        let message = error?.description ?? ""
        #expect(message.contains("Once-for-All defines no lookup-table format for \(space.family.rawValue) spaces"))
        #expect(message.contains("--format json") && message.contains("--format fbnet-jsonl"))
        #expect(error?.exitStatus == .usage)
    }

    @Test func exportRefusesAnotherSpacesTable() throws {
        let mbv3 = try ShippedSpaces.space("ofa-mbv3"), mbv2 = try ShippedSpaces.space("proxylessnas-mbv2")
        let table = try SyntheticTables.table(mbv2, resolutions: [224])
        let error = #expect(throws: TableError.self) { try TableExporter.export(table, space: mbv3, format: .json) }
        #expect(error?.description == "table 7 is a table of space proxylessnas-mbv2, not ofa-mbv3")
    }

    @Test func jsonRoundTrips() throws {
        let space = try ShippedSpaces.space("proxylessnas-mbv2")
        let table = try SyntheticTables.table(space)
        let file = try #require(try TableExporter.export(table, space: space, format: .json).first)
        #expect(file.name == "pi4-proxylessnas-mbv2-latency-table.json")
        let doc = try JSONDecoder().decode(TableExportDocument.self, from: Data(file.contents.utf8))
        #expect(doc.format == "boardbench-latency-table" && doc.version == 1 && doc.unit == "ms")
        #expect(doc.table.id == 7 && doc.table.device == "pi4" && doc.table.space == space.name && doc.table.spaceHash == "feed")
        #expect(doc.table.runtime == "builtin" && doc.table.runtimeVersion == "test")
        #expect(doc.table.settings == TableContext.defaultSettings())
        let entries = table.sortedEntries
        #expect(doc.entries.count == entries.count)
        for (d, e) in zip(doc.entries, entries) {
            #expect(d.key == e.key && d.layer == e.layer && d.count == e.count)
            #expect(d.mean == e.mean / 1e6 && d.variance == e.variance / 1e12)
            #expect([d.p0, d.p10, d.p50, d.p90, d.p100] == [e.p0, e.p10, e.p50, e.p90, e.p100].map { $0 / 1e6 })
        }
        // The variance's field is `var`, as in OFA's tables.
        let raw = try #require(try JSONSerialization.jsonObject(with: Data(file.contents.utf8)) as? [String: Any])
        let first = try #require((raw["entries"] as? [[String: Any]])?.first)
        #expect(Set(first.keys) == ["key", "layer", "count", "mean", "var", "p0", "p10", "p50", "p90", "p100"])
    }

    @Test func csvHasAHeaderAndOneRowPerEntry() throws {
        let space = try ShippedSpaces.space("ofa-mbv3")
        let table = try SyntheticTables.table(space, resolutions: [160, 224])
        let file = try #require(try TableExporter.export(table, space: space, format: .csv).first)
        #expect(file.contents.hasSuffix("\r\n"))
        let rows = CSVReader.rows(file.contents)
        let entries = table.sortedEntries
        #expect(rows.count == entries.count + 1)
        #expect(rows.first == TableExporter.csvColumns)
        for (row, e) in zip(rows.dropFirst(), entries) {
            let l = e.layer
            #expect(row.count == TableExporter.csvColumns.count)
            // Shapes hold commas: quoted in the file, whole again once read.
            #expect(row[0] == e.key && row[1] == l.kind)
            #expect(row[2] == "[" + l.input.map(String.init).joined(separator: ",") + "]")
            #expect(row[3] == "[" + l.output.map(String.init).joined(separator: ",") + "]")
            #expect(row[4...7] == ["\(l.kernel)", "\(l.stride)", "\(l.middle)", "\(e.count)"])
            #expect(row[8...].map { Double($0)! } == [e.mean / 1e6, e.variance / 1e12] + [e.p0, e.p10, e.p50, e.p90, e.p100].map { $0 / 1e6 })
        }
        #expect(file.contents.contains("\"[16,112,112]\""))
    }

    @Test(arguments: ShippedSpaces.names)
    func fbnetRecordsSumToTheTablesPrediction(spaceName: String) throws {
        let space = try ShippedSpaces.space(spaceName)
        let resolutions = Array(space.resolutions.suffix(2))
        let table = try SyntheticTables.table(space, resolutions: resolutions)
        let file = try #require(try TableExporter.export(table, space: space, format: .fbnetJSONL).first)
        #expect(file.name == "pi4-op_lut_database.json")
        let lines = file.contents.split(separator: "\n")
        #expect(lines.count == table.entries.count)
        var p50ByOp: [String: Double] = [:]
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        for line in lines {
            // Exactly LUTSchema's fields: FBNet's loader refuses any other.
            let fields = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]).keys
            #expect(Set(fields) == FBNetReference.schemaFields)
            let record = try decoder.decode(FBNetReference.Record.self, from: Data(line.utf8))
            let p = [record.runtimeUsP0, record.runtimeUsP10, record.runtimeUsP50, record.runtimeUsP90, record.runtimeUsP100]
            #expect(p == p.sorted())
            #expect(record.device == "pi4")
            #expect(record.inputDtypes == record.inputShapes.map { _ in 1 })
            let op = FBNetReference.match(type: record.opType, shapes: record.inputShapes, args: record.opArgs)
            #expect(p50ByOp[op] == nil, "two records for \(op)")
            p50ByOp[op] = record.runtimeUsP50
        }
        var rng = SeededRandom(seed: 0xFB_4E7)
        for _ in 0..<20 {
            var arch = try ShippedSpaces.random(space, using: &rng)
            arch.resolution = resolutions.randomElement(using: &rng)!
            let prediction = try table.predictComplete(arch, in: space)
            var sum = 0.0
            for layer in try SpaceCompiler.layers(for: arch, in: space) {
                let op = FBNetReference.match(layer)
                let p50 = try #require(p50ByOp[op], "no record for \(layer.name): \(op)")
                #expect(p50 == table.entries[layer.tableKey]!.p50 / 1000)
                sum += p50
            }
            let expected = prediction.nanoseconds / 1000
            #expect(abs(sum - expected) <= 1e-9 * expected, "\(arch.canonical)")
        }
    }

    @Test(.enabled(if: Python.path != nil, "python3 is not installed"))
    func formatsDocSnippetPredictsLikeTheTable() throws {
        let python = try #require(Python.path)
        let space = try ShippedSpaces.space("ofa-mbv3")
        let table = try SyntheticTables.table(space, resolutions: [192])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("table-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let json = try #require(try TableExporter.export(table, space: space, format: .json).first)
        try Data(json.contents.utf8).write(to: dir.appendingPathComponent("table.json"))
        var rng = SeededRandom(seed: 0x5_1199)
        var arch = space.randomArchitecture(using: &rng)
        arch.resolution = 192
        let prediction = try table.predictComplete(arch, in: space)
        try JSONEncoder().encode(prediction).write(to: dir.appendingPathComponent("pred.json"))

        let snippet = try Python.formatsDocSnippet()
        #expect(snippet.split(separator: "\n").count <= 10)
        let output = try Python.run(python, ["-c", snippet], in: dir)
        let fields = output.split(separator: " ")
        #expect(fields.count == 2 && fields.last == "ms", "\(output)")
        let ms = try #require(Double(String(fields[0])), "\(output)")
        let expected = prediction.nanoseconds / 1e6
        #expect(abs(ms - expected) <= 1e-9 * expected)
    }

    @Test(.enabled(if: Python.path != nil, "python3 is not installed"))
    func pyYAMLReadsOFAValuesAsNumbers() throws {
        let python = try #require(Python.path)
        let space = try ShippedSpaces.space("ofa-mbv3")
        let files = try TableExporter.export(try SyntheticTables.table(space, resolutions: [128, 224]), space: space, format: .ofaYAML)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ofa-yaml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for file in files { try Data(file.contents.utf8).write(to: dir.appendingPathComponent(file.name)) }
        // What OFA's LatencyTable does (yaml.load), then checks each value's type.
        let script = """
            import glob, sys
            try:
                import yaml
            except ImportError:
                print("no-yaml"); sys.exit(0)
            n = 0
            for name in sorted(glob.glob("*_lookup_table.yaml")):
                lut = yaml.load(open(name), Loader=yaml.SafeLoader)
                for k, v in lut.items():
                    assert isinstance(v["mean"], float) and isinstance(v["var"], float) and isinstance(v["count"], int), (name, k, v)
                    n += 1
            print(n)
            """
        let output = try Python.run(python, ["-c", script], in: dir)
        if output == "no-yaml" {
            print("pyYAMLReadsOFAValuesAsNumbers: skipped, \(python) has no yaml module")
            return
        }
        #expect(Int(output) == files.map(\.entryCount).reduce(0, +))
    }
}

/// Once-for-All's key building, written again from the paper's network layout (not from the
/// exporter): `MBv3LatencyTable.predict_network_latency_given_config` and
/// `ProxylessNASLatencyTable`'s, over OFA's arch dict.
enum OFAReference {
    struct MBv3Arch {
        var ks: [Int], e: [Int], d: [Int], r: Int
        var json: String { "{\"ks\": \(ks), \"e\": \(e), \"d\": \(d), \"r\": [\(r)]}" }

        static func random(resolutions: [Int], using rng: inout SeededRandom) -> MBv3Arch {
            MBv3Arch(
                ks: (0..<20).map { _ in [3, 5, 7].randomElement(using: &rng)! }, e: (0..<20).map { _ in [3, 4, 6].randomElement(using: &rng)! },
                d: (0..<5).map { _ in [2, 3, 4].randomElement(using: &rng)! }, r: resolutions.randomElement(using: &rng)!)
        }
    }

    /// `make_divisible(v, 8)` from ofa/utils.
    static func makeDivisible(_ v: Double, _ divisor: Int = 8) -> Int {
        var rounded = max(divisor, Int(v + Double(divisor) / 2) / divisor * divisor)
        if Double(rounded) < 0.9 * v { rounded += divisor }
        return rounded
    }

    static func shape(_ h: Int, _ c: Int) -> String { "\(h)x\(h)x\(c)" }

    static func mbv3Keys(_ a: MBv3Arch) -> [String] {
        let widths = [24, 40, 80, 112, 160], strides = [2, 2, 2, 1, 2]
        let se = [0, 1, 0, 1, 1], hs = [0, 0, 1, 1, 1]
        var f = (a.r + 1) / 2
        var keys = ["Conv-input:\(shape(a.r, 3))-output:\(shape(f, 16))"]
        // first_block: 16 -> 16, 3x3, no expansion (middle = 16), ReLU, identity shortcut.
        keys.append("expanded_conv-input:\(shape(f, 16))-output:\(shape(f, 16))-expand:16-kernel:3-stride:1-idskip:1-se:0-hs:0")
        var c = 16
        for s in 0..<5 {
            for b in 0..<a.d[s] {
                let stride = b == 0 ? strides[s] : 1
                let mid = makeDivisible(Double(c * a.e[s * 4 + b]))
                let out = (f - 1) / stride + 1
                let skip = stride == 1 && c == widths[s] ? 1 : 0
                keys.append(
                    "expanded_conv-input:\(shape(f, c))-output:\(shape(out, widths[s]))-expand:\(mid)-kernel:\(a.ks[s * 4 + b])-stride:\(stride)"
                        + "-idskip:\(skip)-se:\(se[s])-hs:\(hs[s])")
                (f, c) = (out, widths[s])
            }
        }
        return keys + [
            "Conv_1-input:\(shape(f, 160))-output:\(shape(f, 960))", "AvgPool2D-input:\(shape(f, 960))-output:\(shape(1, 960))",
            "Conv_2-input:\(shape(1, 960))-output:\(shape(1, 1280))", "Logits-input:\(shape(1, 1280))-output:1000",
        ]
    }

    static func proxylessKeys(_ arch: Architecture) -> [String] {
        let widths = [24, 32, 64, 96, 160, 320], strides = [2, 2, 2, 1, 2, 1]
        var f = (arch.resolution + 1) / 2
        var keys = ["Conv-input:\(shape(arch.resolution, 3))-output:\(shape(f, 32))"]
        keys.append("expanded_conv-input:\(shape(f, 32))-output:\(shape(f, 16))-expand:1-kernel:3-stride:1-idskip:0")
        var c = 16
        for (s, choice) in arch.stages.enumerated() {
            for b in 0..<choice.depth {
                let stride = b == 0 ? strides[s] : 1
                let out = (f - 1) / stride + 1
                let skip = stride == 1 && c == widths[s] ? 1 : 0
                keys.append(
                    "expanded_conv-input:\(shape(f, c))-output:\(shape(out, widths[s]))-expand:\(Int(choice.expands[b]))-kernel:\(choice.kernels[b])"
                        + "-stride:\(stride)-idskip:\(skip)")
                (f, c) = (out, widths[s])
            }
        }
        return keys + ["Conv_1-input:\(shape(f, 320))-output:\(shape(f, 1280))", "Logits-input:\(shape(f, 1280))-output:1000"]
    }
}

/// FBNet's record matching (`OpLut._is_match`: op_type, input_shapes, op_args), and the
/// arguments docs/formats.md says each block kind carries, spelled from a resolved layer.
enum FBNetReference {
    static let schemaFields: Set<String> = [
        "op_type", "op_args", "input_shapes", "input_dtypes", "runtime_us_p0", "runtime_us_p10", "runtime_us_p50", "runtime_us_p90",
        "runtime_us_p100", "device",
    ]

    /// One line (snake_case fields, decoded with `convertFromSnakeCase`).
    struct Record: Decodable {
        var opType: String, opArgs: [String], inputShapes: [[Int]], inputDtypes: [Int], device: String
        var runtimeUsP0, runtimeUsP10, runtimeUsP50, runtimeUsP90, runtimeUsP100: Double
    }

    static func match(type: String, shapes: [[Int]], args: [String]) -> String { "\(type) \(shapes) \(args)" }

    static func match(_ layer: ResolvedLayer) -> String {
        var args: [(String, String)] = [("output_shape", ([1] + layer.output).map { "ints: \($0)\n" }.joined())]
        if layer.kernel > 0 { args.append(("kernel", "i: \(layer.kernel)\n")) }
        if layer.kernel > 0 || layer.stride != 1 { args.append(("stride", "i: \(layer.stride)\n")) }
        if layer.middle > 0 { args.append(("middle", "i: \(layer.middle)\n")) }
        if [.mbconv, .bottleneck, .transformer].contains(layer.kind) { args.append(("expand_ratio", "f: \(layer.expandRatio)\n")) }
        if layer.seChannels > 0 { args.append(("se_channels", "i: \(layer.seChannels)\n")) }
        if layer.heads > 0 { args.append(("heads", "i: \(layer.heads)\n")) }
        if layer.activation != .none { args.append(("activation", "s: \"\(layer.activation.rawValue)\"\n")) }
        if layer.identitySkip { args.append(("identity_skip", "i: 1\n")) }
        if [.conv, .linear, .patchEmbed].contains(layer.kind) { args.append(("bias", "i: \(layer.bias ? 1 : 0)\n")) }
        let spelled = args.sorted { $0.0 < $1.0 }.map { "name: \"\($0.0)\"\n\($0.1)" }
        return match(type: layer.kind.rawValue, shapes: [[1] + layer.input], args: spelled)
    }
}

/// RFC 4180 records (quoted fields may hold commas, quotes and line ends).
enum CSVReader {
    static func rows(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false
        var chars = Array(text)[...]
        while let ch = chars.popFirst() {
            if quoted {
                if ch == "\"" {
                    if chars.first == "\"" {
                        field.append("\"")
                        chars.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(ch)
                }
            } else if ch == "\"" {
                quoted = true
            } else if ch == "," {
                row.append(field)
                field = ""
            } else if ch == "\r\n" || ch == "\n" {
                row.append(field)
                rows.append(row)
                (row, field) = ([], "")
            } else {
                field.append(ch)
            }
        }
        return rows
    }
}

enum Python {
    /// Debian's interpreter first: a pyenv shim may not be usable from a test's environment.
    static let path: String? = {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") { return "/usr/bin/python3" }
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        return dirs.map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// stdout without surrounding whitespace; a failing script fails the test with its stderr.
    static func run(_ python: String, _ arguments: [String], in dir: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        process.currentDirectoryURL = dir
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(String(decoding: stderr, as: UTF8.self))")
        return String(decoding: stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The Python block of docs/formats.md's "Latency table exports" section.
    static func formatsDocSnippet() throws -> String {
        let docs = ShippedSpaces.directory.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/formats.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let section = try #require(text.range(of: "## Latency table exports"))
        let rest = text[section.upperBound...]
        let start = try #require(rest.range(of: "```python\n"))
        let end = try #require(rest[start.upperBound...].range(of: "```"))
        return String(rest[start.upperBound..<end.lowerBound])
    }
}
