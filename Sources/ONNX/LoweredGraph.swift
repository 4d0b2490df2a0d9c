import ModelPlan

/// The importer's working graph: plan ops whose constant operands are still values rather
/// than bytes, so that folding BatchNormalization into a convolution or a bias into a dense
/// layer rewrites constants before any byte of the weights is laid out.
struct LoweredGraph {
    struct Value {
        var name: String
        var shape: [Int]
    }

    enum Operand: Equatable {
        case value(Int)
        case constant(Int)
    }

    struct LNode {
        var op: OpCode
        var name: String
        var inputs: [Operand]
        var outputs: [Int]
        var attributes: Attributes
    }

    var name: String
    var values: [Value] = []
    var constants: [(name: String, tensor: ConstTensor)] = []
    var nodes: [LNode] = []
    var inputs: [Int] = []
    var outputs: [Int] = []
    /// Producing node of each value (graph inputs have none).
    var producer: [Int: Int] = [:]

    init(name: String) { self.name = name }

    mutating func addInput(_ name: String, shape: [Int]) -> Int {
        values.append(Value(name: name, shape: shape))
        inputs.append(values.count - 1)
        return values.count - 1
    }

    mutating func addConstant(_ name: String, _ t: ConstTensor) -> Operand {
        constants.append((name, t))
        return .constant(constants.count - 1)
    }

    func shape(_ o: Operand) -> [Int] {
        switch o {
        case .value(let v): values[v].shape
        case .constant(let c): constants[c].tensor.shape
        }
    }

    /// Appends a node, inferring its output shapes with the plan's own shape rules, so
    /// anything the validator would refuse is refused here, at the node that caused it.
    mutating func add(_ op: OpCode, _ inputs: [Operand], _ attributes: Attributes, name: String, outputs names: [String]) throws(PlanError) -> [Int] {
        let probe = Node(op: op, name: name, inputs: inputs.indices.map { $0 }, outputs: names.indices.map { $0 }, attributes: attributes)
        let shapes = try ShapeInference.outputShapes(of: probe, inputs: inputs.map { shape($0) })
        var outs: [Int] = []
        for (n, s) in zip(names, shapes) {
            try ShapeInference.checkShape(s, tensor: n)
            values.append(Value(name: n, shape: s))
            outs.append(values.count - 1)
            producer[values.count - 1] = nodes.count
        }
        nodes.append(LNode(op: op, name: name, inputs: inputs, outputs: outs, attributes: attributes))
        return outs
    }

    /// Number of operands across live nodes that read constant `c`.
    func uses(ofConstant c: Int) -> Int {
        nodes.reduce(0) { $0 + $1.inputs.filter { $0 == .constant(c) }.count }
    }

    /// Drops nodes none of whose outputs reach a graph output.
    mutating func removeDeadNodes() {
        var live = Set(outputs)
        var keep = [Bool](repeating: false, count: nodes.count)
        for i in stride(from: nodes.count - 1, through: 0, by: -1) where nodes[i].outputs.contains(where: live.contains) {
            keep[i] = true
            for case .value(let v) in nodes[i].inputs { live.insert(v) }
        }
        nodes = nodes.indices.filter { keep[$0] }.map { nodes[$0] }
    }

    /// Lays the graph out as a plan graph: inputs, then per node its constants (first use
    /// first, each 64-byte aligned) and outputs. Deterministic for a given lowered graph.
    func emit(metadata: [String: String]) throws(PlanError) -> Graph {
        var tensors: [TensorInfo] = []
        var weights: [UInt8] = []
        var valueIndex: [Int: Int] = [:]
        var constantIndex: [Int: Int] = [:]
        var usedNames: Set<String> = []
        func unique(_ n: String) -> String {
            var candidate = n.isEmpty ? "t" : n
            var k = 1
            while usedNames.contains(candidate) {
                candidate = "\(n)#\(k)"
                k += 1
            }
            usedNames.insert(candidate)
            return candidate
        }
        for v in inputs {
            valueIndex[v] = tensors.count
            tensors.append(TensorInfo(name: unique(values[v].name), shape: values[v].shape))
        }
        var planNodes: [Node] = []
        for n in nodes {
            var ins: [Int] = []
            for operand in n.inputs {
                switch operand {
                case .value(let v):
                    guard let i = valueIndex[v] else { throw .invalidGraph("value \(values[v].name) used before it is produced") }
                    ins.append(i)
                case .constant(let c):
                    if let i = constantIndex[c] {
                        ins.append(i)
                        continue
                    }
                    while weights.count % 64 != 0 { weights.append(0) }
                    let t = constants[c].tensor
                    let offset = weights.count
                    weights.reserveCapacity(offset + t.count * 4)
                    for f in t.floats { withUnsafeBytes(of: f.bitPattern.littleEndian) { weights.append(contentsOf: $0) } }
                    constantIndex[c] = tensors.count
                    ins.append(tensors.count)
                    tensors.append(
                        TensorInfo(name: unique(constants[c].name), shape: t.shape, constant: ByteRange(offset: offset, count: t.count * 4)))
                }
            }
            var outs: [Int] = []
            for v in n.outputs {
                valueIndex[v] = tensors.count
                outs.append(tensors.count)
                tensors.append(TensorInfo(name: unique(values[v].name), shape: values[v].shape))
            }
            planNodes.append(Node(op: n.op, name: n.name, inputs: ins, outputs: outs, attributes: n.attributes))
        }
        var outs: [Int] = []
        for v in outputs {
            guard let i = valueIndex[v] else { throw .invalidGraph("graph output \(values[v].name) is not computed by any node") }
            outs.append(i)
        }
        let g = Graph(
            name: name, metadata: metadata, tensors: tensors, nodes: planNodes, inputs: inputs.map { valueIndex[$0]! }, outputs: outs,
            weights: weights)
        try GraphValidator.validate(g)
        return g
    }
}
