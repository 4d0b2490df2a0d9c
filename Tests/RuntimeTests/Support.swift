import ModelPlan
import Runtime
import Testing

/// Runs `graph` (after a round trip through the plan codec, which validates it) on `inputs`
/// and returns every output.
func run(_ graph: Graph, _ inputs: [[Float]], threads: Int = 1, gemm: GemmBackend = .automatic) throws -> [[Float]] {
    let g = try PlanCodec.decode(try PlanCodec.encode(graph))
    let exec = Executor(graph: g, threads: threads, gemm: gemm)
    for (i, values) in inputs.enumerated() { try exec.setInput(i, values) }
    exec.execute()
    return g.outputs.indices.map { exec.output($0) }
}

/// Builds a one-node graph over fresh inputs of `shapes` and runs it on seeded random values.
/// Returns the inputs and the first output.
func runSingle(
    _ op: OpCode, inputs shapes: [[Int]], _ attributes: Attributes = Attributes(), constants: [(shape: [Int], values: [Float])] = [],
    seed: UInt64 = 1, bound: Float = 1, values given: [[Float]]? = nil, threads: Int = 1, gemm: GemmBackend = .automatic
) throws -> (inputs: [[Float]], output: [Float], shape: [Int]) {
    var b = GraphBuilder(name: op.name)
    var operands: [Int] = []
    for (i, s) in shapes.enumerated() { operands.append(try b.input("x\(i)", shape: s)) }
    for (i, c) in constants.enumerated() { operands.append(try b.constant("c\(i)", shape: c.shape, values: c.values)) }
    let y = try b.node(op, operands, attributes)
    b.output(y)
    let values = given ?? shapes.enumerated().map { random($0.element.reduce(1, *), seed: seed &+ UInt64($0.offset), bound: bound) }
    return (values, try run(b.graph, values, threads: threads, gemm: gemm)[0], b.shape(of: y))
}

func random(_ count: Int, seed: UInt64, bound: Float = 1) -> [Float] {
    var rng = SeededRandom(seed: seed)
    return (0..<count).map { _ in rng.nextFloat(bound: bound) }
}

/// The comparison used against ONNX Runtime: |got − want| ≤ 1e-5 + 1e-4·|want|.
func expectClose(_ got: [Float], _ want: [Float], _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.count == want.count, "\(what): \(got.count) values, expected \(want.count)", sourceLocation: sourceLocation)
    var bad: [String] = []
    for i in 0..<min(got.count, want.count) where !(abs(got[i] - want[i]) <= 1e-5 + 1e-4 * abs(want[i])) {
        bad.append("[\(i)] got \(got[i]) want \(want[i])")
    }
    let mismatches = bad.count, first = bad.prefix(4).joined(separator: ", ")
    #expect(mismatches == 0, "\(what): first mismatches \(first)", sourceLocation: sourceLocation)
}

func ints(_ v: [Int]) -> Attributes.Value { .ints(v.map { Int64($0) }) }

/// Row-major multi-index of a flat index.
func multiIndex(_ flat: Int, _ shape: [Int]) -> [Int] {
    var rest = flat
    var index = [Int](repeating: 0, count: shape.count)
    for d in shape.indices.reversed() {
        index[d] = rest % shape[d]
        rest /= shape[d]
    }
    return index
}

func flatIndex(_ index: [Int], _ shape: [Int]) -> Int {
    var flat = 0
    for d in shape.indices { flat = flat * shape[d] + index[d] }
    return flat
}

/// NumPy broadcasting: the element of a tensor of `shape` read at output `index`.
func broadcastRead(_ values: [Float], _ shape: [Int], at index: [Int]) -> Float {
    let offset = index.count - shape.count
    let own = shape.indices.map { shape[$0] == 1 ? 0 : index[$0 + offset] }
    return values[flatIndex(own, shape)]
}

/// The fused activations, written out independently of `Activation.apply`.
enum FusedCase: String, CaseIterable, Sendable {
    case none, relu, clip, leakyRelu, hardSwish, hardSigmoid, sigmoid

    var activation: Activation {
        switch self {
        case .none: .identity
        case .relu: .relu
        case .clip: Activation(kind: .clip, min: -0.25, max: 0.5)
        case .leakyRelu: Activation(kind: .leakyRelu, alpha: 0.1)
        case .hardSwish: .hardSwish
        case .hardSigmoid: Activation(kind: .hardSigmoid, alpha: 0.3, beta: 0.4)
        case .sigmoid: Activation(kind: .sigmoid)
        }
    }

    func reference(_ x: Float) -> Float {
        let v = Double(x)
        let r: Double
        switch self {
        case .none: r = v
        case .relu: r = v > 0 ? v : 0
        case .clip: r = v < -0.25 ? -0.25 : (v > 0.5 ? 0.5 : v)
        case .leakyRelu: r = v >= 0 ? v : 0.1 * v
        case .hardSwish: r = v * Swift.min(1, Swift.max(0, v / 6 + 0.5))
        case .hardSigmoid: r = Swift.min(1, Swift.max(0, 0.3 * v + 0.4))
        case .sigmoid: r = 1 / (1 + _exp(-v))
        }
        return Float(r)
    }
}

#if canImport(Glibc)
    import Glibc
    func _exp(_ x: Double) -> Double { exp(x) }
#endif
