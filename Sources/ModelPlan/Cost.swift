/// Static cost of a graph: what a model asks of a board before anything is measured.
public struct GraphCost: Sendable, Equatable, Codable {
    /// Multiply-accumulates (FLOPs ≈ 2 × MACs).
    public var macs: Int64
    public var parameters: Int64
    public var weightBytes: Int64
    public var opCounts: [String: Int]

    public init(_ g: Graph) {
        var macs: Int64 = 0
        var counts: [String: Int] = [:]
        for n in g.nodes {
            counts[n.op.name, default: 0] += 1
            let out = g.tensors[n.outputs[0]].shape
            switch n.op {
            case .conv:
                let w = g.tensors[n.inputs[1]].shape
                macs += Int64(out.reduce(1, *)) * Int64(w[1] * w[2] * w[3])
            case .convTranspose:
                // Every input element meets every tap of its group's filters.
                let w = g.tensors[n.inputs[1]].shape
                macs += Int64(g.tensors[n.inputs[0]].elementCount) * Int64(w[1] * w[2] * w[3])
            case .dense:
                macs += Int64(out.reduce(1, *)) * Int64(g.tensors[n.inputs[1]].shape[1])
            case .matMul:
                let a = g.tensors[n.inputs[0]].shape
                macs += Int64(out.reduce(1, *)) * Int64(a[a.count - 1])
            default:
                break
            }
        }
        let constants = g.tensors.filter { $0.constant != nil }
        self.macs = macs
        parameters = Int64(constants.reduce(0) { $0 + $1.elementCount })
        weightBytes = Int64(constants.reduce(0) { $0 + $1.byteCount })
        opCounts = counts
    }
}
