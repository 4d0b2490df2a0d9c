/// Output shapes of each op from its input shapes and attributes. The compiler uses it to
/// build graphs; the decoder re-runs it to check every stored shape, so a plan whose shapes
/// disagree with its ops never reaches a kernel. Every attribute a kernel reads is checked
/// here: a kernel may index with it without further checks.
public enum ShapeInference {
    /// Upper bound on elements of one tensor (2^31): keeps size arithmetic far from overflow
    /// and refuses absurd allocations from hostile plans.
    public static let maxElements = 1 << 31
    /// Upper bound on any kernel, stride, dilation or pad.
    static let maxWindow = 4096

    public static func outputShapes(of node: Node, inputs: [[Int]]) throws(PlanError) -> [[Int]] {
        var check = Check(node: node, inputs: inputs)
        return try check.outputShapes()
    }

    /// NumPy broadcasting of two shapes; nil when they are incompatible.
    public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard x == y || x == 1 || y == 1 else { return nil }
            // Not max(x, y): a dimension of 0 broadcast against 1 stays 0 (an empty Range
            // folded with a scalar; found by the onnx fuzz target).
            out[i] = x == 1 ? y : x
        }
        return out
    }

    /// Spatial output size of one axis of a strided, padded, dilated window. With `ceil`,
    /// a last window that would start inside the end padding is dropped (ONNX, PyTorch).
    public static func windowOutput(input: Int, kernel: Int, stride: Int, padBegin: Int, padEnd: Int, dilation: Int, ceil: Bool) -> Int? {
        let span = dilation * (kernel - 1) + 1
        let padded = input + padBegin + padEnd
        guard padded >= span else { return nil }
        var out = (padded - span) / stride + 1
        if ceil, (padded - span) % stride != 0 {
            out += 1
            if (out - 1) * stride >= input + padBegin { out -= 1 }
        }
        return out
    }

    /// Checks that every dimension is positive and the element count is bounded.
    public static func checkShape(_ shape: [Int], tensor: String) throws(PlanError) {
        guard shape.count <= 8 else { throw .invalidGraph("tensor \(tensor) has rank \(shape.count) (at most 8)") }
        var n = 1
        for d in shape {
            guard d >= 1, d <= maxElements else { throw .invalidGraph("tensor \(tensor) has dimension \(d)") }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow, p <= maxElements else { throw .invalidGraph("tensor \(tensor) has more than 2^31 elements") }
            n = p
        }
    }
}

/// The per-node checks, one method per op family.
private struct Check {
    let node: Node
    let inputs: [[Int]]
    var a: Attributes { node.attributes }

    init(node: Node, inputs: [[Int]]) {
        self.node = node
        self.inputs = inputs
    }

    func fail(_ reason: String) -> PlanError { .invalidNode(node: node.name, reason: "\(node.op.name): \(reason)") }

    func arity(_ range: ClosedRange<Int>, outputs: Int = 1) throws(PlanError) {
        guard range.contains(inputs.count) else { throw fail("expects \(range) inputs, has \(inputs.count)") }
        guard node.outputs.count == outputs else { throw fail("expects \(outputs) outputs, has \(node.outputs.count)") }
    }

    func rank(_ i: Int, _ allowed: ClosedRange<Int>) throws(PlanError) {
        guard allowed.contains(inputs[i].count) else { throw fail("input \(i) has rank \(inputs[i].count), expects \(allowed)") }
    }

    func axis(_ key: String, rank: Int, default value: Int? = nil) throws(PlanError) -> Int {
        let v = try a.int(key, default: value ?? -1)
        // A scalar has no axes: every op that takes one needs rank 1 or more.
        guard 0 <= v, v < rank else { throw fail("\(key) \(v) out of range for rank \(rank)") }
        return v
    }

    func finite(_ key: String, default value: Float) throws(PlanError) -> Float {
        let v = try a.float(key, default: value)
        guard !v.isNaN else { throw fail("\(key) is NaN") }
        return v
    }

