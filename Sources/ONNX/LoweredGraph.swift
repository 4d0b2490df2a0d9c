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
    /// Names given to nodes so far, so that importers keep them unique.
    private(set) var nodeNames: Set<String> = []

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
        nodeNames.insert(name)
        return outs
    }

    /// Replaces the erf form of GELU that exporters emit, x · 0.5 · (1 + erf(x / √2)) in its
    /// usual orders (Div by √2 or Mul by 1/√2; the 0.5 applied first or last), with one Gelu
    /// node, when no intermediate value is read elsewhere.
    mutating func fuseGelu() {
        var uses: [Int: Int] = [:]
        var consumers: [Int: [Int]] = [:]
        for (i, n) in nodes.enumerated() {
            for case .value(let v) in n.inputs {
                uses[v, default: 0] += 1
                consumers[v, default: []].append(i)
            }
        }
        for o in outputs { uses[o, default: 0] += 1 }
        func scalar(_ o: Operand) -> Float? {
            guard case .constant(let c) = o, constants[c].tensor.count == 1 else { return nil }
            return constants[c].tensor.floats[0]
        }
        func near(_ o: Operand, _ target: Float) -> Bool { scalar(o).map { abs($0 - target) <= 1e-6 * max(1, abs(target)) } ?? false }
        /// The single node reading `v` (nil if none, several, or `v` is a graph output).
        func soleConsumer(_ v: Int) -> Int? {
            guard uses[v] == 1, let c = consumers[v], c.count == 1 else { return nil }
            return c[0]
        }
        /// For a binary node with one constant operand, the other operand.
        func other(_ n: LNode, besides constant: (Operand) -> Bool) -> Operand? {
            guard n.inputs.count == 2 else { return nil }
            if constant(n.inputs[1]) { return n.inputs[0] }
            if n.op != .div, constant(n.inputs[0]) { return n.inputs[1] }
            return nil
        }
        var removed = Set<Int>()
        var replacements: [Int: LNode] = [:]
        for (e, erf) in nodes.enumerated() where erf.op == .erf && !removed.contains(e) {
            guard case .value(let scaled) = erf.inputs[0], let scale = producer[scaled], uses[scaled] == 1 else { continue }
            let s = nodes[scale]
            let x: Operand?
            switch s.op {
            case .div: x = other(s) { near($0, Float(2.0.squareRoot())) }
            case .mul: x = other(s) { near($0, Float(0.5.squareRoot())) }
            default: x = nil
            }
            guard let x, case .value(let xv) = x, let add = soleConsumer(erf.outputs[0]), nodes[add].op == .add,
                other(nodes[add], besides: { near($0, 1) }) == .value(erf.outputs[0]), let m = soleConsumer(nodes[add].outputs[0]),
                nodes[m].op == .mul, nodes[m].inputs.count == 2
            else { continue }
            let partner = nodes[m].inputs[0] == .value(nodes[add].outputs[0]) ? nodes[m].inputs[1] : nodes[m].inputs[0]
            var chain = [scale, e, add, m]
            let final: Int
            if partner == .value(xv), let half = soleConsumer(nodes[m].outputs[0]), nodes[half].op == .mul,
                other(nodes[half], besides: { near($0, 0.5) }) == .value(nodes[m].outputs[0])
            {
                final = half  // (x · (1 + erf)) · 0.5
            } else if case .value(let h) = partner, let hp = producer[h], uses[h] == 1, nodes[hp].op == .mul,
                other(nodes[hp], besides: { near($0, 0.5) }) == .value(xv)
            {
                chain.append(hp)  // (x · 0.5) · (1 + erf)
                final = m
            } else {
                continue
            }
            chain.append(final)
            removed.formUnion(chain)
            replacements[final] = LNode(
                op: .gelu, name: nodes[final].name, inputs: [.value(xv)], outputs: nodes[final].outputs, attributes: Attributes(["approximate": .int(0)]))
        }
        guard !removed.isEmpty else { return }
        nodes = nodes.indices.compactMap { i in replacements[i] ?? (removed.contains(i) ? nil : nodes[i]) }
        producer = [:]
        for (i, n) in nodes.enumerated() { for o in n.outputs { producer[o] = i } }
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
