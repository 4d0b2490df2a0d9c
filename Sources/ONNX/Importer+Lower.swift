import ModelPlan

/// Lowering of ONNX nodes that depend on a model input to plan ops.
extension Importer {
    mutating func lower(_ n: ONNXNode) throws(ImportError) {
        // Every op lowered here writes its first output; a node without one is malformed.
        guard !n.outputs.isEmpty else { throw fail(n, "has no outputs") }
        var entries: [Entry?] = []
        for i in n.inputs.indices { entries.append(try input(n, i)) }
        switch n.opType {
        case "Constant":
            env[n.outputs[0]] = .constant(try constantNode(n))
            return
        case "Shape":
            var dims = shape(try required(n, 0)).map { Int64($0) }
            if opset >= 15 {
                let r = Int64(dims.count)
                func clamp(_ v: Int64) -> Int { Int(min(max(v < 0 ? v + r : v, 0), r)) }
                let s = clamp(try int(n, "start", 0)), e = clamp(try int(n, "end", r))
                dims = s < e ? Array(dims[s..<e]) : []
            }
            env[n.outputs[0]] = .constant(ConstTensor(ints: dims, shape: [dims.count]))
            return
        case "Size":
            env[n.outputs[0]] = .constant(ConstTensor(ints: [Int64(shape(try required(n, 0)).elementCount)], shape: []))
            return
        default:
            break
        }
        let constants: [ConstTensor?] = entries.map {
            if case .constant(let c)? = $0 { return c }
            return nil
        }
        let allConstant = entries.allSatisfy {
            if case .value? = $0 { return false }
            return true
        }
        if allConstant && Importer.foldableOps.contains(n.opType) {
            for (name, t) in zip(n.outputs, try fold(n, constants)) where !name.isEmpty { env[name] = .constant(t) }
            return
        }
        try lowerRuntime(n, constants)
    }