    mutating func outputShapes() throws(PlanError) -> [[Int]] {
        if node.op.acceptsActivation {
            do { _ = try Activation(a) } catch { throw fail(error.description) }
        } else if a["activation"] != nil {
            throw fail("cannot fuse an activation")
        }
        switch node.op {
        case .conv: return [try conv()]
        case .convTranspose: return [try convTranspose()]
        case .dense: return [try dense()]
        case .matMul: return [try matMul()]
        case .relu, .clip, .leakyRelu, .hardSigmoid, .hardSwish, .sigmoid, .tanh, .gelu, .erf, .sqrt: return [try unary()]
        case .add, .sub, .mul, .div, .pow:
            try arity(2...2)
            guard let out = ShapeInference.broadcast(inputs[0], inputs[1]) else {
                throw fail("shapes \(inputs[0]) and \(inputs[1]) do not broadcast")
            }
            return [out]
        case .globalAveragePool:
            try arity(1...1)
            try rank(0, 3...8)
            return [Array(inputs[0][0..<2]) + [Int](repeating: 1, count: inputs[0].count - 2)]
        case .flatten:
            try arity(1...1)
            let x = inputs[0]
            let axis = try a.int("axis", default: 1)
            guard (0...x.count).contains(axis) else { throw fail("axis \(axis) out of range for rank \(x.count)") }
            return [[x[..<axis].reduce(1, *), x[axis...].reduce(1, *)]]
        case .maxPool, .averagePool: return [try pool()]
        case .resize: return [try resize()]
        case .concat: return [try concat()]
        case .split: return try split()
        case .slice: return [try slice()]
        case .reshape:
            try arity(1...1)
            let shape = try a.ints("shape")
            try ShapeInference.checkShape(shape, tensor: "\(node.name) shape")
            guard shape.reduce(1, *) == inputs[0].reduce(1, *) else { throw fail("cannot reshape \(inputs[0]) to \(shape)") }
            return [shape]
        case .transpose:
            try arity(1...1)
            let perm = try a.ints("perm")
            guard perm.sorted() == Array(0..<inputs[0].count) else { throw fail("perm \(perm) is not a permutation of rank \(inputs[0].count)") }
            return [perm.map { inputs[0][$0] }]
        case .gather: return [try gather()]
        case .softmax:
            try arity(1...1)
            _ = try axis("axis", rank: inputs[0].count)
            return [inputs[0]]
        case .reduceMean: return [try reduceMean()]
        case .layerNorm: return [try layerNorm()]
        case .pad: return [try pad()]
        case .batchNorm:
            try arity(3...3)
            try rank(0, 2...8)
            let c = inputs[0][1]
            guard inputs[1] == [c], inputs[2] == [c] else { throw fail("scale and shift must be [\(c)]") }
            return [inputs[0]]
        case .expand:
            try arity(1...1)
            let shape = try a.ints("shape")
            try ShapeInference.checkShape(shape, tensor: "\(node.name) shape")
            guard ShapeInference.broadcast(inputs[0], shape) == shape else { throw fail("cannot expand \(inputs[0]) to \(shape)") }
            return [shape]
        }
    }

    func unary() throws(PlanError) -> [Int] {
        try arity(1...1)
        switch node.op {
        case .clip:
            _ = try finite("min", default: -.infinity)
            _ = try finite("max", default: .infinity)
        case .leakyRelu: _ = try finite("alpha", default: 0.01)
        case .hardSigmoid:
            _ = try finite("alpha", default: 0.2)
            _ = try finite("beta", default: 0.5)
        case .gelu:
            guard (0...1).contains(try a.int("approximate", default: 0)) else { throw fail("approximate must be 0 (none) or 1 (tanh)") }
        default: break
        }
        return inputs[0]
    }

