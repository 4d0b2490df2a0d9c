/// Checks a decoded (or built) graph completely before anything may execute it:
/// indices in range, shapes bounded, constants inside the weights, each activation produced
/// exactly once and before use (so no cycles), and every stored shape equal to the inferred one.
public enum GraphValidator {
    public static func validate(_ g: Graph) throws(PlanError) {
        let n = g.tensors.count
        guard n > 0, !g.inputs.isEmpty, !g.outputs.isEmpty else { throw .invalidGraph("needs tensors, inputs and outputs") }
        for t in g.tensors {
            try ShapeInference.checkShape(t.shape, tensor: t.name)
            if let c = t.constant {
                guard c.offset >= 0, c.count == t.byteCount, c.offset % 64 == 0,
                    c.offset <= g.weights.count, c.count <= g.weights.count - c.offset
                else { throw .invalidGraph("constant \(t.name) lies outside the weights or is misaligned") }
            }
        }
        if let problem = WeightFill.firstProblem(in: g.generatedWeights, weightsSize: g.weights.count) { throw .invalidGraph(problem) }
        var defined = [Bool](repeating: false, count: n)
        for (i, t) in g.tensors.enumerated() where t.constant != nil { defined[i] = true }
        for i in g.inputs {
            guard 0 <= i, i < n, !defined[i] else { throw .invalidGraph("graph input index \(i) is invalid or a constant") }
            guard g.tensors[i].dataType == .float32 else { throw .invalidGraph("graph input \(g.tensors[i].name) must be float32") }
            defined[i] = true
        }
        for node in g.nodes {
            for i in node.inputs + node.outputs where !(0 <= i && i < n) {
                throw .invalidNode(node: node.name, reason: "tensor index \(i) out of range")
            }
            for i in node.inputs where !defined[i] {
                throw .invalidNode(node: node.name, reason: "input \(g.tensors[i].name) is used before it is produced")
            }
            let shapes = try ShapeInference.outputShapes(of: node, inputs: node.inputs.map { g.tensors[$0].shape })
            for (o, shape) in zip(node.outputs, shapes) {
                guard !defined[o] else { throw .invalidNode(node: node.name, reason: "output \(g.tensors[o].name) is produced twice") }
                guard g.tensors[o].shape == shape, g.tensors[o].dataType == .float32 else {
                    throw .invalidNode(node: node.name, reason: "output \(g.tensors[o].name) stored as \(g.tensors[o].shape), ops give \(shape)")
                }
                defined[o] = true
            }
            try requireConstantWeights(node, g)
        }
        for o in g.outputs where !(0 <= o && o < n && defined[o]) {
            throw .invalidGraph("graph output index \(o) is never produced")
        }
    }

    /// Every operand is float32; kernels pre-pack weights at load, so the parameters of conv,
    /// dense and normalisation ops must be constants.
    private static func requireConstantWeights(_ node: Node, _ g: Graph) throws(PlanError) {
        for i in node.inputs where g.tensors[i].dataType != .float32 {
            throw .invalidNode(node: node.name, reason: "operand \(g.tensors[i].name) is not float32")
        }
        switch node.op {
        case .conv, .convTranspose, .dense, .batchNorm, .layerNorm: break
        default: return
        }
        for i in node.inputs.dropFirst() where g.tensors[i].constant == nil {
            throw .invalidNode(node: node.name, reason: "weights, scales and biases must be constants")
        }
    }
}