    private mutating func lowerRuntime(_ n: ONNXNode, _ constants: [ConstTensor?]) throws(ImportError) {
        let x = try required(n, 0)
        let xs = shape(x)
        switch n.opType {
        case "Identity", "Dropout":
            alias(n, x)
        case "Cast":
            alias(n, x)
        case "Relu": try activation(n, x, .relu, op: .relu)
        case "Sigmoid": try activation(n, x, Activation(kind: .sigmoid), op: .sigmoid)
        case "HardSwish": try activation(n, x, .hardSwish, op: .hardSwish)
        case "LeakyRelu":
            let alpha = try float(n, "alpha", 0.01)
            try activation(n, x, Activation(kind: .leakyRelu, alpha: alpha), op: .leakyRelu, ["alpha": .float(alpha)])
        case "HardSigmoid":
            let alpha = try float(n, "alpha", 0.2), beta = try float(n, "beta", 0.5)
            try activation(n, x, Activation(kind: .hardSigmoid, alpha: alpha, beta: beta), op: .hardSigmoid, ["alpha": .float(alpha), "beta": .float(beta)])
        case "Clip":
            let (lo, hi) = try clipBounds(n, try constant(n, 1, "min"), try constant(n, 2, "max"))
            var attrs: [String: Attributes.Value] = [:]
            if lo > -.infinity { attrs["min"] = .float(lo) }
            if hi < .infinity { attrs["max"] = .float(hi) }
            try activation(n, x, Activation(kind: .clip, min: lo, max: hi), op: .clip, attrs)
        case "Tanh": try emit(.tanh, [operand(x, name: n.inputs[0])], Attributes(), for: n)
        case "Erf": try emit(.erf, [operand(x, name: n.inputs[0])], Attributes(), for: n)
        case "Sqrt": try emit(.sqrt, [operand(x, name: n.inputs[0])], Attributes(), for: n)
        case "Gelu":
            let tanh = try string(n, "approximate", "none") == "tanh"
            try emit(.gelu, [operand(x, name: n.inputs[0])], Attributes(["approximate": .int(tanh ? 1 : 0)]), for: n)
        case "Add", "Sub", "Mul", "Div", "Pow": try binary(n)
        case "GlobalAveragePool": try emit(.globalAveragePool, [operand(x, name: n.inputs[0])], Attributes(), for: n)
        case "MaxPool", "AveragePool": try pool(n, x)
        case "Conv": try conv(n, x)
        case "ConvTranspose": try convTranspose(n, x)
        case "BatchNormalization": try batchNorm(n, x)
        case "Resize": try resize(n, x)
        case "Concat":
            let a = try axis(n, try int(n, "axis", 0), rank: xs.count)
            var ops: [LoweredGraph.Operand] = []
            for i in n.inputs.indices where !n.inputs[i].isEmpty { ops.append(try operand(n, i)) }
            try emit(.concat, ops, Attributes(["axis": .int(Int64(a))]), for: n)
        case "Split":
            let a = try axis(n, try int(n, "axis", 0), rank: xs.count)
            let sizes = try splitSizes(n, input: xs, axis: a)
            let names = n.outputs.enumerated().map { $1.isEmpty ? "\(n.name):\($0)" : $1 }
            try emit(
                .split, [operand(x, name: n.inputs[0])], Attributes(["axis": .int(Int64(a)), "splits": .ints(sizes.map { Int64($0) })]), for: n, outputs: names)
        case "Slice":
            let p = try sliceParameters(n, input: xs)
            if p.sizes == xs && p.steps.allSatisfy({ $0 == 1 }) {
                alias(n, x)
            } else {
                let attrs = Attributes([
                    "starts": .ints(p.starts.map { Int64($0) }), "steps": .ints(p.steps.map { Int64($0) }), "sizes": .ints(p.sizes.map { Int64($0) }),
                ])
                try emit(.slice, [operand(x, name: n.inputs[0])], attrs, for: n)
            }
        case "Reshape":
            guard let spec = opset < 5 ? try ints(n, "shape") : try constant(n, 1, "shape")?.ints else { throw fail(n, "shape is missing") }
            try reshape(n, x, to: try reshapeTarget(n, input: xs, spec: spec))
        case "Flatten": try reshape(n, x, to: try flattenTarget(n, input: xs))
        case "Squeeze": try reshape(n, x, to: try squeezeTarget(n, input: xs))
        case "Unsqueeze": try reshape(n, x, to: try unsqueezeTarget(n, input: xs))
        case "Transpose":
            let perm = try transposePerm(n, rank: xs.count)
            if perm == Array(0..<xs.count) {
                alias(n, x)
            } else {
                try emit(.transpose, [operand(x, name: n.inputs[0])], Attributes(["perm": .ints(perm.map { Int64($0) })]), for: n)
            }
        case "Gather":
            guard let idx = constants.count > 1 ? constants[1] : nil else { throw fail(n, "indices must be constants") }
            let p = try gatherParameters(n, input: xs, indices: idx)
            let attrs = Attributes([
                "axis": .int(Int64(p.axis)), "indices": .ints(p.indices.map { Int64($0) }), "indicesShape": .ints(idx.shape.map { Int64($0) }),
            ])
            try emit(.gather, [operand(x, name: n.inputs[0])], attrs, for: n)
        case "Expand":
            guard let spec = try constant(n, 1, "shape") else { throw fail(n, "shape is missing") }
            let target = try expandTarget(n, input: xs, spec: spec.ints)
            if target == xs {
                alias(n, x)
            } else {
                try emit(.expand, [operand(x, name: n.inputs[0])], Attributes(["shape": .ints(target.map { Int64($0) })]), for: n)
            }
        case "MatMul": try matMul(n)
        case "Gemm": try gemm(n)
        case "Softmax": try softmax(n, x)
        case "ReduceMean":
            guard let axes = try reduceAxes(n, rank: xs.count) else {
                alias(n, x)
                return
            }
            let attrs = Attributes(["axes": .ints(axes.map { Int64($0) }), "keepdims": .int(try int(n, "keepdims", 1) == 0 ? 0 : 1)])
            try emit(.reduceMean, [operand(x, name: n.inputs[0])], attrs, for: n)
        case "LayerNormalization": try layerNorm(n, x)
        case "Pad": try pad(n, x)
        default:
            throw fail(n, "is not supported")
        }
    }

    // MARK: - Elementwise

    /// An activation: fused into the op producing its input when that op runs nothing else
    /// after it and nothing else reads the input; a node of its own otherwise.
    private mutating func activation(_ n: ONNXNode, _ x: Entry, _ act: Activation, op: OpCode, _ attrs: [String: Attributes.Value] = [:]) throws(ImportError) {
        if case .value(let v) = x, absorbable(n.inputs[0]), let p = lowered.producer[v], lowered.nodes[p].op.acceptsActivation,
            lowered.nodes[p].attributes["activation"] == nil
        {
            lowered.nodes[p].attributes.values.merge(act.attributes) { $1 }
            lowered.values[v].name = n.outputs[0]
            env[n.outputs[0]] = .value(v)
            return
        }
        try emit(op, [operand(x, name: n.inputs[0])], Attributes(attrs), for: n)
    }