    /// Strides, pads and dilations for a 2-D window; kernel given by the caller.
    func window(_ x: [Int], kernel: [Int], ceil: Bool) throws(PlanError) -> (Int, Int) {
        let strides = try a.ints("strides", count: 2, default: [1, 1])
        let pads = try a.ints("pads", count: 4, default: [0, 0, 0, 0])
        let dilations = try a.ints("dilations", count: 2, default: [1, 1])
        let limit = 1...ShapeInference.maxWindow
        guard kernel.count == 2, kernel.allSatisfy({ limit ~= $0 }) else { throw fail("kernel must be two sizes in 1...4096") }
        guard strides.allSatisfy({ limit ~= $0 }), dilations.allSatisfy({ limit ~= $0 }) else {
            throw fail("strides and dilations must be in 1...4096")
        }
        guard pads.allSatisfy({ 0...ShapeInference.maxWindow ~= $0 }) else { throw fail("pads must be in 0...4096") }
        var out = [0, 0]
        for i in 0..<2 {
            guard
                let o = ShapeInference.windowOutput(
                    input: x[2 + i], kernel: kernel[i], stride: strides[i], padBegin: pads[i], padEnd: pads[i + 2],
                    dilation: dilations[i], ceil: ceil)
            else { throw fail("window \(kernel) larger than padded input \(x)") }
            out[i] = o
        }
        return (out[0], out[1])
    }

    func conv() throws(PlanError) -> [Int] {
        try arity(2...3)
        try rank(0, 4...4)
        try rank(1, 4...4)
        let x = inputs[0], w = inputs[1]
        let group = try a.int("group", default: 1)
        guard group >= 1, x[1] % group == 0, w[0] % group == 0 else { throw fail("group \(group) does not divide channels") }
        guard w[1] * group == x[1] else { throw fail("weight has \(w[1]) input channels per group, input has \(x[1]) channels in \(group) groups") }
        if inputs.count == 3, inputs[2] != [w[0]] { throw fail("bias must be [\(w[0])]") }
        let (h, wd) = try window(x, kernel: [w[2], w[3]], ceil: false)
        return [x[0], w[0], h, wd]
    }

    func convTranspose() throws(PlanError) -> [Int] {
        try arity(2...3)
        try rank(0, 4...4)
        try rank(1, 4...4)
        let x = inputs[0], w = inputs[1]
        let group = try a.int("group", default: 1)
        guard group >= 1, x[1] % group == 0, w[0] == x[1] else { throw fail("weight must be [\(x[1]), M/group, kH, kW] for group \(group)") }
        let m = w[1] * group
        if inputs.count == 3, inputs[2] != [m] { throw fail("bias must be [\(m)]") }
        let strides = try a.ints("strides", count: 2, default: [1, 1])
        let pads = try a.ints("pads", count: 4, default: [0, 0, 0, 0])
        let dilations = try a.ints("dilations", count: 2, default: [1, 1])
        let outPad = try a.ints("outputPadding", count: 2, default: [0, 0])
        let limit = 1...ShapeInference.maxWindow
        guard strides.allSatisfy({ limit ~= $0 }), dilations.allSatisfy({ limit ~= $0 }), [w[2], w[3]].allSatisfy({ limit ~= $0 }) else {
            throw fail("kernel, strides and dilations must be in 1...4096")
        }
        guard pads.allSatisfy({ 0...ShapeInference.maxWindow ~= $0 }) else { throw fail("pads must be in 0...4096") }
        guard outPad.allSatisfy({ 0...ShapeInference.maxWindow ~= $0 }) else { throw fail("outputPadding must be in 0...4096") }
        var out = [x[0], m, 0, 0]
        for i in 0..<2 {
            let size = strides[i] * (x[2 + i] - 1) + outPad[i] + dilations[i] * (w[2 + i] - 1) + 1 - pads[i] - pads[i + 2]
            guard size >= 1 else { throw fail("output would be empty") }
            out[2 + i] = size
        }
        return out
    }

    func dense() throws(PlanError) -> [Int] {
        try arity(2...3)
        try rank(0, 1...8)
        let x = inputs[0], w = inputs[1]
        guard w.count == 2, x.last == w[1] else { throw fail("needs X[..., K] and W[M, K], got \(x) and \(w)") }
        if inputs.count == 3, inputs[2] != [w[0]] { throw fail("bias must be [\(w[0])]") }
        return x.dropLast() + [w[0]]
    }

