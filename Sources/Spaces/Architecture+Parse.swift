import Foundation

extension Architecture {
    /// The space an OFA dict names none: `{"ks": ..., "e": ..., "d": ..., "r": ...}` is OFA MobileNetV3's form.
    public static let defaultOFASpace = "ofa-mbv3"

    /// Reads an arch spec file (YAML or JSON) and checks it against its space.
    public init(contentsOf url: URL, catalog: SpaceCatalog) throws(SpaceError) {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
        self = try Self.parse(text, source: url.lastPathComponent, catalog: catalog)
    }

    /// Parses either form, finds its space in `catalog` and returns the checked, normalised
    /// architecture.
    ///
    /// - OFA's own dict: `{"ks": [...], "e": [...], "d": [...], "r": [224]}` (`space` optional,
    ///   default `ofa-mbv3`). `ks` and `e` hold one entry per block over every stage's maximum
    ///   depth (5 x 4 = 20 for ofa-mbv3); entries past a stage's active depth are ignored, as
    ///   OFA ignores them. OFA ResNet's `d` starts with the stem entry (the skippable stem conv
    ///   stays only when it is the largest depth choice) and its `w` holds indices into the
    ///   width multipliers: one per scaled stem layer, then one per stage. `r` defaults to the
    ///   space's largest resolution; a single value stands for a whole list.
    /// - The spec form: `space`, `resolution`, `stages: [{depth, kernels, expands, heads,
    ///   widthMultiplier}]`, optional `widthMultiplier`, `embedDim`, `layerWidths`, `skip`.
    public static func parse(_ text: String, source: String, catalog: SpaceCatalog) throws(SpaceError) -> Architecture {
        let root = try YAMLField.root(text, file: source)
        let name: String
        if case .mapping = root.node, let f = try root.object(allowed: allKeys)["space"] {
            name = try f.string()
        } else if try isOFADict(root) {
            name = defaultOFASpace
        } else {
            throw root.fail("missing required field space")
        }
        let space: SearchSpace
        do {
            space = try catalog.space(named: name)
        } catch {
            guard case .unknownSpace = error else { throw error }
            throw .invalid(file: source, field: "space", reason: error.description)
        }
        return try parse(root, space: space)
    }

    /// Parses either form against a space the caller already has; a `space` field, if given,
    /// must name it.
    public static func parse(_ text: String, source: String, space: SearchSpace) throws(SpaceError) -> Architecture {
        try parse(try YAMLField.root(text, file: source), space: space)
    }

    private static let ofaKeys = ["ks", "e", "d", "r", "w", "wid"]
    private static let specKeys = ["resolution", "widthMultiplier", "embedDim", "stages", "layerWidths", "skip"]
    private static let allKeys = ["space"] + ofaKeys + specKeys

    private static func isOFADict(_ root: YAMLField) throws(SpaceError) -> Bool {
        let o = try root.object(allowed: allKeys)
        let ofa = ofaKeys.filter { o.fields[$0] != nil }, spec = specKeys.filter { o.fields[$0] != nil }
        if !ofa.isEmpty, !spec.isEmpty {
            throw root.fail("mixes OFA's dict keys (\(ofa.joined(separator: ", "))) with the spec form's (\(spec.joined(separator: ", "))); use one form")
        }
        return !ofa.isEmpty
    }

    private static func parse(_ root: YAMLField, space: SearchSpace) throws(SpaceError) -> Architecture {
        let o = try root.object(allowed: allKeys)
        if let f = o["space"] {
            let n = try f.string()
            guard n == space.name else { throw f.fail("\(n.debugDescription) is not the space this architecture is checked against (\(space.name))") }
        }
        return try isOFADict(root) ? try parseOFA(o, space: space) : try parseSpec(o, space: space)
    }

    // MARK: The spec form

    private static func parseSpec(_ o: YAMLObject, space: SearchSpace) throws(SpaceError) -> Architecture {
        let stagesField = try o.required("stages")
        var stages: [StageChoice] = []
        for item in try stagesField.list() {
            let s = try item.object(allowed: ["depth", "kernels", "expands", "heads", "widthMultiplier"])
            let depth = try s.required("depth").int()
            func ints(_ key: String) throws(SpaceError) -> [Int] {
                guard let f = s[key] else { return [] }
                var out: [Int] = []
                for x in try f.list(orRepeated: depth) { out.append(try x.int()) }
                return out
            }
            var expands: [Double] = []
            if let f = s["expands"] { for x in try f.list(orRepeated: depth) { expands.append(try x.double()) } }
            stages.append(
                StageChoice(
                    depth: depth, kernels: try ints("kernels"), expands: expands, heads: try ints("heads"),
                    widthMultiplier: try s["widthMultiplier"]?.double()))
        }
        var layerWidths: [String: Double] = [:]
        if let f = o["layerWidths"] {
            guard case .mapping(let m) = f.node else { throw f.fail("expected a mapping of layer name to width multiplier") }
            for (k, v) in m {
                let key = k.string ?? ""
                layerWidths[key] = try f.child(key, v).double()
            }
        }
        var skipped = Set<String>()
        if let f = o["skip"] { for x in try f.list() { skipped.insert(try x.string()) } }
        let width: Double
        if let f = o["widthMultiplier"] { width = try f.double() } else { width = try defaultWidth(space, o.owner) }
        let arch = Architecture(
            space: space.name, resolution: try o.required("resolution").int(), widthMultiplier: width,
            embedDim: try o["embedDim"]?.int() ?? (space.embedDims.count == 1 ? space.embedDims[0] : nil),
            stages: stages, layerWidths: layerWidths, skippedLayers: skipped)
        return try space.check(arch, source: o.owner.file)
    }