    private mutating func binary(_ n: ONNXNode) throws(ImportError) {
        let a = try required(n, 0)
        var b = try required(n, 1)
        let op: OpCode = ["Add": .add, "Sub": .sub, "Mul": .mul, "Div": .div, "Pow": .pow][n.opType]!
        // Before opset 7, `broadcast` = 1 aligned B with A starting at `axis`, not at the end.
        if opset < 7, try int(n, "broadcast", 0) == 1 {
            let ar = shape(a).count, bs = shape(b)
            let start = try n.attributes["axis"] == nil ? ar - bs.count : axis(n, try int(n, "axis", 0), rank: ar)
            let aligned = bs + [Int](repeating: 1, count: max(0, ar - start - bs.count))
            if aligned != bs {
                switch b {
                case .constant(let c): b = .constant(c.reshaped(aligned))
                case .value:
                    b = .value(try plainValue(.reshape, [operand(b, name: n.inputs[1])], ["shape": .ints(aligned.map { Int64($0) })], n, suffix: "legacy"))
                }
            }
        }
        // x ** 2 is x * x: exact, and far cheaper than powf.
        if op == .pow, case .constant(let e) = b, e.count == 1, e.floats[0] == 2 {
            let o = operand(a, name: n.inputs[0])
            try emit(.mul, [o, o], Attributes(), for: n)
            return
        }
        // A constant added to a dense layer's output becomes the layer's bias.
        if op == .add, let (value, constant, valueName) = valueAndConstant(a, b, n), absorbable(valueName),
            let p = lowered.producer[value], lowered.nodes[p].op == .dense, lowered.nodes[p].inputs.count == 2,
            lowered.nodes[p].attributes["activation"] == nil
        {
            let m = lowered.values[value].shape.last ?? 0
            if constant.shape.elementCount == m, constant.shape.last == m,
                ShapeInference.broadcast(lowered.values[value].shape, constant.shape) == lowered.values[value].shape
            {
                let bias = lowered.addConstant("\(n.name).bias", ConstTensor(floats: constant.floats, shape: [m]))
                lowered.nodes[p].inputs.append(bias)
                lowered.values[value].name = n.outputs[0]
                env[n.outputs[0]] = .value(value)
                return
            }
        }
        try emit(op, [operand(a, name: n.inputs[0]), operand(b, name: n.inputs[1])], Attributes(), for: n)
    }

    private func valueAndConstant(_ a: Entry, _ b: Entry, _ n: ONNXNode) -> (Int, ConstTensor, String)? {
        switch (a, b) {
        case (.value(let v), .constant(let c)): (v, c, n.inputs[0])
        case (.constant(let c), .value(let v)): (v, c, n.inputs[1])
        default: nil
        }
    }

    private mutating func reshape(_ n: ONNXNode, _ x: Entry, to target: [Int]) throws(ImportError) {
        if target == shape(x) {
            alias(n, x)
            return
        }
        try emit(.reshape, [operand(x, name: n.inputs[0])], Attributes(["shape": .ints(target.map { Int64($0) })]), for: n)
    }

    // MARK: - Windows