    func matMul() throws(PlanError) -> [Int] {
        try arity(2...2)
        try rank(0, 2...8)
        try rank(1, 2...8)
        let x = inputs[0], y = inputs[1]
        guard x[x.count - 1] == y[y.count - 2] else { throw fail("inner dimensions differ: \(x) and \(y)") }
        guard let batch = ShapeInference.broadcast(Array(x.dropLast(2)), Array(y.dropLast(2))) else {
            throw fail("batch dimensions of \(x) and \(y) do not broadcast")
        }
        return batch + [x[x.count - 2], y[y.count - 1]]
    }

    func pool() throws(PlanError) -> [Int] {
        try arity(1...1)
        try rank(0, 4...4)
        let x = inputs[0]
        let kernel = try a.ints("kernel", count: 2, default: [])
        let ceil = try a.int("ceil", default: 0)
        guard ceil == 0 || ceil == 1 else { throw fail("ceil must be 0 or 1") }
        if node.op == .averagePool {
            guard (0...1).contains(try a.int("countIncludePad", default: 0)) else { throw fail("countIncludePad must be 0 or 1") }
            guard a["dilations"] == nil else { throw fail("average pooling takes no dilations") }
        }
        let (h, w) = try window(x, kernel: kernel, ceil: ceil == 1)
        return [x[0], x[1], h, w]
    }

    func resize() throws(PlanError) -> [Int] {
        try arity(1...1)
        try rank(0, 4...4)
        let x = inputs[0]
        let sizes = try a.ints("sizes", count: 4, default: [])
        let scales = try a.floats("scales")
        guard sizes.count == 4 else { throw fail("sizes must have 4 entries") }
        try ShapeInference.checkShape(sizes, tensor: "\(node.name) sizes")
        guard sizes[0] == x[0], sizes[1] == x[1] else { throw fail("only the last two axes may be resized") }
        guard scales.count == 4, scales.allSatisfy({ $0.isFinite && $0 > 0 }) else { throw fail("scales must be 4 positive numbers") }
        guard ResizeMode(rawValue: Int64(try a.int("mode", default: 0))) != nil else { throw fail("unknown mode") }
        guard let coordinate = ResizeCoordinateMode(rawValue: Int64(try a.int("coordinateMode", default: 0))) else {
            throw fail("unknown coordinate mode")
        }
        guard ResizeNearestMode(rawValue: Int64(try a.int("nearestMode", default: 0))) != nil else { throw fail("unknown nearest mode") }
        if coordinate == .tfCropAndResize {
            let roi = try a.floats("roi")
            guard roi.count == 8, roi.allSatisfy({ $0.isFinite }) else { throw fail("roi must be 8 finite numbers") }
        }
        _ = try finite("extrapolation", default: 0)
        return sizes
    }

    func concat() throws(PlanError) -> [Int] {
        guard !inputs.isEmpty, inputs.count <= 4096, node.outputs.count == 1 else { throw fail("expects 1...4096 inputs and 1 output") }
        let r = inputs[0].count
        let axis = try self.axis("axis", rank: r)
        var out = inputs[0]
        out[axis] = 0
        for s in inputs {
            guard s.count == r, (0..<r).allSatisfy({ $0 == axis || s[$0] == inputs[0][$0] }) else {
                throw fail("inputs \(inputs) differ outside axis \(axis)")
            }
            out[axis] += s[axis]
        }
        return out
    }

    func split() throws(PlanError) -> [[Int]] {
        let splits = try a.ints("splits")
        try arity(1...1, outputs: splits.count)
        let axis = try self.axis("axis", rank: inputs[0].count)
        // Summed with overflow checks: splits come from the plan as any Int64s.
        let (total, overflow) = splits.reduce((0, false)) { acc, n in
            let (sum, o) = acc.0.addingReportingOverflow(n)
            return (sum, acc.1 || o)
        }
        guard !splits.isEmpty, splits.allSatisfy({ $0 >= 1 }), !overflow, total == inputs[0][axis] else {
            throw fail("splits \(splits) do not partition axis \(axis) of \(inputs[0])")
        }
        return splits.map { n in
            var s = inputs[0]
            s[axis] = n
            return s
        }
    }