    private static func defaultWidth(_ space: SearchSpace, _ root: YAMLField) throws(SpaceError) -> Double {
        if space.widthMultipliers.contains(1) { return 1 }
        if space.widthMultipliers.count == 1 { return space.widthMultipliers[0] }
        throw root.fail("missing required field widthMultiplier (one of \(Format.numbers(space.widthMultipliers)))")
    }

    // MARK: OFA's dict form

    private static func parseOFA(_ o: YAMLObject, space: SearchSpace) throws(SpaceError) -> Architecture {
        guard space.family != .vit else { throw o.owner.fail("OFA's dict form describes convolutional spaces; write \(space.name) in the spec form") }
        if let f = o["wid"] { throw f.fail("wid is not supported (OFA leaves it null)") }
        let source = o.owner.file
        let maxBlocks = space.stages.map(\.maxBlocks)
        let offsets = maxBlocks.indices.map { maxBlocks[..<$0].reduce(0, +) }
        let total = maxBlocks.reduce(0, +)
        let layout = "\(total) (\(maxBlocks.map(String.init).joined(separator: "+")) blocks per stage)"

        let stem = space.stem.filter(\.skippable)
        let dField = try o.required("d")
        let dItems = try dField.list(orRepeated: space.stages.count + (stem.isEmpty ? 0 : 1))
        let dCount = space.stages.count + (stem.isEmpty ? 0 : 1)
        guard dItems.count == dCount else {
            throw dField.fail(
                "\(dItems.count) entries; \(space.name) needs \(dCount)" + (stem.isEmpty ? " (one per stage)" : " (the stem, then one per stage)"))
        }
        var skipped = Set<String>()
        var d = dItems
        if !stem.isEmpty {
            let maxDepth = space.stages.flatMap(\.depths).max() ?? 0
            if try d[0].int() != maxDepth { skipped = Set(stem.map(\.name)) }
            d.removeFirst()
        }

        func perBlock(_ key: String) throws(SpaceError) -> [YAMLField]? {
            guard let f = o[key] else { return nil }
            let items = try f.list(orRepeated: total)
            guard items.count == total else { throw f.fail("\(items.count) entries; \(space.name) needs \(layout)") }
            return items
        }
        let ks = try perBlock("ks"), e = try perBlock("e")
        if space.stages.contains(where: { $0.kernels.count > 1 }), ks == nil { throw o.owner.fail("missing required field ks") }
        guard let e else { throw o.owner.fail("missing required field e") }

        var stages: [StageChoice] = []
        for (s, stage) in space.stages.enumerated() {
            let extra = try d[s].int()
            let depth = stage.baseDepth + extra
            guard stage.depths.contains(extra) else {
                throw d[s].fail("\(extra) is not one of stage \(stage.name)'s depth choices \(Format.ints(stage.depths))")
            }
            // OFA reads only the first `depth` entries of each stage's slice.
            let range = offsets[s]..<offsets[s] + depth
            var kernels: [Int] = []
            if let ks { for f in ks[range] { kernels.append(try f.int()) } }
            var expands: [Double] = []
            for f in e[range] { expands.append(try f.double()) }
            stages.append(StageChoice(depth: depth, kernels: kernels, expands: expands))
        }

        var widthMultiplier = try defaultWidth(space, o.owner)
        var layerWidths: [String: Double] = [:]
        if let wField = o["w"] {
            // OFA ResNet: indices into the sorted width list, scaled stem layers first.
            let stemLayers = space.stem.filter { $0.isScaled && !$0.residual }
            let count = stemLayers.count + space.stages.count
            let items = try wField.list(orRepeated: count)
            guard items.count == count else {
                throw wField.fail(
                    "\(items.count) entries; \(space.name) needs \(count) (\(stemLayers.map(\.name).joined(separator: ", ")), then one per stage)")
            }
            var values: [Double] = []
            for f in items {
                let i = try f.int()
                guard space.widthMultipliers.indices.contains(i) else {
                    throw f.fail(
                        "\(i) is not an index into the width multipliers \(Format.numbers(space.widthMultipliers)) (0...\(space.widthMultipliers.count - 1))")
                }
                values.append(space.widthMultipliers[i])
            }
            widthMultiplier = values.last!
            for (layer, v) in zip(stemLayers, values) { layerWidths[layer.name] = v }
            for s in stages.indices { stages[s].widthMultiplier = values[stemLayers.count + s] }
        }

        let resolution: Int
        if let r = o["r"] {
            let items = try r.list(orRepeated: 1)
            guard items.count == 1 else { throw r.fail("one resolution per architecture, got \(items.count)") }
            resolution = try items[0].int()
        } else {
            resolution = space.resolutions.last!
        }
        let arch = Architecture(
            space: space.name, resolution: resolution, widthMultiplier: widthMultiplier, stages: stages, layerWidths: layerWidths,
            skippedLayers: skipped)
        var names = ArchFieldNames()
        names.resolution = "r"
        names.widthMultiplier = "w"
        names.stages = "d"
        names.depth = { "d[\($0 + (stem.isEmpty ? 0 : 1))]" }
        names.perBlock = { field, s, b in
            let key = field == "kernels" ? "ks" : "e"
            return b.map { "\(key)[\(offsets[s] + $0)]" } ?? key
        }
        names.stageWidth = { "w[\(scaledStemCount(space) + $0)]" }
        names.layerWidth = { _ in "w" }
        names.skip = "d[0]"
        return try space.check(arch, source: source, names: names)
    }

    private static func scaledStemCount(_ space: SearchSpace) -> Int { space.stem.filter { $0.isScaled && !$0.residual }.count }
}
