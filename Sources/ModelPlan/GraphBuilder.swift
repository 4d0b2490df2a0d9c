/// Builds graphs op by op, inferring each output shape as it goes. Front ends (built-in
/// models, search-space specs, ONNX) all produce graphs through it.
public struct GraphBuilder {
    public private(set) var graph: Graph
    private var rng: SeededRandom
    private var counter = 0
    private let recordsFills: Bool

    /// With `generatedWeights`, each random constant draws one seed from the builder's
    /// generator, is filled from that seed and is recorded in `Graph.generatedWeights`, so its
    /// plan stores the seed instead of the bytes (format version 2). The weights then differ
    /// from those of a builder without it, whose constants draw every value from its generator.
    public init(name: String, seed: UInt64 = 0x426F_6172_6442_656E, generatedWeights: Bool = false) {
        graph = Graph(name: name, tensors: [], nodes: [], inputs: [], outputs: [], weights: [])
        rng = SeededRandom(seed: seed)
        recordsFills = generatedWeights
    }

    public func shape(of tensor: Int) -> [Int] { graph.tensors[tensor].shape }

    public mutating func input(_ name: String, shape: [Int]) throws(PlanError) -> Int {
        try ShapeInference.checkShape(shape, tensor: name)
        graph.tensors.append(TensorInfo(name: name, shape: shape))
        graph.inputs.append(graph.tensors.count - 1)
        return graph.tensors.count - 1
    }

    public mutating func output(_ tensor: Int) { graph.outputs.append(tensor) }

    /// A float32 constant; its bytes start at a 64-byte boundary in the weights.
    public mutating func constant(_ name: String, shape: [Int], values: [Float]) throws(PlanError) -> Int {
        try ShapeInference.checkShape(shape, tensor: name)
        guard values.count == shape.reduce(1, *) else { throw .invalidGraph("constant \(name) has \(values.count) values for shape \(shape)") }
        while graph.weights.count % 64 != 0 { graph.weights.append(0) }
        let offset = graph.weights.count
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { graph.weights.append(contentsOf: $0) } }
        graph.tensors.append(TensorInfo(name: name, shape: shape, constant: ByteRange(offset: offset, count: values.count * 4)))
        return graph.tensors.count - 1
    }

    /// A constant of seeded uniform values in ±sqrt(6 / fanIn) (He-uniform keeps activations bounded).
    public mutating func randomConstant(_ name: String, shape: [Int], fanIn: Int) throws(PlanError) -> Int {
        try ShapeInference.checkShape(shape, tensor: name)
        let bound = Float((6.0 / Double(max(fanIn, 1))).squareRoot())
        let count = shape.reduce(1, *)
        guard recordsFills else {
            let values = (0..<count).map { _ in rng.nextFloat(bound: bound) }
            return try constant(name, shape: shape, values: values)
        }
        var fill = WeightFill(offset: 0, count: count, seed: rng.next(), bound: bound)
        let tensor = try constant(name, shape: shape, values: fill.values())
        // `constant` appends the values last, so they end the weights.
        fill.offset = graph.weights.count - fill.byteCount
        graph.generatedWeights.append(fill)
        return tensor
    }

    /// Appends a node and returns its single output.
    public mutating func node(_ op: OpCode, _ inputs: [Int], _ attributes: Attributes = Attributes(), name: String? = nil) throws(PlanError) -> Int {
        counter += 1
        let nodeName = name ?? "\(op.name.lowercased())_\(counter)"
        let probe = Node(op: op, name: nodeName, inputs: inputs, outputs: [graph.tensors.count], attributes: attributes)
        let shapes = try ShapeInference.outputShapes(of: probe, inputs: inputs.map { graph.tensors[$0].shape })
        graph.tensors.append(TensorInfo(name: "\(nodeName):0", shape: shapes[0]))
        graph.nodes.append(probe)
        return graph.tensors.count - 1
    }

    /// Appends a node with several outputs (Split) and returns them.
    public mutating func node(
        _ op: OpCode, _ inputs: [Int], _ attributes: Attributes = Attributes(), outputs count: Int, name: String? = nil
    ) throws(PlanError) -> [Int] {
        counter += 1
        let nodeName = name ?? "\(op.name.lowercased())_\(counter)"
        let first = graph.tensors.count
        let probe = Node(op: op, name: nodeName, inputs: inputs, outputs: Array(first..<first + count), attributes: attributes)
        let shapes = try ShapeInference.outputShapes(of: probe, inputs: inputs.map { graph.tensors[$0].shape })
        for (i, shape) in shapes.enumerated() { graph.tensors.append(TensorInfo(name: "\(nodeName):\(i)", shape: shape)) }
        graph.nodes.append(probe)
        return probe.outputs
    }

    /// Convolution with seeded weights and bias; `pad` nil means "same" padding for odd kernels.
    public mutating func conv(
        _ x: Int, outChannels: Int, kernel: Int, stride: Int = 1, group: Int = 1, pad: Int? = nil,
        activation: Activation = .identity
    ) throws(PlanError) -> Int {
        let inChannels = shape(of: x)[1]
        let p = pad ?? kernel / 2
        counter += 1
        let base = "conv\(counter)"
        let w = try randomConstant("\(base).weight", shape: [outChannels, inChannels / group, kernel, kernel], fanIn: inChannels / group * kernel * kernel)
        let b = try randomConstant("\(base).bias", shape: [outChannels], fanIn: 1000)
        var a = Attributes()
        a["strides"] = .ints([Int64(stride), Int64(stride)])
        a["pads"] = .ints([Int64(p), Int64(p), Int64(p), Int64(p)])
        a["group"] = .int(Int64(group))
        a.values.merge(activation.attributes) { $1 }
        return try node(.conv, [x, w, b], a, name: base)
    }

    public mutating func dense(_ x: Int, outFeatures: Int, activation: Activation = .identity) throws(PlanError) -> Int {
        let inFeatures = shape(of: x)[1]
        counter += 1
        let base = "dense\(counter)"
        let w = try randomConstant("\(base).weight", shape: [outFeatures, inFeatures], fanIn: inFeatures)
        let b = try randomConstant("\(base).bias", shape: [outFeatures], fanIn: 1000)
        return try node(.dense, [x, w, b], Attributes(activation.attributes), name: base)
    }
}
