/// How to name a field of the architecture in a message: the spec form says
/// `stages[1].kernels[2]`, OFA's dict form says `ks[6]`.
struct ArchFieldNames {
    var resolution = "resolution"
    var widthMultiplier = "widthMultiplier"
    var embedDim = "embedDim"
    var stages = "stages"
    var depth: (Int) -> String = { "stages[\($0)].depth" }
    /// (field: kernels, expands or heads; stage; block or nil for the whole list)
    var perBlock: (String, Int, Int?) -> String = { field, s, b in "stages[\(s)].\(field)" + (b.map { "[\($0)]" } ?? "") }
    var stageWidth: (Int) -> String = { "stages[\($0)].widthMultiplier" }
    var layerWidth: (String) -> String = { "layerWidths.\($0)" }
    var skip = "skip"
}

extension SearchSpace {
    /// Checks every choice of `arch` against this space and returns it normalised: lists the
    /// space leaves no choice in are emptied, overrides equal to the default dropped, values
    /// spelt as the space spells them. Equal networks then have equal `canonical` strings.
    public func check(_ arch: Architecture, source: String = "architecture") throws(SpaceError) -> Architecture {
        try check(arch, source: source, names: ArchFieldNames())
    }

    func check(_ arch: Architecture, source: String, names: ArchFieldNames) throws(SpaceError) -> Architecture {
        func fail(_ field: String, _ reason: String) -> SpaceError { .invalid(file: source, field: field, reason: reason) }
        guard arch.space == name else { throw fail("space", "\(arch.space.debugDescription) is not this space (\(name))") }
        var out = arch
        guard resolutions.contains(arch.resolution) else {
            throw fail(names.resolution, "\(arch.resolution) is not one of \(name)'s resolutions \(Self.describe(resolutions))")
        }
        guard let w = widthMultipliers.first(where: { $0 == arch.widthMultiplier }) else {
            throw fail(names.widthMultiplier, "\(Format.number(arch.widthMultiplier)) is not one of \(Format.numbers(widthMultipliers))")
        }
        out.widthMultiplier = w
        if family == .vit {
            guard let d = arch.embedDim else { throw fail(names.embedDim, "a \(name) architecture needs an embedding width, one of \(Format.ints(embedDims))") }
            guard embedDims.contains(d) else { throw fail(names.embedDim, "\(d) is not one of \(Format.ints(embedDims))") }
        } else if arch.embedDim != nil {
            throw fail(names.embedDim, "only vit spaces have an embedding width")
        }
        guard arch.stages.count == stages.count else {
            throw fail(names.stages, "\(arch.stages.count) stages given; \(name) has \(stages.count) (\(stages.map(\.name).joined(separator: ", ")))")
        }
        for (i, (stage, choice)) in zip(stages, arch.stages).enumerated() {
            out.stages[i] = try check(choice, stage: stage, index: i, source: source, names: names)
        }
        let scaled = Dictionary(uniqueKeysWithValues: fixedLayers.filter { $0.isScaled && !$0.residual }.map { ($0.name, $0) })
        for (layer, v) in arch.layerWidths {
            guard scaled[layer] != nil else {
                throw fail(
                    names.layerWidth(layer),
                    "\(name) has no fixed layer \(layer.debugDescription) with a width of its own; those are \(scaled.keys.sorted().joined(separator: ", "))")
            }
            guard let m = widthMultipliers.first(where: { $0 == v }) else {
                throw fail(names.layerWidth(layer), "\(Format.number(v)) is not one of \(Format.numbers(widthMultipliers))")
            }
            out.layerWidths[layer] = m
        }
        normaliseWidths(&out)
        let skippable = Set(fixedLayers.filter(\.skippable).map(\.name))
        for layer in arch.skippedLayers.sorted() where !skippable.contains(layer) {
            throw fail(
                names.skip,
                "\(layer.debugDescription) cannot be skipped; skippable layers: \(skippable.isEmpty ? "none" : skippable.sorted().joined(separator: ", "))")
        }
        return out
    }

