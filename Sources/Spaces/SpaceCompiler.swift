import ModelPlan

/// Turns an architecture of a search space into a plan graph: MobileNet inverted residuals
/// (with squeeze-excite and h-swish where the space says), ResNet bottlenecks and ViT encoder
/// blocks, with BatchNorm folded into the convolutions as in a deployed network. Weights are
/// seeded random values: latency does not depend on them, and the same architecture and seed
/// always give the same graph, byte for byte.
public enum SpaceCompiler {
    public static let defaultSeed: UInt64 = 0x5350_4143_4553_0001

    /// Checks `arch` against `space` and builds its graph: input `image` [1, C, r, r], output
    /// logits [1, classes]. Metadata records `source` (`space:NAME`) and `arch` (the canonical form).
    /// `generatedWeights` stores the weights as seeds (plan format 2): the same values, kilobytes to push.
    public static func graph(
        for arch: Architecture, in space: SearchSpace, seed: UInt64 = defaultSeed, generatedWeights: Bool = false
    ) throws(SpaceError) -> Graph {
        let checked = try space.check(arch)
        let layers = try resolve(checked, in: space)
        var emitter = GraphEmitter(name: space.name, seed: seed, generatedWeights: generatedWeights)
        do {
            var x = try emitter.builder.input("image", shape: [1, space.inputChannels, checked.resolution, checked.resolution])
            for layer in layers { x = try emitter.emit(layer, x) }
            emitter.builder.output(x)
        } catch {
            throw .compile(space: space.name, reason: error.description)
        }
        var g = emitter.builder.graph
        g.metadata["source"] = "space:\(space.name)"
        g.metadata["family"] = space.family.rawValue
        g.metadata["arch"] = checked.canonical
        return g
    }

    /// Every layer and block of `arch` in order, with widths and shapes resolved (no weights).
    public static func layers(for arch: Architecture, in space: SearchSpace) throws(SpaceError) -> [ResolvedLayer] {
        try resolve(try space.check(arch), in: space)
    }

    /// `arch` must already be checked.
    static func resolve(_ arch: Architecture, in space: SearchSpace) throws(SpaceError) -> [ResolvedLayer] {
        var shape = [space.inputChannels, arch.resolution, arch.resolution]
        var out: [ResolvedLayer] = []
        func add(_ layer: ResolvedLayer) {
            out.append(layer)
            shape = layer.output
        }
        for layer in space.stem where !arch.skippedLayers.contains(layer.name) {
            add(try fixed(layer, input: shape, arch: arch, space: space))
        }
        for (stage, choice) in zip(space.stages, arch.stages) {
            let width = choice.widthMultiplier ?? arch.widthMultiplier
            for b in 0..<choice.depth {
                let name = "\(stage.name).block\(b + 1)"
                let stride = b == 0 ? stage.stride : 1
                switch stage.block {
                case .mbconv:
                    add(
                        try mbconv(
                            name: name, input: shape, out: Channels.scaled(stage.outChannels ?? 0, by: width), kernel: choice.kernel(b, in: stage),
                            stride: stride, expand: choice.expand(b, in: stage), activation: stage.activation, se: stage.squeezeExcite,
                            space: space))
                case .bottleneck:
                    add(
                        try bottleneck(
                            name: name, input: shape, out: Channels.scaled(stage.outChannels ?? 0, by: width), kernel: choice.kernel(b, in: stage),
                            stride: stride, expand: choice.expand(b, in: stage), activation: stage.activation, space: space))
                case .transformer:
                    add(
                        try transformer(
                            name: name, input: shape, heads: choice.heads(b, in: stage), ratio: choice.expand(b, in: stage), stage: stage, space: space))
                }
            }
        }
        for layer in space.head { add(try fixed(layer, input: shape, arch: arch, space: space)) }
        return out
    }

    static func transformer(
        name: String, input shape: [Int], heads: Int, ratio: Double, stage: Stage, space: SearchSpace
    ) throws(SpaceError) -> ResolvedLayer {
        guard shape.count == 2 else {
            throw .compile(space: space.name, reason: "stage \(stage.name) needs tokens; put a patchEmbed layer in the stem")
        }
        let d = shape[1]
        guard d % heads == 0 else { throw .compile(space: space.name, reason: "\(name): width \(d) is not divisible by \(heads) heads") }
        // int(dim * mlp_ratio), as timm and AutoFormer size the hidden layer.
        let hidden = max(1, Int(Double(d) * ratio))
        return ResolvedLayer(
            name: name, kind: .transformer, input: shape, output: shape, middle: hidden, expandRatio: ratio, heads: heads, activation: stage.activation,
            identitySkip: true)
    }

    static func spatial(_ size: Int, kernel: Int, stride: Int) -> Int { (size + 2 * (kernel / 2) - kernel) / stride + 1 }

    private static func requireImage(_ shape: [Int], _ name: String, _ space: SearchSpace) throws(SpaceError) {
        guard shape.count == 3 else { throw .compile(space: space.name, reason: "\(name) needs an image-shaped input, gets \(shape)") }
    }

