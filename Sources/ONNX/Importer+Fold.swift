import ModelPlan

/// Compile-time evaluation of nodes whose inputs are all known: the Shape → Gather → Concat
/// → Reshape chains exporters emit, constant subgraphs, and weights that need reshaping.
extension Importer {
    func constantNode(_ n: ONNXNode) throws(ImportError) -> ConstTensor {
        for (key, value) in n.attributes {
            switch (key, value) {
            case ("value", .tensor(let t)): return try Importer.constant(t)
            case ("value_float", .float(let f)): return ConstTensor(floats: [f], shape: [])
            case ("value_floats", .floats(let f)): return ConstTensor(floats: f, shape: [f.count])
            case ("value_int", .int(let i)): return ConstTensor(ints: [i], shape: [])
            case ("value_ints", .ints(let i)): return ConstTensor(ints: i, shape: [i.count])
            default: continue
            }
        }
        throw fail(n, "has no value, value_float(s) or value_int(s) attribute (sparse and string constants are not supported)")
    }

    func fold(_ n: ONNXNode, _ ins: [ConstTensor?]) throws(ImportError) -> [ConstTensor] {
        // Every map below walks shapes and indexes values: both must agree before any does.
        for case let t? in ins where !t.isConsistent {
            throw fail(n, "a constant input holds \(t.count) values but its shape is \(t.shape)")
        }
        func x(_ i: Int) throws(ImportError) -> ConstTensor {
            guard i < ins.count, let t = ins[i] else { throw fail(n, "input \(i) is missing") }
            return t
        }
        switch n.opType {
        case "Identity", "Dropout":
            return [try x(0)]
        case "Cast":
            let t = try x(0)
            switch try int(n, "to", 1) {
            case 1, 10, 11, 16: return [ConstTensor(floats: t.floats, shape: t.shape)]
            case 9: return [ConstTensor(ints: t.floats.map { $0 != 0 ? 1 : 0 }, shape: t.shape)]
            default: return [ConstTensor(ints: t.ints, shape: t.shape)]
            }
        case "ConstantOfShape":
            let dims = (try x(0)).ints.map { Int($0) }
            let count = try foldable(n, dims)
            if case .tensor(let v)? = n.attributes["value"] {
                let fill = try Importer.constant(v)
                guard fill.count == 1 else { throw fail(n, "value must hold one element") }
                switch fill.values {
                case .float(let f): return [ConstTensor(floats: [Float](repeating: f[0], count: count), shape: dims)]
                case .int(let i): return [ConstTensor(ints: [Int64](repeating: i[0], count: count), shape: dims)]
                }
            }
            return [ConstTensor(floats: [Float](repeating: 0, count: count), shape: dims)]
        case "Reshape":
            let t = try x(0)
            return [t.reshaped(try reshapeTarget(n, input: t.shape, spec: try x(1).ints))]
        case "Flatten":
            let t = try x(0)
            return [t.reshaped(try flattenTarget(n, input: t.shape))]
        case "Squeeze":
            let t = try x(0)
            return [t.reshaped(try squeezeTarget(n, input: t.shape))]
        case "Unsqueeze":
            let t = try x(0)
            return [t.reshaped(try unsqueezeTarget(n, input: t.shape))]
        case "Transpose":
            let t = try x(0)
            let (map, shape) = Layout.transposeMap(t.shape, perm: try transposePerm(n, rank: t.shape.count))
            return [t.gathering(map, shape: shape)]
        case "Slice":
            let t = try x(0)
            let p = try sliceParameters(n, input: t.shape)
            return [t.gathering(Layout.sliceMap(t.shape, starts: p.starts, steps: p.steps, sizes: p.sizes), shape: p.sizes)]
        case "Gather":
            let t = try x(0), idx = try x(1)
            let p = try gatherParameters(n, input: t.shape, indices: idx)
            let (map, shape) = Layout.gatherMap(t.shape, axis: p.axis, indices: p.indices, indicesShape: idx.shape)
            return [t.gathering(map, shape: shape)]
        case "Expand":
            let t = try x(0)
            let shape = try expandTarget(n, input: t.shape, spec: try x(1).ints)
            _ = try foldable(n, shape)
            return [t.gathering(Layout.broadcastMap(from: t.shape, to: shape), shape: shape)]
        case "Tile":
            let t = try x(0)
            let reps = (try x(1)).ints.map { Int($0) }
            guard reps.count == t.shape.count, reps.allSatisfy({ $0 >= 1 }) else { throw fail(n, "repeats \(reps) do not match rank \(t.shape.count)") }
            let shape = zip(t.shape, reps).map { $0.multipliedReportingOverflow(by: $1) }.map { $0.overflow ? -1 : $0.partialValue }
            _ = try foldable(n, shape)
            let st = Layout.strides(t.shape)
            var map: [Int] = []
            Layout.forEachIndex(shape) { idx, _ in map.append(idx.indices.reduce(0) { $0 + (idx[$1] % t.shape[$1]) * st[$1] }) }
            return [t.gathering(map, shape: shape)]
        case "Concat":
            let parts = ins.compactMap { $0 }
            guard let first = parts.first else { throw fail(n, "no inputs") }
            let a = try axis(n, try int(n, "axis", 0), rank: first.shape.count)
            return [try concatenate(n, parts, axis: a)]
        case "Split":
            let t = try x(0)
            let a = try axis(n, try int(n, "axis", 0), rank: t.shape.count)
            var start = 0
            var outs: [ConstTensor] = []
            for size in try splitSizes(n, input: t.shape, axis: a) {
                var starts = [Int](repeating: 0, count: t.shape.count)
                starts[a] = start
                var shape = t.shape
                shape[a] = size
                outs.append(t.gathering(Layout.sliceMap(t.shape, starts: starts, steps: [Int](repeating: 1, count: shape.count), sizes: shape), shape: shape))
                start += size
            }
            return outs
        case "Shape", "Size", "Constant":
            throw fail(n, "internal: handled before folding")
        case "Range":
            let start = try x(0), limit = try x(1), delta = try x(2)
            guard start.count == 1, limit.count == 1, delta.count == 1 else { throw fail(n, "start, limit and delta must be scalars") }
            if start.isFloat || limit.isFloat || delta.isFloat {
                let (s, l, d) = (start.floats[0], limit.floats[0], delta.floats[0])
                guard d != 0 else { throw fail(n, "delta is 0") }
                let steps = ScalarMath.ceil((l - s) / d)
                guard steps.isFinite, steps <= Float(ShapeInference.maxElements) else { throw fail(n, "range too long") }
                let count = steps > 0 ? Int(steps) : 0
                _ = try foldable(n, [count])
                return [ConstTensor(floats: (0..<count).map { s + Float($0) * d }, shape: [count])]
            }
            let (s, l, d) = (start.ints[0], limit.ints[0], delta.ints[0])
            guard d != 0 else { throw fail(n, "delta is 0") }
            let (span, overflow) = l.subtractingReportingOverflow(s)
            guard !overflow else { throw fail(n, "range too long") }
            let quotient = span.dividedReportingOverflow(by: d)
            guard !quotient.overflow else { throw fail(n, "range too long") }
            let count = max(quotient.partialValue + (span % d != 0 && (span > 0) == (d > 0) ? 1 : 0), 0)
            guard count <= Int64(Self.maxFoldedElements) else { throw fail(n, "range too long") }
            // Every value lies between start and limit, so the wrapping arithmetic never wraps.
            return [ConstTensor(ints: (0..<count).map { s &+ $0 &* d }, shape: [Int(count)])]
        case "Where":
            let c = try x(0), a = try x(1), b = try x(2)
            guard let ab = ShapeInference.broadcast(a.shape, b.shape), let shape = ShapeInference.broadcast(c.shape, ab) else {
                throw fail(n, "shapes \(c.shape), \(a.shape), \(b.shape) do not broadcast")
            }
            _ = try foldable(n, shape)
            for t in [c, a, b] where !t.isConsistent {
                throw fail(n, "a constant input holds \(t.count) values but its shape is \(t.shape)")
            }
            let cm = Layout.broadcastMap(from: c.shape, to: shape), am = Layout.broadcastMap(from: a.shape, to: shape)
            let bm = Layout.broadcastMap(from: b.shape, to: shape)
            let cond = c.ints
            if a.isFloat || b.isFloat {
                let (av, bv) = (a.floats, b.floats)
                return [ConstTensor(floats: cm.indices.map { cond[cm[$0]] != 0 ? av[am[$0]] : bv[bm[$0]] }, shape: shape)]
            }
            let (av, bv) = (a.ints, b.ints)
            return [ConstTensor(ints: cm.indices.map { cond[cm[$0]] != 0 ? av[am[$0]] : bv[bm[$0]] }, shape: shape)]
        case "ReduceProd", "ReduceSum", "ReduceMean":
            let t = try x(0)
            let since: Int64 = n.opType == "ReduceSum" ? 13 : 18
            let given = try axesOperand(n, inputSince: since)
            var axes: [Int] = []
            if let given, !given.isEmpty {
                for a in given { axes.append(try axis(n, a, rank: t.shape.count)) }
            } else if opset >= since, try int(n, "noop_with_empty_axes", 0) == 1 {
                return [t]
            } else {
                axes = Array(t.shape.indices)
            }
            return [reduce(t, axes: Set(axes), keep: try int(n, "keepdims", 1) == 1, op: n.opType)]
        case "Clip":
            return [try clip(n, try x(0), ins)]
        default:
            return [try elementwise(n, ins.compactMap { $0 })]
        }
    }

