/// Output shapes of each op from its input shapes and attributes. The compiler uses it to
/// build graphs; the decoder re-runs it to check every stored shape, so a plan whose shapes
/// disagree with its ops never reaches a kernel.
public enum ShapeInference {
    /// Upper bound on elements of one tensor (2^31): keeps size arithmetic far from overflow
    /// and refuses absurd allocations from hostile plans.
    public static let maxElements = 1 << 31

    public static func outputShapes(of node: Node, inputs: [[Int]]) throws(PlanError) -> [[Int]] {
        func fail(_ reason: String) -> PlanError { .invalidNode(node: node.name, reason: "\(node.op.name): \(reason)") }
        func arity(_ range: ClosedRange<Int>) throws(PlanError) {
            guard range.contains(inputs.count) else { throw fail("expects \(range) inputs, has \(inputs.count)") }
            guard node.outputs.count == 1 else { throw fail("expects 1 output, has \(node.outputs.count)") }
        }
        let a = node.attributes
        switch node.op {
        case .conv:
            try arity(2...3)
            let x = inputs[0], w = inputs[1]
            guard x.count == 4, w.count == 4 else { throw fail("input and weight must be 4-D") }
            let group = try a.int("group", default: 1)
            guard group >= 1, x[1] % group == 0, w[0] % group == 0 else { throw fail("group \(group) does not divide channels") }
            guard w[1] * group == x[1] else { throw fail("weight has \(w[1]) input channels per group, input has \(x[1]) channels in \(group) groups") }
            if inputs.count == 3, inputs[2] != [w[0]] { throw fail("bias must be [\(w[0])]") }
            _ = try activation(a, fail)
            let (h, wd) = try window(x: x, kernel: [w[2], w[3]], a, fail)
            return [[x[0], w[0], h, wd]]
        case .dense:
            try arity(2...3)
            let x = inputs[0], w = inputs[1]
            guard x.count == 2, w.count == 2, x[1] == w[1] else { throw fail("needs X[N,K] and W[M,K], got \(x) and \(w)") }
            if inputs.count == 3, inputs[2] != [w[0]] { throw fail("bias must be [\(w[0])]") }
            _ = try activation(a, fail)
            return [[x[0], w[0]]]
        case .relu:
            try arity(1...1)
            return [inputs[0]]
        case .add:
            try arity(2...2)
            guard inputs[0] == inputs[1] else { throw fail("shapes differ: \(inputs[0]) and \(inputs[1])") }
            return [inputs[0]]
        case .globalAveragePool:
            try arity(1...1)
            guard inputs[0].count == 4 else { throw fail("input must be 4-D") }
            return [[inputs[0][0], inputs[0][1], 1, 1]]
        case .flatten:
            try arity(1...1)
            let x = inputs[0]
            let axis = try a.int("axis", default: 1)
            guard (0...x.count).contains(axis) else { throw fail("axis \(axis) out of range for rank \(x.count)") }
            return [[x[..<axis].reduce(1, *), x[axis...].reduce(1, *)]]
        case .maxPool, .averagePool:
            try arity(1...1)
            let x = inputs[0]
            guard x.count == 4 else { throw fail("input must be 4-D") }
            let kernel = try a.ints("kernel", count: 2, default: [])
            let (h, w) = try window(x: x, kernel: kernel, a, fail)
            return [[x[0], x[1], h, w]]
        }
    }

    /// Spatial output size of a strided, padded, dilated window over NCHW input.
    static func window(x: [Int], kernel: [Int], _ a: Attributes, _ fail: (String) -> PlanError) throws(PlanError) -> (Int, Int) {
        let strides = try a.ints("strides", count: 2, default: [1, 1])
        let pads = try a.ints("pads", count: 4, default: [0, 0, 0, 0])
        let dilations = try a.ints("dilations", count: 2, default: [1, 1])
        guard kernel.count == 2, kernel.allSatisfy({ 1...4096 ~= $0 }) else { throw fail("kernel must be two sizes in 1...4096") }
        guard strides.allSatisfy({ 1...4096 ~= $0 }), dilations.allSatisfy({ 1...4096 ~= $0 }) else {
            throw fail("strides and dilations must be in 1...4096")
        }
        guard pads.allSatisfy({ 0...4096 ~= $0 }) else { throw fail("pads must be in 0...4096") }
        var out = [0, 0]
        for i in 0..<2 {
            let span = dilations[i] * (kernel[i] - 1) + 1
            let padded = x[2 + i] + pads[i] + pads[i + 2]
            guard padded >= span else { throw fail("window \(span) larger than padded input \(padded)") }
            out[i] = (padded - span) / strides[i] + 1
        }
        return (out[0], out[1])
    }

    static func activation(_ a: Attributes, _ fail: (String) -> PlanError) throws(PlanError) -> FusedActivation {
        let raw = try a.int("activation", default: 0)
        guard let act = FusedActivation(rawValue: Int64(raw)) else { throw fail("unknown fused activation \(raw)") }
        return act
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
