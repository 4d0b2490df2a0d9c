import ModelPlan

extension GraphEmitter {
    /// Inverted residual: 1x1 expand + act (skipped at expand ratio 1), depthwise k x k + act,
    /// optional squeeze-excite (GAP, 1x1 reduce + ReLU, 1x1 expand + h-sigmoid, scale),
    /// linear 1x1 project, identity add when stride 1 and widths match.
    mutating func mbconv(_ layer: ResolvedLayer, _ x: Int) throws(PlanError) -> Int {
        let n = layer.name
        var y = x
        if layer.expandRatio != 1 {
            y = try conv(y, name: "\(n).expand", out: layer.middle, kernel: 1, activation: layer.activation)
        }
        y = try conv(y, name: "\(n).dw", out: layer.middle, kernel: layer.kernel, stride: layer.stride, group: layer.middle, activation: layer.activation)
        if layer.seChannels > 0 {
            var s = try node(.globalAveragePool, [y], name: "\(n).se.pool")
            s = try conv(s, name: "\(n).se.reduce", out: layer.seChannels, kernel: 1, activation: .relu)
            s = try conv(s, name: "\(n).se.expand", out: layer.middle, kernel: 1, activation: .none, fused: Self.hardSigmoid)
            y = try node(.mul, [y, s], name: "\(n).se.scale")
        }
        y = try conv(y, name: "\(n).project", out: layer.output[0], kernel: 1, activation: .none)
        return layer.identitySkip ? try node(.add, [x, y], name: "\(n).add") : y
    }

    /// ResNet bottleneck (OFA's ResNet-D flavour): 1x1 reduce + act, k x k with the stride +
    /// act, 1x1 expand; the shortcut is the identity, or average pooling (when strided) and a
    /// 1x1 conv when the shape changes; the activation follows the add.
    mutating func bottleneck(_ layer: ResolvedLayer, _ x: Int) throws(PlanError) -> Int {
        let n = layer.name
        var y = try conv(x, name: "\(n).conv1", out: layer.middle, kernel: 1, activation: layer.activation)
        y = try conv(y, name: "\(n).conv2", out: layer.middle, kernel: layer.kernel, stride: layer.stride, activation: layer.activation)
        y = try conv(y, name: "\(n).conv3", out: layer.output[0], kernel: 1, activation: .none)
        var shortcut = x
        if !layer.identitySkip {
            if layer.stride > 1 {
                // AvgPool2d(stride, stride, ceil_mode=True): odd sizes keep their last partial window.
                let s = Int64(layer.stride)
                shortcut = try node(
                    .averagePool, [shortcut], ["kernel": .ints([s, s]), "strides": .ints([s, s]), "ceil": .int(1)], name: "\(n).downsample.pool")
            }
            shortcut = try conv(shortcut, name: "\(n).downsample.conv", out: layer.output[0], kernel: 1, activation: .none)
        }
        let sum = try node(.add, [y, shortcut], name: "\(n).add")
        switch layer.activation {
        case .none: return sum
        case .relu: return try node(.relu, [sum], name: "\(n).act")
        case .relu6: return try node(.clip, [sum], ["min": .float(0), "max": .float(6)], name: "\(n).act")
        case .hswish: return try node(.hardSwish, [sum], name: "\(n).act")
        case .gelu: return try node(.gelu, [sum], name: "\(n).act")
        }
    }

    /// Pre-LN encoder block: x + proj(attention(LN(x))), then x + fc2(act(fc1(LN(x)))).
    mutating func transformer(_ layer: ResolvedLayer, _ x: Int) throws(PlanError) -> Int {
        let n = layer.name
        let (t, d, h) = (layer.input[0], layer.input[1], layer.heads)
        let dh = d / h
        let normed = try layerNorm(x, name: "\(n).ln1")
        let qkv = try dense(normed, name: "\(n).qkv", out: 3 * d)
        let parts = try builder.node(
            .split, [qkv], Attributes(["axis": .int(2), "splits": .ints([Int64(d), Int64(d), Int64(d)])]), outputs: 3, name: "\(n).split")
        func heads(_ v: Int, _ label: String, perm: [Int64]) throws(PlanError) -> Int {
            let r = try node(.reshape, [v], ["shape": .ints([1, Int64(t), Int64(h), Int64(dh)])], name: "\(n).\(label).reshape")
            return try node(.transpose, [r], ["perm": .ints(perm)], name: "\(n).\(label).transpose")
        }
        let q = try heads(parts[0], "q", perm: [0, 2, 1, 3])  // [1, H, T, dh]
        let kT = try heads(parts[1], "k", perm: [0, 2, 3, 1])  // [1, H, dh, T]
        let v = try heads(parts[2], "v", perm: [0, 2, 1, 3])
        var scores = try node(.matMul, [q, kT], name: "\(n).scores")
        let scale = try builder.constant("\(n).scale.value", shape: [1], values: [1 / Float(dh).squareRoot()])
        scores = try node(.mul, [scores, scale], name: "\(n).scale")
        let weights = try node(.softmax, [scores], ["axis": .int(3)], name: "\(n).softmax")
        var context = try node(.matMul, [weights, v], name: "\(n).context")  // [1, H, T, dh]
        context = try node(.transpose, [context], ["perm": .ints([0, 2, 1, 3])], name: "\(n).merge.transpose")
        context = try node(.reshape, [context], ["shape": .ints([1, Int64(t), Int64(d)])], name: "\(n).merge.reshape")
        let attended = try dense(context, name: "\(n).proj", out: d)
        let x1 = try node(.add, [x, attended], name: "\(n).add1")

        let normed2 = try layerNorm(x1, name: "\(n).ln2")
        let hidden = try dense(normed2, name: "\(n).fc1", out: layer.middle, activation: layer.activation)
        let mlp = try dense(hidden, name: "\(n).fc2", out: d)
        return try node(.add, [x1, mlp], name: "\(n).add2")
    }

    /// Conv with kernel = stride = patch, [1, D, H/p, W/p] -> [1, T, D], class token in front,
    /// learned position embedding added.
    mutating func patchEmbed(_ layer: ResolvedLayer, _ x: Int) throws(PlanError) -> Int {
        let n = layer.name
        let (tokens, d, p) = (layer.output[0], layer.output[1], Int64(layer.kernel))
        let c = builder.shape(of: x)[1]
        var inputs = [x, try builder.randomConstant("\(n).conv.weight", shape: [d, c, layer.kernel, layer.kernel], fanIn: c * layer.kernel * layer.kernel)]
        if layer.bias { inputs.append(try builder.randomConstant("\(n).conv.bias", shape: [d], fanIn: 1000)) }
        var y = try node(.conv, inputs, ["strides": .ints([p, p])], name: "\(n).conv")
        y = try node(.reshape, [y], ["shape": .ints([1, Int64(d), Int64(tokens - 1)])], name: "\(n).flatten")
        y = try node(.transpose, [y], ["perm": .ints([0, 2, 1])], name: "\(n).transpose")
        let classToken = try builder.randomConstant("\(n).class_token", shape: [1, 1, d], fanIn: d)
        y = try node(.concat, [classToken, y], ["axis": .int(1)], name: "\(n).concat")
        let position = try builder.randomConstant("\(n).position_embedding", shape: [1, tokens, d], fanIn: d)
        return try node(.add, [y, position], name: "\(n).add")
    }
}