    private func concatenate(_ n: ONNXNode, _ parts: [ConstTensor], axis a: Int) throws(ImportError) -> ConstTensor {
        var shape = parts[0].shape
        shape[a] = 0
        for p in parts {
            guard p.shape.count == shape.count, p.shape.indices.allSatisfy({ $0 == a || p.shape[$0] == parts[0].shape[$0] }) else {
                throw fail(n, "inputs differ outside axis \(a)")
            }
            shape[a] += p.shape[a]
        }
        let outer = shape[..<a].elementCount
        let anyFloat = parts.contains { $0.isFloat }
        var floats: [Float] = []
        var ints: [Int64] = []
        for o in 0..<outer {
            for p in parts {
                let block = p.shape[a...].elementCount
                if anyFloat { floats += p.floats[(o * block)..<((o + 1) * block)] } else { ints += p.ints[(o * block)..<((o + 1) * block)] }
            }
        }
        return anyFloat ? ConstTensor(floats: floats, shape: shape) : ConstTensor(ints: ints, shape: shape)
    }

    private func reduce(_ t: ConstTensor, axes: Set<Int>, keep: Bool, op: String) -> ConstTensor {
        let outFull = t.shape.indices.map { axes.contains($0) ? 1 : t.shape[$0] }
        let outStrides = Layout.strides(outFull)
        let count = outFull.elementCount
        let reducedCount = Double(t.shape.indices.filter(axes.contains).map { t.shape[$0] }.elementCount)
        var acc = [Double](repeating: op == "ReduceProd" ? 1 : 0, count: count)
        let values = t.isFloat ? t.floats.map(Double.init) : t.ints.map(Double.init)
        Layout.forEachIndex(t.shape) { idx, flat in
            var o = 0
            for i in idx.indices where !axes.contains(i) { o += idx[i] * outStrides[i] }
            if op == "ReduceProd" { acc[o] *= values[flat] } else { acc[o] += values[flat] }
        }
        if op == "ReduceMean" { acc = acc.map { $0 / reducedCount } }
        let shape = keep ? outFull : t.shape.indices.filter { !axes.contains($0) }.map { t.shape[$0] }
        return t.isFloat || op == "ReduceMean"
            ? ConstTensor(floats: acc.map { Float($0) }, shape: shape) : ConstTensor(ints: acc.map { Int64($0) }, shape: shape)
    }