    func slice() throws(PlanError) -> [Int] {
        try arity(1...1)
        let x = inputs[0]
        let starts = try a.ints("starts"), steps = try a.ints("steps"), sizes = try a.ints("sizes")
        guard starts.count == x.count, steps.count == x.count, sizes.count == x.count else {
            throw fail("starts, steps and sizes need one entry per axis of \(x)")
        }
        for i in 0..<x.count {
            guard steps[i] != 0, steps[i].magnitude <= ShapeInference.maxElements, sizes[i] >= 1, 0 <= starts[i], starts[i] < x[i] else {
                throw fail("axis \(i): start \(starts[i]), step \(steps[i]), size \(sizes[i]) invalid for dimension \(x[i])")
            }
            let (span, o1) = (sizes[i] - 1).multipliedReportingOverflow(by: steps[i])
            guard !o1, 0 <= starts[i] + span, starts[i] + span < x[i] else { throw fail("axis \(i): slice runs outside dimension \(x[i])") }
        }
        return sizes
    }

    func gather() throws(PlanError) -> [Int] {
        try arity(1...1)
        let x = inputs[0]
        let axis = try self.axis("axis", rank: x.count)
        let indices = try a.ints("indices"), shape = try a.ints("indicesShape")
        // Multiplied with overflow checks: indicesShape comes from the plan as any Int64s.
        var count = 1
        for d in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard d >= 1, !overflow else { throw fail("indicesShape does not match the indices") }
            count = p
        }
        guard count == indices.count else { throw fail("indicesShape does not match the indices") }
        guard indices.allSatisfy({ 0 <= $0 && $0 < x[axis] }) else { throw fail("an index is outside 0..<\(x[axis])") }
        let out = Array(x[..<axis]) + shape + Array(x[(axis + 1)...])
        guard out.count <= 8 else { throw fail("output rank \(out.count) exceeds 8") }
        return out
    }

    func reduceMean() throws(PlanError) -> [Int] {
        try arity(1...1)
        let x = inputs[0]
        let axes = try a.ints("axes"), keep = try a.int("keepdims", default: 1)
        guard !axes.isEmpty, axes == Array(Set(axes)).sorted(), axes.allSatisfy({ 0 <= $0 && $0 < x.count }) else {
            throw fail("axes \(axes) must be sorted, unique and within rank \(x.count)")
        }
        guard keep == 0 || keep == 1 else { throw fail("keepdims must be 0 or 1") }
        return x.indices.compactMap { i in axes.contains(i) ? (keep == 1 ? 1 : nil) : x[i] }
    }

    func layerNorm() throws(PlanError) -> [Int] {
        try arity(2...3)
        let x = inputs[0]
        let axis = try self.axis("axis", rank: x.count)
        let normalized = Array(x[axis...])
        guard inputs[1] == normalized, inputs.count == 2 || inputs[2] == normalized else {
            throw fail("scale and bias must have shape \(normalized)")
        }
        let eps = try finite("epsilon", default: 1e-5)
        guard eps >= 0 else { throw fail("epsilon must be non-negative") }
        return x
    }

    func pad() throws(PlanError) -> [Int] {
        try arity(1...1)
        let x = inputs[0]
        let pads = try a.ints("pads")
        guard pads.count == 2 * x.count else { throw fail("pads needs \(2 * x.count) entries") }
        guard let mode = PadMode(rawValue: Int64(try a.int("mode", default: 0))) else { throw fail("unknown mode") }
        _ = try finite("value", default: 0)
        var out = x
        for i in 0..<x.count {
            let (b, e) = (pads[i], pads[i + x.count])
            // `magnitude`, not `abs`: abs(Int.min) traps, and any Int64 can arrive from a plan or ONNX file.
            guard b.magnitude <= ShapeInference.maxElements, e.magnitude <= ShapeInference.maxElements else { throw fail("pad out of range") }
            out[i] = x[i] + b + e
            guard out[i] >= 1 else { throw fail("axis \(i) would be empty") }
            if mode == .reflect, b >= x[i] || e >= x[i] { throw fail("reflect pads must be smaller than the dimension") }
            if mode != .constant, b < 0 || e < 0 { throw fail("negative pads need constant mode") }
        }
        return out
    }
}
