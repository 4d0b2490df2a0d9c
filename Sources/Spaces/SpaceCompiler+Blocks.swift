import ModelPlan

extension SpaceCompiler {
    /// Every distinct layer (by `tableKey`) that some architecture of `space` contains at one of
    /// `resolutions`: the blocks a latency table measures. In order of first appearance, each
    /// named after the first layer that has it (`stage2.block1`).
    ///
    /// Shapes are propagated layer by layer: a layer sees every input shape an architecture
    /// can hand it (every resolution, the width of every earlier choice, a stage of depth 0 or
    /// a skipped layer passing its input on), and every choice of its own (width multiplier,
    /// kernel, expand ratio, heads). A stage's first block has the stage's stride; its later
    /// blocks see the stage's output. Everything `layers(for:in:)` can produce is included.
    public static func uniqueLayers(of space: SearchSpace, resolutions: [Int]) throws(SpaceError) -> [ResolvedLayer] {
        guard !resolutions.isEmpty else { throw .compile(space: space.name, reason: "no resolutions to build blocks for") }
        for r in resolutions where !space.resolutions.contains(r) {
            throw .compile(space: space.name, reason: "resolution \(r) is not in the space (\(space.resolutions.map(String.init).joined(separator: ", ")))")
        }
        var collector = LayerCollector()
        var shapes = Shapes(resolutions.map { [space.inputChannels, $0, $0] })
        let embedDims: [Int?] = space.embedDims.isEmpty ? [nil] : space.embedDims.map { $0 }

        func fixedLayers(_ layers: [FixedLayer]) throws(SpaceError) {
            for layer in layers {
                var next = Shapes()
                if layer.skippable { next.formUnion(shapes) }
                let widths = layer.isScaled ? space.widthMultipliers : [space.widthMultipliers.first ?? 1]
                for input in shapes.ordered {
                    for w in widths {
                        for e in embedDims {
                            let arch = Architecture(space: space.name, resolution: 0, widthMultiplier: w, embedDim: e, stages: [])
                            let resolved = try fixed(layer, input: input, arch: arch, space: space)
                            collector.add(resolved)
                            next.insert(resolved.output)
                        }
                    }
                }
                shapes = next
            }
        }

        try fixedLayers(space.stem)
        for stage in space.stages {
            var next = Shapes()
            if stage.blockCounts.contains(0) { next.formUnion(shapes) }
            let kernels = stage.kernels.isEmpty ? [1] : stage.kernels
            let heads = stage.heads.isEmpty ? [1] : stage.heads
            for input in shapes.ordered {
                for w in space.widthMultipliers {
                    let out = Channels.scaled(stage.outChannels ?? 0, by: w)
                    var stageOutputs = Shapes()
                    // The first block (the stage's stride), then the blocks after it (stride 1,
                    // fed by the first block's output).
                    for position in 0..<min(2, stage.maxBlocks) {
                        let inputs = position == 0 ? Shapes([input]) : stageOutputs
                        for x in inputs.ordered {
                            for k in kernels {
                                for e in stage.expands {
                                    for h in heads {
                                        let layer = try block(
                                            stage, position: position, input: x, out: out, kernel: k, expand: e, heads: h, space: space)
                                        collector.add(layer)
                                        stageOutputs.insert(layer.output)
                                    }
                                }
                            }
                        }
                    }
                    next.formUnion(stageOutputs)
                }
            }
            shapes = next
        }
        try fixedLayers(space.head)
        return collector.layers
    }

    private static func block(
        _ stage: Stage, position: Int, input: [Int], out: Int, kernel: Int, expand: Double, heads: Int, space: SearchSpace
    ) throws(SpaceError) -> ResolvedLayer {
        let name = "\(stage.name).block\(position + 1)"
        let stride = position == 0 ? stage.stride : 1
        switch stage.block {
        case .mbconv:
            return try mbconv(
                name: name, input: input, out: out, kernel: kernel, stride: stride, expand: expand, activation: stage.activation,
                se: stage.squeezeExcite, space: space)
        case .bottleneck:
            return try bottleneck(
                name: name, input: input, out: out, kernel: kernel, stride: stride, expand: expand, activation: stage.activation, space: space)
        case .transformer:
            return try transformer(name: name, input: input, heads: heads, ratio: expand, stage: stage, space: space)
        }
    }

    /// One layer on its own as a graph: input `x` [1, ...layer.input] (a realistic activation
    /// shape for where the layer sits in a network), output the layer's output. Weights are
    /// seeded like `graph(for:in:)`'s; `generatedWeights` stores them as seeds, not bytes
    /// (plan format 2), so thousands of block plans cost kilobytes to push.
    public static func blockGraph(
        for layer: ResolvedLayer, in space: SearchSpace, seed: UInt64 = defaultSeed, generatedWeights: Bool = false
    ) throws(SpaceError) -> Graph {
        var emitter = GraphEmitter(name: "\(space.name).block", seed: seed, generatedWeights: generatedWeights)
        do {
            let x = try emitter.builder.input("x", shape: [1] + layer.input)
            emitter.builder.output(try emitter.emit(layer, x))
        } catch {
            throw .compile(space: space.name, reason: "block \(layer.tableKey): \(error.description)")
        }
        var g = emitter.builder.graph
        g.metadata["source"] = "space:\(space.name)"
        g.metadata["family"] = space.family.rawValue
        g.metadata["block"] = layer.tableKey
        return g
    }
}

extension ResolvedLayer {
    /// The identity of this layer's computation, independent of where it sits: kind, input and
    /// output shapes (images `HxWxC` as OFA spells them, tokens `TxD`, features `F`), then every
    /// parameter that changes the computation. Two layers with one key compile to the same
    /// graph up to names. docs/formats.md, "Latency tables", lists the fields.
    public var tableKey: String {
        var parts = [kind.rawValue, "input:\(Self.spell(input))", "output:\(Self.spell(output))"]
        if kernel > 0 { parts.append("kernel:\(kernel)") }
        if kernel > 0 || stride != 1 { parts.append("stride:\(stride)") }
        if middle > 0 { parts.append("middle:\(middle)") }
        if kind == .mbconv || kind == .bottleneck || kind == .transformer { parts.append("ratio:\(Format.number(expandRatio))") }
        if seChannels > 0 { parts.append("se:\(seChannels)") }
        if heads > 0 { parts.append("heads:\(heads)") }
        if activation != .none { parts.append("act:\(activation.rawValue)") }
        if identitySkip { parts.append("idskip:1") }
        if (kind == .conv || kind == .linear || kind == .patchEmbed) && !bias { parts.append("bias:0") }
        return parts.joined(separator: "-")
    }

    static func spell(_ shape: [Int]) -> String {
        let ordered = shape.count == 3 ? [shape[1], shape[2], shape[0]] : shape
        return ordered.map(String.init).joined(separator: "x")
    }
}

/// Shapes in insertion order without duplicates.
private struct Shapes {
    private(set) var ordered: [[Int]] = []
    private var seen: Set<[Int]> = []

    init(_ shapes: [[Int]] = []) { for s in shapes { insert(s) } }

    mutating func insert(_ shape: [Int]) { if seen.insert(shape).inserted { ordered.append(shape) } }
    mutating func formUnion(_ other: Shapes) { for s in other.ordered { insert(s) } }
}

private struct LayerCollector {
    private(set) var layers: [ResolvedLayer] = []
    private var keys: Set<String> = []

    mutating func add(_ layer: ResolvedLayer) { if keys.insert(layer.tableKey).inserted { layers.append(layer) } }
}