    /// Unary and n-ary elementwise ops with NumPy broadcasting, on ints or floats.
    private func elementwise(_ n: ONNXNode, _ ins: [ConstTensor]) throws(ImportError) -> ConstTensor {
        guard let first = ins.first else { throw fail(n, "no inputs") }
        if ins.count == 1 { return try unary(n, first) }
        var acc = first
        for next in ins.dropFirst() { acc = try binary(n, acc, next) }
        return acc
    }

    private func unary(_ n: ONNXNode, _ t: ConstTensor) throws(ImportError) -> ConstTensor {
        if !t.isFloat {
            let v = t.ints
            let out: [Int64]
            switch n.opType {
            case "Neg": out = v.map { 0 &- $0 }
            case "Abs": out = v.map { $0 < 0 ? 0 &- $0 : $0 }
            case "Sign": out = v.map { $0.signum() }
            case "Not": out = v.map { $0 == 0 ? 1 : 0 }
            case "Relu": out = v.map { max($0, 0) }
            case "Floor", "Ceil": out = v
            default: return try unary(n, ConstTensor(floats: t.floats, shape: t.shape))
            }
            return ConstTensor(ints: out, shape: t.shape)
        }
        let f: (Float) -> Float
        switch n.opType {
        case "Neg": f = { -$0 }
        case "Abs": f = { abs($0) }
        case "Sign": f = { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
        case "Floor": f = { ScalarMath.floor($0) }
        case "Ceil": f = { ScalarMath.ceil($0) }
        case "Reciprocal": f = { 1 / $0 }
        case "Exp": f = { ScalarMath.exp($0) }
        case "Sqrt": f = { ScalarMath.sqrt($0) }
        case "Erf": f = { ScalarMath.erf($0) }
        case "Tanh": f = { ScalarMath.tanh($0) }
        case "Not": f = { $0 == 0 ? 1 : 0 }
        case "Relu": f = { Activation.relu.apply($0) }
        case "Sigmoid": f = { Activation(kind: .sigmoid).apply($0) }
        case "HardSwish": f = { Activation.hardSwish.apply($0) }
        case "LeakyRelu":
            let alpha = try float(n, "alpha", 0.01)
            f = { Activation(kind: .leakyRelu, alpha: alpha).apply($0) }
        case "HardSigmoid":
            let alpha = try float(n, "alpha", 0.2), beta = try float(n, "beta", 0.5)
            f = { Activation(kind: .hardSigmoid, alpha: alpha, beta: beta).apply($0) }
        case "Gelu":
            let tanh = try string(n, "approximate", "none") == "tanh"
            if tanh { f = { Importer.geluTanh($0) } } else { f = { Importer.geluExact($0) } }
        default: throw fail(n, "cannot be evaluated at compile time")
        }
        return ConstTensor(floats: t.floats.map(f), shape: t.shape)
    }

    /// Clip with its bounds by position: an omitted min (an empty input name) must not make the
    /// max the min, and a bound must hold exactly one value.
    private func clip(_ n: ONNXNode, _ t: ConstTensor, _ ins: [ConstTensor?]) throws(ImportError) -> ConstTensor {
        let lo = ins.count > 1 ? ins[1] : nil, hi = ins.count > 2 ? ins[2] : nil
        for case let bound? in [lo, hi] where bound.count != 1 {
            throw fail(n, "a bound must be one value; it has \(bound.count)")
        }
        if !t.isFloat && opset >= 11 {
            let (l, h) = (lo?.ints.first ?? .min, hi?.ints.first ?? .max)
            return ConstTensor(ints: t.ints.map { min(max($0, l), h) }, shape: t.shape)
        }
        let (l, h) = try clipBounds(n, lo, hi)
        return ConstTensor(floats: t.floats.map { min(max($0, l), h) }, shape: t.shape)
    }

    static func geluExact(_ x: Float) -> Float { 0.5 * x * (1 + ScalarMath.erf(x * 0.707_106_78)) }
    static func geluTanh(_ x: Float) -> Float { 0.5 * x * (1 + ScalarMath.tanh(0.797_884_56 * (x + 0.044_715 * x * x * x))) }

    /// Clip's bounds: attributes before opset 11, optional constant inputs after.
    func clipBounds(_ n: ONNXNode, _ lo: ConstTensor?, _ hi: ConstTensor?) throws(ImportError) -> (Float, Float) {
        if opset < 11 { return (try float(n, "min", -.greatestFiniteMagnitude), try float(n, "max", .greatestFiniteMagnitude)) }
        return (lo?.floats.first ?? -.infinity, hi?.floats.first ?? .infinity)
    }

    /// Largest tensor folded at compile time: 4 Mi elements (16 MiB of floats). A model that
    /// computes a bigger constant from constants is refused rather than allocating gigabytes
    /// (found by fuzzing: Expand to [3, 2147483647] asked for 51 GB). It was 16 Mi until a
    /// fuzzed Where of 14 M elements took 18 s to fold in a debug build; folding is for shape
    /// arithmetic and small constants, weights arrive as initializers.
    static let maxFoldedElements = 1 << 22

    /// The element count of `shape`, or an error naming the node when a dimension is negative,
    /// the product overflows or it is too big to fold.
    func foldable(_ n: ONNXNode, _ shape: [Int]) throws(ImportError) -> Int {
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard d >= 0, !overflow, product <= Self.maxFoldedElements else {
                throw fail(n, "would fold to a constant of shape \(shape), more than \(Self.maxFoldedElements) elements or invalid")
            }
            count = product
        }
        return count
    }