    static func mbconv(
        name: String, input: [Int], out: Int, kernel: Int, stride: Int, expand: Double, activation: ActivationKind, se: Bool,
        space: SearchSpace
    ) throws(SpaceError) -> ResolvedLayer {
        try requireImage(input, name, space)
        let c = input[0]
        let middle = expand == 1 ? c : Channels.middle(c, ratio: expand)
        let h = spatial(input[1], kernel: kernel, stride: stride), w = spatial(input[2], kernel: kernel, stride: stride)
        return ResolvedLayer(
            name: name, kind: .mbconv, input: input, output: [out, h, w], kernel: kernel, stride: stride, middle: middle, expandRatio: expand,
            seChannels: se ? Channels.makeDivisible(Double(middle / 4)) : 0, activation: activation, identitySkip: stride == 1 && c == out)
    }

    static func bottleneck(
        name: String, input: [Int], out: Int, kernel: Int, stride: Int, expand: Double, activation: ActivationKind, space: SearchSpace
    ) throws(SpaceError) -> ResolvedLayer {
        try requireImage(input, name, space)
        // OFA sizes a bottleneck's middle from its output width.
        let middle = Channels.middle(out, ratio: expand)
        let h = spatial(input[1], kernel: kernel, stride: stride), w = spatial(input[2], kernel: kernel, stride: stride)
        return ResolvedLayer(
            name: name, kind: .bottleneck, input: input, output: [out, h, w], kernel: kernel, stride: stride, middle: middle,
            expandRatio: expand, activation: activation, identitySkip: stride == 1 && input[0] == out)
    }

    static func fixed(_ layer: FixedLayer, input: [Int], arch: Architecture, space: SearchSpace) throws(SpaceError) -> ResolvedLayer {
        let width = arch.layerWidths[layer.name] ?? arch.widthMultiplier
        let scaledOut = layer.outChannels.map { Channels.scaled($0, by: width) }
        switch layer.kind {
        case .conv:
            try requireImage(input, layer.name, space)
            let out = layer.residual ? input[0] : scaledOut ?? input[0]
            let h = spatial(input[1], kernel: layer.kernel, stride: layer.stride), w = spatial(input[2], kernel: layer.kernel, stride: layer.stride)
            return ResolvedLayer(
                name: layer.name, kind: .conv, input: input, output: [out, h, w], kernel: layer.kernel, stride: layer.stride,
                activation: layer.activation, identitySkip: layer.residual, bias: layer.bias)
        case .mbconv:
            return try mbconv(
                name: layer.name, input: input, out: scaledOut ?? input[0], kernel: layer.kernel, stride: layer.stride, expand: layer.expand,
                activation: layer.activation, se: layer.squeezeExcite, space: space)
        case .maxPool:
            try requireImage(input, layer.name, space)
            let h = spatial(input[1], kernel: layer.kernel, stride: layer.stride), w = spatial(input[2], kernel: layer.kernel, stride: layer.stride)
            return ResolvedLayer(name: layer.name, kind: .maxPool, input: input, output: [input[0], h, w], kernel: layer.kernel, stride: layer.stride)
        case .globalPool:
            try requireImage(input, layer.name, space)
            return ResolvedLayer(name: layer.name, kind: .globalPool, input: input, output: [input[0], 1, 1])
        case .linear:
            guard input.count == 1 || (input.count == 3 && input[1] == 1 && input[2] == 1) else {
                throw .compile(
                    space: space.name, reason: "\(layer.name) needs pooled features, gets \(input); add a globalPool or selectClassToken layer before it")
            }
            return ResolvedLayer(
                name: layer.name, kind: .linear, input: input, output: [layer.outChannels ?? space.classes], activation: layer.activation,
                bias: layer.bias)
        case .patchEmbed:
            try requireImage(input, layer.name, space)
            let p = layer.kernel
            guard input[1] % p == 0, input[2] % p == 0 else {
                throw .compile(space: space.name, reason: "resolution \(input[1]) is not a multiple of the patch size \(p)")
            }
            guard let d = arch.embedDim else { throw .compile(space: space.name, reason: "\(layer.name) needs the architecture's embedDim") }
            let tokens = (input[1] / p) * (input[2] / p) + 1
            return ResolvedLayer(name: layer.name, kind: .patchEmbed, input: input, output: [tokens, d], kernel: p, stride: p, bias: layer.bias)
        case .layerNorm:
            guard input.count == 2 else { throw .compile(space: space.name, reason: "\(layer.name) normalises tokens, gets \(input)") }
            return ResolvedLayer(name: layer.name, kind: .layerNorm, input: input, output: input)
        case .selectClassToken:
            guard input.count == 2 else { throw .compile(space: space.name, reason: "\(layer.name) picks a token, gets \(input)") }
            return ResolvedLayer(name: layer.name, kind: .selectClassToken, input: input, output: [input[1]])
        }
    }
}
