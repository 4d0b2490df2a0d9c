import ModelPlan

/// Emits plan nodes for resolved layers through `GraphBuilder`, naming every node and weight
/// after its layer (`stage2.block1.dw`, `stage2.block1.dw.weight`).
struct GraphEmitter {
    var builder: GraphBuilder

    init(name: String, seed: UInt64, generatedWeights: Bool = false) {
        builder = GraphBuilder(name: name, seed: seed, generatedWeights: generatedWeights)
    }

    mutating func emit(_ layer: ResolvedLayer, _ x: Int) throws(PlanError) -> Int {
        switch layer.kind {
        case .conv:
            let y = try conv(
                x, name: layer.name, out: layer.output[0], kernel: layer.kernel, stride: layer.stride, activation: layer.activation,
                bias: layer.bias)
            return layer.identitySkip ? try node(.add, [x, y], name: "\(layer.name).add") : y
        case .mbconv: return try mbconv(layer, x)
        case .bottleneck: return try bottleneck(layer, x)
        case .transformer: return try transformer(layer, x)
        case .maxPool:
            let p = Int64(layer.kernel / 2), k = Int64(layer.kernel), s = Int64(layer.stride)
            return try node(.maxPool, [x], ["kernel": .ints([k, k]), "strides": .ints([s, s]), "pads": .ints([p, p, p, p])], name: layer.name)
        case .globalPool: return try node(.globalAveragePool, [x], name: layer.name)
        case .linear:
            var v = x
            if builder.shape(of: x).count != 2 { v = try node(.flatten, [x], ["axis": .int(1)], name: "\(layer.name).flatten") }
            return try dense(v, name: layer.name, out: layer.output[0], activation: layer.activation, bias: layer.bias)
        case .patchEmbed: return try patchEmbed(layer, x)
        case .layerNorm: return try layerNorm(x, name: layer.name)
        case .selectClassToken:
            // x[:, 0]: a scalar index drops the token axis.
            return try node(.gather, [x], ["axis": .int(1), "indices": .ints([0]), "indicesShape": .ints([])], name: layer.name)
        }
    }

    // MARK: Building blocks

    mutating func node(_ op: OpCode, _ inputs: [Int], _ attributes: [String: Attributes.Value] = [:], name: String) throws(PlanError) -> Int {
        try builder.node(op, inputs, Attributes(attributes), name: name)
    }

    /// A convolution with "same" padding, seeded He-uniform weights and (unless `bias` is
    /// false) a bias, the activation fused when the plan format can fuse it.
    mutating func conv(
        _ x: Int, name: String, out: Int, kernel: Int, stride: Int = 1, group: Int = 1, activation: ActivationKind, bias: Bool = true,
        fused: Activation? = nil
    ) throws(PlanError) -> Int {
        let inChannels = builder.shape(of: x)[1]
        let fanIn = inChannels / group * kernel * kernel
        var inputs = [x, try builder.randomConstant("\(name).weight", shape: [out, inChannels / group, kernel, kernel], fanIn: fanIn)]
        if bias { inputs.append(try builder.randomConstant("\(name).bias", shape: [out], fanIn: 1000)) }
        let p = Int64(kernel / 2), s = Int64(stride)
        var attrs: [String: Attributes.Value] = ["strides": .ints([s, s]), "pads": .ints([p, p, p, p]), "group": .int(Int64(group))]
        let act = fused ?? Self.fusable(activation)
        if let act { attrs.merge(act.attributes) { $1 } }
        let y = try node(.conv, inputs, attrs, name: name)
        return act == nil ? try separate(activation, y, name: name) : y
    }

    mutating func dense(_ x: Int, name: String, out: Int, activation: ActivationKind = .none, bias: Bool = true) throws(PlanError) -> Int {
        let k = builder.shape(of: x).last!
        var inputs = [x, try builder.randomConstant("\(name).weight", shape: [out, k], fanIn: k)]
        if bias { inputs.append(try builder.randomConstant("\(name).bias", shape: [out], fanIn: 1000)) }
        let act = Self.fusable(activation)
        let y = try node(.dense, inputs, act?.attributes ?? [:], name: name)
        return act == nil ? try separate(activation, y, name: name) : y
    }

    mutating func layerNorm(_ x: Int, name: String) throws(PlanError) -> Int {
        let shape = builder.shape(of: x)
        let d = shape.last!
        let scale = try builder.constant("\(name).weight", shape: [d], values: Array(repeating: 1, count: d))
        let shift = try builder.constant("\(name).bias", shape: [d], values: Array(repeating: 0, count: d))
        return try node(.layerNorm, [x, scale, shift], ["axis": .int(Int64(shape.count - 1)), "epsilon": .float(1e-6)], name: name)
    }

    /// The activations a conv, dense or matMul epilogue can apply; nil for the others (GELU).
    static func fusable(_ a: ActivationKind) -> Activation? {
        switch a {
        case .none: .identity
        case .relu: .relu
        case .relu6: .relu6
        case .hswish: .hardSwish
        case .gelu: nil
        }
    }

    private mutating func separate(_ a: ActivationKind, _ x: Int, name: String) throws(PlanError) -> Int {
        switch a {
        case .gelu: try node(.gelu, [x], name: "\(name).gelu")
        default: x
        }
    }

    /// OFA's h-sigmoid, relu6(x + 3) / 6.
    static let hardSigmoid = Activation(kind: .hardSigmoid, alpha: 1.0 / 6.0, beta: 0.5)
}