    private func check(
        _ choice: Architecture.StageChoice, stage: Stage, index s: Int, source: String, names: ArchFieldNames
    ) throws(SpaceError) -> Architecture.StageChoice {
        func fail(_ field: String, _ reason: String) -> SpaceError { .invalid(file: source, field: field, reason: reason) }
        guard stage.blockCounts.contains(choice.depth) else {
            let counts = Format.ints(stage.blockCounts)
            let detail = stage.baseDepth > 0 ? "\(stage.baseDepth) base blocks plus one of \(Format.ints(stage.depths)): \(counts)" : counts
            throw fail(names.depth(s), "\(choice.depth) blocks is not allowed in stage \(stage.name) (\(detail))")
        }
        var out = choice
        func normalise<T: Equatable>(_ values: [T], _ allowed: [T], field: String, noun: String, show: (T) -> String) throws(SpaceError) -> [T] {
            if allowed.isEmpty {
                guard values.isEmpty else { throw fail(names.perBlock(field, s, nil), "stage \(stage.name) (\(stage.block.rawValue)) has no \(field)") }
                return []
            }
            if allowed.count == 1, values.allSatisfy({ $0 == allowed[0] }) { return [] }
            guard values.count == choice.depth else {
                throw fail(names.perBlock(field, s, nil), "\(values.count) entries for the \(choice.depth) blocks of stage \(stage.name)")
            }
            for (b, v) in values.enumerated() where !allowed.contains(v) {
                throw fail(
                    names.perBlock(field, s, b),
                    "\(noun) \(show(v)) is not one of \(allowed.map(show).joined(separator: ", ")) (stage \(stage.name), block \(b + 1))")
            }
            return values
        }
        out.kernels = try normalise(choice.kernels, stage.kernels, field: "kernels", noun: "kernel", show: String.init)
        out.expands = try normalise(choice.expands, stage.expands, field: "expands", noun: "expand ratio", show: Format.number)
        out.heads = try normalise(choice.heads, stage.heads, field: "heads", noun: "head count", show: String.init)
        if let m = choice.widthMultiplier {
            guard let v = widthMultipliers.first(where: { $0 == m }) else {
                throw fail(names.stageWidth(s), "\(Format.number(m)) is not one of \(Format.numbers(widthMultipliers))")
            }
            out.widthMultiplier = v
        }
        return out
    }

    /// One spelling per network: the global multiplier becomes the width of the last layer
    /// or stage it could apply to (in network order), and only widths that differ from it
    /// stay as overrides.
    private func normaliseWidths(_ arch: inout Architecture) {
        enum Slot {
            case layer(String)
            case stage(Int)
        }
        let scaledStem = stem.filter { $0.isScaled && !$0.residual }.map { Slot.layer($0.name) }
        let scaledHead = head.filter { $0.isScaled && !$0.residual }.map { Slot.layer($0.name) }
        let slots = scaledStem + stages.indices.map { Slot.stage($0) } + scaledHead
        func width(_ slot: Slot) -> Double {
            switch slot {
            case .layer(let n): arch.layerWidths[n] ?? arch.widthMultiplier
            case .stage(let i): arch.stages[i].widthMultiplier ?? arch.widthMultiplier
            }
        }
        let effective = slots.map(width)
        let global = effective.last ?? arch.widthMultiplier
        arch.widthMultiplier = global
        arch.layerWidths = [:]
        for (slot, w) in zip(slots, effective) {
            switch slot {
            case .layer(let n): if w != global { arch.layerWidths[n] = w }
            case .stage(let i): arch.stages[i].widthMultiplier = w == global ? nil : w
            }
        }
    }

    /// `[128, 132, ..., 224]` for long evenly spaced lists.
    static func describe(_ values: [Int]) -> String {
        guard values.count > 6 else { return Format.ints(values) }
        return "[\(values[0]), \(values[1]), ..., \(values[values.count - 1])]"
    }
}

extension Architecture.StageChoice {
    /// The kernel of block `b`, with the stage's only choice standing in for an empty list.
    func kernel(_ b: Int, in stage: Stage) -> Int { kernels.isEmpty ? stage.kernels.first ?? 1 : kernels[b] }
    func expand(_ b: Int, in stage: Stage) -> Double { expands.isEmpty ? stage.expands[0] : expands[b] }
    func heads(_ b: Int, in stage: Stage) -> Int { heads.isEmpty ? stage.heads.first ?? 1 : heads[b] }
}