    private func binary(_ n: ONNXNode, _ a: ConstTensor, _ b: ConstTensor) throws(ImportError) -> ConstTensor {
        guard let shape = ShapeInference.broadcast(a.shape, b.shape) else { throw fail(n, "shapes \(a.shape) and \(b.shape) do not broadcast") }
        _ = try foldable(n, shape)
        for t in [a, b] where !t.isConsistent {
            throw fail(n, "a constant input holds \(t.count) values but its shape is \(t.shape)")
        }
        let am = Layout.broadcastMap(from: a.shape, to: shape), bm = Layout.broadcastMap(from: b.shape, to: shape)
        let comparison = ["Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or"].contains(n.opType)
        if a.isFloat || b.isFloat {
            let (x, y) = (a.floats, b.floats)
            if comparison {
                let f: (Float, Float) -> Bool
                switch n.opType {
                case "Equal": f = { $0 == $1 }
                case "Less": f = { $0 < $1 }
                case "Greater": f = { $0 > $1 }
                case "LessOrEqual": f = { $0 <= $1 }
                case "GreaterOrEqual": f = { $0 >= $1 }
                case "And": f = { $0 != 0 && $1 != 0 }
                default: f = { $0 != 0 || $1 != 0 }
                }
                return ConstTensor(ints: am.indices.map { f(x[am[$0]], y[bm[$0]]) ? 1 : 0 }, shape: shape)
            }
            let f: (Float, Float) -> Float
            switch n.opType {
            case "Add": f = { $0 + $1 }
            case "Sub": f = { $0 - $1 }
            case "Mul": f = { $0 * $1 }
            case "Div": f = { $0 / $1 }
            case "Pow": f = { ScalarMath.pow($0, $1) }
            case "Min": f = { min($0, $1) }
            case "Max": f = { max($0, $1) }
            default: throw fail(n, "cannot be evaluated at compile time")
            }
            return ConstTensor(floats: am.indices.map { f(x[am[$0]], y[bm[$0]]) }, shape: shape)
        }
        let (x, y) = (a.ints, b.ints)
        let f: (Int64, Int64) -> Int64
        switch n.opType {
        case "Add": f = { $0 &+ $1 }
        case "Sub": f = { $0 &- $1 }
        case "Mul": f = { $0 &* $1 }
        case "Div": f = { $1 == 0 ? 0 : $0.dividedReportingOverflow(by: $1).partialValue }
        case "Pow": f = { ConstTensor.saturating(ScalarMath.pow(Float($0), Float($1))) }
        case "Min": f = { min($0, $1) }
        case "Max": f = { max($0, $1) }
        case "Equal": f = { $0 == $1 ? 1 : 0 }
        case "Less": f = { $0 < $1 ? 1 : 0 }
        case "Greater": f = { $0 > $1 ? 1 : 0 }
        case "LessOrEqual": f = { $0 <= $1 ? 1 : 0 }
        case "GreaterOrEqual": f = { $0 >= $1 ? 1 : 0 }
        case "And": f = { $0 != 0 && $1 != 0 ? 1 : 0 }
        case "Or": f = { $0 != 0 || $1 != 0 ? 1 : 0 }
        default: throw fail(n, "cannot be evaluated at compile time")
        }
        return ConstTensor(ints: am.indices.map { f(x[am[$0]], y[bm[$0]]) }, shape: shape)
    }
}