    /// Explicit pads (top, left, bottom, right) from `pads` or `auto_pad`.
    private func windowPads(_ n: ONNXNode, input: [Int], kernel: [Int], strides: [Int], dilations: [Int]) throws(ImportError) -> [Int] {
        let mode = try string(n, "auto_pad", "NOTSET")
        switch mode {
        case "NOTSET":
            guard let p = try ints(n, "pads") else { return [0, 0, 0, 0] }
            guard p.count == 4 else { throw fail(n, "pads must have 4 entries for a 2-D window") }
            return p.map { Int($0) }
        case "VALID":
            return [0, 0, 0, 0]
        case "SAME_UPPER", "SAME_LOWER":
            var begin = [0, 0], end = [0, 0]
            for i in 0..<2 {
                let out = (input[2 + i] + strides[i] - 1) / strides[i]
                let total = max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - input[2 + i])
                let small = total / 2
                (begin[i], end[i]) = mode == "SAME_UPPER" ? (small, total - small) : (total - small, small)
            }
            return [begin[0], begin[1], end[0], end[1]]
        default:
            throw fail(n, "auto_pad \(mode) is not supported")
        }
    }

    private func pair(_ n: ONNXNode, _ key: String) throws(ImportError) -> [Int] {
        guard let v = try ints(n, key) else { return [1, 1] }
        guard v.count == 2 else { throw fail(n, "\(key) must have 2 entries (only 2-D windows are supported)") }
        return v.map { Int($0) }
    }

    private mutating func pool(_ n: ONNXNode, _ x: Entry) throws(ImportError) {
        let xs = shape(x)
        guard xs.count == 4, let k = try ints(n, "kernel_shape"), k.count == 2 else { throw fail(n, "only 2-D pooling over NCHW input is supported") }
        let kernel = k.map { Int($0) }, strides = try pair(n, "strides")
        let dilations = n.opType == "MaxPool" ? try pair(n, "dilations") : [1, 1]
        let pads = try windowPads(n, input: xs, kernel: kernel, strides: strides, dilations: dilations)
        var a = Attributes([
            "kernel": .ints(kernel.map { Int64($0) }), "strides": .ints(strides.map { Int64($0) }), "pads": .ints(pads.map { Int64($0) }),
            "ceil": .int(try int(n, "ceil_mode", 0) == 0 ? 0 : 1),
        ])
        if n.opType == "MaxPool" {
            a["dilations"] = .ints(dilations.map { Int64($0) })
            try emit(.maxPool, [operand(x, name: n.inputs[0])], a, for: n)
        } else {
            a["countIncludePad"] = .int(try int(n, "count_include_pad", 0) == 0 ? 0 : 1)
            try emit(.averagePool, [operand(x, name: n.inputs[0])], a, for: n)
        }
    }

    private mutating func conv(_ n: ONNXNode, _ x: Entry) throws(ImportError) {
        let xs = shape(x)
        guard let w = try constant(n, 1, "weight") else { throw fail(n, "weight is missing") }
        guard xs.count == 4, w.shape.count == 4 else { throw fail(n, "only 2-D convolutions are supported (input rank \(xs.count))") }
        let strides = try pair(n, "strides"), dilations = try pair(n, "dilations")
        let pads = try windowPads(n, input: xs, kernel: [w.shape[2], w.shape[3]], strides: strides, dilations: dilations)
        var inputs = [operand(x, name: n.inputs[0]), lowered.addConstant(n.inputs[1], ConstTensor(floats: w.floats, shape: w.shape))]
        if let b = try constant(n, 2, "bias") { inputs.append(lowered.addConstant(n.inputs[2], ConstTensor(floats: b.floats, shape: b.shape))) }
        let a = Attributes([
            "strides": .ints(strides.map { Int64($0) }), "pads": .ints(pads.map { Int64($0) }), "dilations": .ints(dilations.map { Int64($0) }),
            "group": .int(try int(n, "group", 1)),
        ])
        try emit(.conv, inputs, a, for: n)
    }

    private mutating func convTranspose(_ n: ONNXNode, _ x: Entry) throws(ImportError) {
        let xs = shape(x)
        guard let w = try constant(n, 1, "weight") else { throw fail(n, "weight is missing") }
        guard xs.count == 4, w.shape.count == 4 else { throw fail(n, "only 2-D transposed convolutions are supported") }
        let strides = try pair(n, "strides"), dilations = try pair(n, "dilations")
        var outPad = [0, 0]
        if let p = try ints(n, "output_padding") {
            guard p.count == 2 else { throw fail(n, "output_padding must have 2 entries") }
            outPad = p.map { Int($0) }
        }
        var pads = [0, 0, 0, 0]
        let kernel = [w.shape[2], w.shape[3]]
        let autoPad = try string(n, "auto_pad", "NOTSET")
        if let target = try ints(n, "output_shape") {
            let spatial = target.suffix(2).map { Int($0) }
            guard spatial.count == 2 else { throw fail(n, "output_shape must give the 2 spatial sizes") }
            for i in 0..<2 {
                let total = strides[i] * (xs[2 + i] - 1) + outPad[i] + (kernel[i] - 1) * dilations[i] + 1 - spatial[i]
                // A larger requested output keeps zero padding and grows the output padding.
                if total < 0 { outPad[i] -= total }
                let t = max(total, 0), small = t / 2
                (pads[i], pads[i + 2]) = autoPad == "SAME_UPPER" ? (small, t - small) : (t - small, small)
            }
        } else if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
            for i in 0..<2 {
                let total = max(0, strides[i] * (xs[2 + i] - 1) + outPad[i] + (kernel[i] - 1) * dilations[i] + 1 - xs[2 + i] * strides[i])
                let small = total / 2
                (pads[i], pads[i + 2]) = autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small)
            }
        } else if autoPad == "NOTSET", let p = try ints(n, "pads") {
            guard p.count == 4 else { throw fail(n, "pads must have 4 entries") }
            pads = p.map { Int($0) }
        }
        var inputs = [operand(x, name: n.inputs[0]), lowered.addConstant(n.inputs[1], ConstTensor(floats: w.floats, shape: w.shape))]
        if let b = try constant(n, 2, "bias") { inputs.append(lowered.addConstant(n.inputs[2], ConstTensor(floats: b.floats, shape: b.shape))) }
        let a = Attributes([
            "strides": .ints(strides.map { Int64($0) }), "pads": .ints(pads.map { Int64($0) }), "dilations": .ints(dilations.map { Int64($0) }),
            "group": .int(try int(n, "group", 1)), "outputPadding": .ints(outPad.map { Int64($0) }),
        ])
        try emit(.convTranspose, inputs, a, for: n)
    }

    /// Inference BatchNormalization: folded into the convolution before it when that
    /// convolution feeds nothing else; otherwise a per-channel scale and shift.
    private mutating func batchNorm(_ n: ONNXNode, _ x: Entry) throws(ImportError) {
        guard let gamma = try constant(n, 1, "scale"), let beta = try constant(n, 2, "bias"), let mean = try constant(n, 3, "mean"),
            let variance = try constant(n, 4, "variance")
        else { throw fail(n, "needs scale, bias, mean and variance") }
        let xs = shape(x)
        guard xs.count >= 2 else { throw fail(n, "input must have a channel axis") }
        let c = xs[1]
        guard [gamma, beta, mean, variance].allSatisfy({ $0.count == c }) else { throw fail(n, "parameters must have \(c) elements") }
        let eps = Double(try float(n, "epsilon", 1e-5))
        let (g, b, m, v) = (gamma.floats, beta.floats, mean.floats, variance.floats)
        let scale = (0..<c).map { Double(g[$0]) / (Double(v[$0]) + eps).squareRoot() }
        let shift = (0..<c).map { Double(b[$0]) - Double(m[$0]) * scale[$0] }

        if case .value(let out) = x, absorbable(n.inputs[0]), let p = lowered.producer[out], lowered.nodes[p].op == .conv,
            lowered.nodes[p].attributes["activation"] == nil, case .constant(let wi) = lowered.nodes[p].inputs[1]
        {
            let w = lowered.constants[wi].tensor
            let perFilter = w.count / c
            var weights = w.floats
            for o in 0..<c { for k in 0..<perFilter { weights[o * perFilter + k] = Float(Double(weights[o * perFilter + k]) * scale[o]) } }
            var bias = [Double](repeating: 0, count: c)
            if lowered.nodes[p].inputs.count == 3, case .constant(let bi) = lowered.nodes[p].inputs[2] {
                bias = lowered.constants[bi].tensor.floats.map(Double.init)
            }
            let folded = (0..<c).map { Float(bias[$0] * scale[$0] + shift[$0]) }
            let name = lowered.nodes[p].name
            lowered.nodes[p].inputs[1] = lowered.addConstant("\(name).weight", ConstTensor(floats: weights, shape: w.shape))
            let newBias = lowered.addConstant("\(name).bias", ConstTensor(floats: folded, shape: [c]))
            if lowered.nodes[p].inputs.count == 3 { lowered.nodes[p].inputs[2] = newBias } else { lowered.nodes[p].inputs.append(newBias) }
            lowered.values[out].name = n.outputs[0]
            env[n.outputs[0]] = .value(out)
            return
        }
        let inputs = [
            operand(x, name: n.inputs[0]), lowered.addConstant("\(n.name).scale", ConstTensor(floats: scale.map { Float($0) }, shape: [c])),
            lowered.addConstant("\(n.name).shift", ConstTensor(floats: shift.map { Float($0) }, shape: [c])),
        ]
        try emit(.batchNorm, inputs, Attributes(), for: n)
    }

    // MARK: - Resize

    /// An output extent computed from scales or an ROI, refused when it is not a usable size
    /// (a huge scale or a NaN ROI trapped `Int(_:)`; found by the onnx fuzz target).
    func resizedExtent(_ n: ONNXNode, _ value: Double) throws(ImportError) -> Int {
        guard value.isFinite, value >= 0, value <= Double(ShapeInference.maxElements) else {
            throw fail(n, "an output extent of \(value) is out of range")
        }
        return Int(value)
    }

    private mutating func resize(_ n: ONNXNode, _ x: Entry) throws(ImportError) {
        let xs = shape(x)
        guard xs.count == 4 else { throw fail(n, "only 4-D (NCHW) inputs can be resized") }
        var roi: [Float]?
        var scales: [Float]?
        var sizes: [Int]?
        if opset < 11 {
            scales = try constant(n, 1, "scales")?.floats
        } else {
            roi = try constant(n, 1, "roi")?.floats
            scales = try constant(n, 2, "scales")?.floats
            sizes = try constant(n, 3, "sizes")?.ints.map { Int($0) }
        }
        if scales?.isEmpty == true { scales = nil }
        if roi?.isEmpty == true { roi = nil }
        if sizes?.isEmpty == true { sizes = nil }
        // Opset 18: scales, sizes and roi may name only some axes.
        if let axes = try ints(n, "axes") {
            var full: [Int] = []
            for a in axes { full.append(try axis(n, a, rank: 4)) }
            if let s = scales {
                guard s.count == full.count else { throw fail(n, "scales do not match axes") }
                var all: [Float] = [1, 1, 1, 1]
                for (a, v) in zip(full, s) { all[a] = v }
                scales = all
            }
            if let s = sizes {
                guard s.count == full.count else { throw fail(n, "sizes do not match axes") }
                var all = xs
                for (a, v) in zip(full, s) { all[a] = v }
                sizes = all
            }
            if let r = roi {
                guard r.count == 2 * full.count else { throw fail(n, "roi does not match axes") }
                var all: [Float] = [0, 0, 0, 0, 1, 1, 1, 1]
                for (i, a) in full.enumerated() {
                    all[a] = r[i]
                    all[a + 4] = r[i + full.count]
                }
                roi = all
            }
        }
        let mode = try string(n, "mode", "nearest")
        guard mode == "nearest" || mode == "linear" || (opset < 11 && mode == "bilinear") else { throw fail(n, "mode \(mode) is not supported") }
        let coordinateName = opset < 11 ? "asymmetric" : try string(n, "coordinate_transformation_mode", "half_pixel")
        guard let coordinate = ResizeCoordinateMode.onnxNames[coordinateName] else {
            throw fail(n, "coordinate_transformation_mode \(coordinateName) is not supported")
        }
        let nearestName = opset < 11 ? "floor" : try string(n, "nearest_mode", "round_prefer_floor")
        guard let nearest = ResizeNearestMode.onnxNames[nearestName] else { throw fail(n, "nearest_mode \(nearestName) is not supported") }
        if coordinate == .tfCropAndResize {
            guard let r = roi, r.count == 8 else { throw fail(n, "tf_crop_and_resize needs an roi of 8 values") }
        }

        var out: [Int]
        var effectiveScales: [Float]
        if let s = sizes {
            guard s.count == 4 else { throw fail(n, "sizes must have 4 entries") }
            let policy = opset >= 18 ? try string(n, "keep_aspect_ratio_policy", "stretch") : "stretch"
            switch policy {
            case "stretch":
                out = s
                effectiveScales = (0..<4).map { Float(s[$0]) / Float(xs[$0]) }
            case "not_larger", "not_smaller":
                let resized = (0..<4).filter { s[$0] != xs[$0] }
                let ratios = resized.map { Float(s[$0]) / Float(xs[$0]) }
                let scale = (policy == "not_larger" ? ratios.min() : ratios.max()) ?? 1
                effectiveScales = (0..<4).map { resized.contains($0) ? scale : 1 }
                out = []
                for i in 0..<4 { out.append(resized.contains(i) ? try resizedExtent(n, Double((scale * Float(xs[i])).rounded())) : xs[i]) }
            default:
                throw fail(n, "keep_aspect_ratio_policy \(policy) is not supported")
            }
        } else if let s = scales {
            guard s.count == 4, s.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw fail(n, "scales must be 4 positive numbers") }
            effectiveScales = s
            out = []
            for i in 0..<4 {
                let extent = coordinate == .tfCropAndResize ? Double(roi![i + 4] - roi![i]) : 1
                out.append(try resizedExtent(n, (Double(xs[i]) * extent * Double(s[i])).rounded(.down)))
            }
        } else {
            throw fail(n, "needs scales or sizes")
        }
        guard out[0] == xs[0], out[1] == xs[1] else { throw fail(n, "only the spatial axes (H, W) may be resized") }
        guard out.allSatisfy({ $0 >= 1 }) else { throw fail(n, "output would be empty") }
        var a = Attributes([
            "sizes": .ints(out.map { Int64($0) }), "scales": .floats(effectiveScales), "mode": .int(mode == "nearest" ? 0 : 1),
            "coordinateMode": .int(coordinate.rawValue), "nearestMode": .int(nearest.rawValue),
            "extrapolation": .float(try float(n, "extrapolation_value", 0)),
        ])
        if coordinate == .tfCropAndResize { a["roi"] = .floats(roi!) }
        try emit(.resize, [operand(x, name: n.inputs[0])], a, for: n)
    }

    // MARK: - Matrix products

    private mutating func matMul(_ n: ONNXNode) throws(ImportError) {
        let a = try required(n, 0), b = try required(n, 1)
        var aOp = operand(a, name: n.inputs[0]), bOp: LoweredGraph.Operand
        var aShape = shape(a), bShape = shape(b)
        var finalShape: [Int]?
        // NumPy promotes 1-D operands to matrices and drops the added axis afterwards.
        if aShape.count == 1 || bShape.count == 1 {
            let batch = ShapeInference.broadcast(Array(aShape.dropLast(2)), Array(bShape.dropLast(2))) ?? []
            finalShape = batch + (aShape.count > 1 ? [aShape[aShape.count - 2]] : []) + (bShape.count > 1 ? [bShape[bShape.count - 1]] : [])
        }
        if aShape.count == 1 {
            aShape = [1, aShape[0]]
            aOp = try plainEmit(.reshape, [aOp], ["shape": .ints(aShape.map { Int64($0) })], n, suffix: "a2d")
        }
        if case .constant(let w) = b, w.shape.count <= 2, case .value = a {
            // X · B with constant B: a dense layer with pre-transposed weights W = Bᵀ.
            let (k, m) = w.shape.count == 2 ? (w.shape[0], w.shape[1]) : (w.shape[0], 1)
            let (map, _) = Layout.transposeMap([k, m], perm: [1, 0])
            let weight = lowered.addConstant("\(n.inputs[1]).T", ConstTensor(floats: w.gathering(map, shape: [m, k]).floats, shape: [m, k]))
            if let finalShape {
                let y = try plainEmit(.dense, [aOp, weight], [:], n, suffix: "dense")
                try emit(.reshape, [y], Attributes(["shape": .ints(finalShape.map { Int64($0) })]), for: n)
            } else {
                try emit(.dense, [aOp, weight], Attributes(), for: n)
            }
            return
        }
        bOp = operand(b, name: n.inputs[1])
        if bShape.count == 1 {
            bShape = [bShape[0], 1]
            bOp = try plainEmit(.reshape, [bOp], ["shape": .ints(bShape.map { Int64($0) })], n, suffix: "b2d")
        }
        if let finalShape {
            let y = try plainEmit(.matMul, [aOp, bOp], [:], n, suffix: "matmul")
            try emit(.reshape, [y], Attributes(["shape": .ints(finalShape.map { Int64($0) })]), for: n)
        } else {
            try emit(.matMul, [aOp, bOp], Attributes(), for: n)
        }
    }

    /// A helper node inside the lowering of `n`, with an internal output name; returns that
    /// output's value.
    private mutating func plainValue(
        _ op: OpCode, _ inputs: [LoweredGraph.Operand], _ attrs: [String: Attributes.Value], _ n: ONNXNode, suffix: String
    ) throws(ImportError) -> Int {
        let name = "\(n.name.isEmpty ? n.opType : n.name)/\(suffix)"
        do {
            return try lowered.add(op, inputs, Attributes(attrs), name: name, outputs: [name])[0]
        } catch {
            throw fail(n, error.description)
        }
    }

    /// `plainValue` as an operand.
    private mutating func plainEmit(
        _ op: OpCode, _ inputs: [LoweredGraph.Operand], _ attrs: [String: Attributes.Value], _ n: ONNXNode, suffix: String
    ) throws(ImportError) -> LoweredGraph.Operand {
        .value(try plainValue(op, inputs, attrs, n, suffix: suffix))
    }

    private mutating func gemm(_ n: ONNXNode) throws(ImportError) {
        let a = try required(n, 0), b = try required(n, 1)
        guard shape(a).count == 2, shape(b).count == 2 else { throw fail(n, "A and B must be matrices") }
        let transA = try int(n, "transA", 0) != 0, transB = try int(n, "transB", 0) != 0
        let alpha = try float(n, "alpha", 1), beta = try float(n, "beta", 1)
        var aOp = operand(a, name: n.inputs[0])
        if transA { aOp = try plainEmit(.transpose, [aOp], ["perm": .ints([1, 0])], n, suffix: "aT") }
        let c = try input(n, 2)
        let mDim = transB ? shape(b)[0] : shape(b)[1]
        if case .constant(let w) = b {
            var weight = w
            if !transB {
                let (map, s) = Layout.transposeMap(w.shape, perm: [1, 0])
                weight = w.gathering(map, shape: s)
            }
            if alpha != 1 { weight = ConstTensor(floats: weight.floats.map { $0 * alpha }, shape: weight.shape) }
            var inputs = [aOp, lowered.addConstant("\(n.inputs[1])\(transB ? "" : ".T")", ConstTensor(floats: weight.floats, shape: weight.shape))]
            var rest: Entry?
            if let c {
                if case .constant(let ct) = c, ct.count == mDim || ct.count == 1, ct.shape.count <= 2, ct.shape.last ?? 1 == ct.count {
                    let values = ct.count == 1 ? [Float](repeating: ct.floats[0], count: mDim) : ct.floats
                    inputs.append(lowered.addConstant("\(n.name).bias", ConstTensor(floats: values.map { $0 * beta }, shape: [mDim])))
                } else {
                    rest = c
                }
            }
            guard let rest else {
                try emit(.dense, inputs, Attributes(), for: n)
                return
            }
            let y = try plainEmit(.dense, inputs, [:], n, suffix: "dense")
            try addScaled(n, y, rest, beta: beta)
            return
        }
        var bOp = operand(b, name: n.inputs[1])
        if transB { bOp = try plainEmit(.transpose, [bOp], ["perm": .ints([1, 0])], n, suffix: "bT") }
        guard c != nil || alpha != 1 else {
            try emit(.matMul, [aOp, bOp], Attributes(), for: n)
            return
        }
        var y = try plainEmit(.matMul, [aOp, bOp], [:], n, suffix: "matmul")
        if alpha != 1 {
            let k = lowered.addConstant("\(n.name).alpha", ConstTensor(floats: [alpha], shape: [1]))
            if let c {
                y = try plainEmit(.mul, [y, k], [:], n, suffix: "alpha")
                try addScaled(n, y, c, beta: beta)
            } else {
                try emit(.mul, [y, k], Attributes(), for: n)
            }
            return
        }
        try addScaled(n, y, c!, beta: beta)
    }

    /// y + beta·C as the output of Gemm node `n`.
    private mutating func addScaled(_ n: ONNXNode, _ y: LoweredGraph.Operand, _ c: Entry, beta: Float) throws(ImportError) {
        var cOp: LoweredGraph.Operand
        switch c {
        case .constant(let ct): cOp = lowered.addConstant("\(n.name).C", ConstTensor(floats: ct.floats.map { $0 * beta }, shape: ct.shape))
        case .value:
            cOp = operand(c, name: n.inputs[2])
            if beta != 1 {
                let k = lowered.addConstant("\(n.name).beta", ConstTensor(floats: [beta], shape: [1]))
                cOp = try plainEmit(.mul, [cOp, k], [:], n, suffix: "beta")
            }
        }
        try emit(.add, [y, cOp], Attributes(), for: n)
    }

    // MARK: - Normalisation and the rest

    private mutating func softmax(_ n: ONNXNode, _ x: Entry) throws(ImportError) {
        let xs = shape(x)
        let a = try axis(n, try int(n, "axis", opset >= 13 ? -1 : 1), rank: xs.count)
        // Before opset 13 Softmax works on the input flattened to 2-D at `axis`.
        if opset >= 13 || a == xs.count - 1 {
            try emit(.softmax, [operand(x, name: n.inputs[0])], Attributes(["axis": .int(Int64(a))]), for: n)
            return
        }
        let flat = [xs[..<a].elementCount, xs[a...].elementCount]
        let r = try plainEmit(.reshape, [operand(x, name: n.inputs[0])], ["shape": .ints(flat.map { Int64($0) })], n, suffix: "2d")
        let s = try plainEmit(.softmax, [r], ["axis": .int(1)], n, suffix: "softmax")
        try emit(.reshape, [s], Attributes(["shape": .ints(xs.map { Int64($0) })]), for: n)
    }

    private mutating func layerNorm(_ n: ONNXNode, _ x: Entry) throws(ImportError) {
        let xs = shape(x)
        let a = try axis(n, try int(n, "axis", -1), rank: xs.count)
        let normalized = Array(xs[a...])
        func expanded(_ t: ConstTensor) throws(ImportError) -> ConstTensor {
            guard ShapeInference.broadcast(t.shape, normalized) == normalized, t.shape.count <= normalized.count else {
                throw fail(n, "scale/bias shape \(t.shape) does not broadcast to \(normalized)")
            }
            return ConstTensor(floats: t.gathering(Layout.broadcastMap(from: t.shape, to: normalized), shape: normalized).floats, shape: normalized)
        }
        guard let scale = try constant(n, 1, "scale") else { throw fail(n, "scale is missing") }
        var inputs = [operand(x, name: n.inputs[0]), lowered.addConstant(n.inputs[1], try expanded(scale))]
        if let b = try constant(n, 2, "bias") { inputs.append(lowered.addConstant(n.inputs[2], try expanded(b))) }
        try emit(.layerNorm, inputs, Attributes(["axis": .int(Int64(a)), "epsilon": .float(try float(n, "epsilon", 1e-5))]), for: n)
    }

    private mutating func pad(_ n: ONNXNode, _ x: Entry) throws(ImportError) {
        let xs = shape(x)
        let r = xs.count
        var pads: [Int64]
        var value: Float
        if opset < 11 {
            guard let p = try ints(n, opset < 2 ? "paddings" : "pads") else { throw fail(n, "pads are missing") }
            pads = p
            value = try float(n, "value", 0)
        } else {
            guard let p = try constant(n, 1, "pads") else { throw fail(n, "pads are missing") }
            pads = p.ints
            value = try constant(n, 2, "constant_value")?.floats.first ?? 0
            if let axesT = try constant(n, 3, "axes") {
                guard pads.count == 2 * axesT.count else { throw fail(n, "pads do not match axes") }
                var full = [Int64](repeating: 0, count: 2 * r)
                for (i, raw) in axesT.ints.enumerated() {
                    let ax = try axis(n, raw, rank: r)
                    full[ax] = pads[i]
                    full[ax + r] = pads[i + axesT.count]
                }
                pads = full
            }
        }
        guard pads.count == 2 * r else { throw fail(n, "pads must have \(2 * r) entries") }
        let modeName = try string(n, "mode", "constant")
        let mode: PadMode
        switch modeName {
        case "constant": mode = .constant
        case "reflect": mode = .reflect
        case "edge": mode = .edge
        default: throw fail(n, "mode \(modeName) is not supported")
        }
        if pads.allSatisfy({ $0 == 0 }) {
            alias(n, x)
            return
        }
        let a = Attributes(["pads": .ints(pads), "mode": .int(mode.rawValue), "value": .float(value)])
        try emit(.pad, [operand(x, name: n.inputs[0])], a, for: n)
    }
}
