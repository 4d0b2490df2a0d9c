import ModelPlan
import Runtime
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct ElementwiseTests {
    struct UnaryCase: CustomTestStringConvertible, Sendable {
        var op: OpCode
        var attributes: [String: Attributes.Value] = [:]
        var reference: @Sendable (Double) -> Double
        var testDescription: String { "\(op.name) \(attributes.keys.sorted())" }
    }

    static let unaryCases: [UnaryCase] = [
        UnaryCase(op: .relu) { max($0, 0) },
        UnaryCase(op: .clip, attributes: ["min": .float(-0.3), "max": .float(0.6)]) { min(max($0, -0.3), 0.6) },
        UnaryCase(op: .clip, attributes: ["max": .float(0.2)]) { min($0, 0.2) },
        UnaryCase(op: .clip) { $0 },
        UnaryCase(op: .leakyRelu) { $0 >= 0 ? $0 : 0.01 * $0 },
        UnaryCase(op: .leakyRelu, attributes: ["alpha": .float(0.3)]) { $0 >= 0 ? $0 : 0.3 * $0 },
        UnaryCase(op: .hardSigmoid) { min(max(0.2 * $0 + 0.5, 0), 1) },
        UnaryCase(op: .hardSigmoid, attributes: ["alpha": .float(0.5), "beta": .float(0.25)]) { min(max(0.5 * $0 + 0.25, 0), 1) },
        UnaryCase(op: .hardSwish) { $0 * min(max($0 / 6 + 0.5, 0), 1) },
        UnaryCase(op: .sigmoid) { 1 / (1 + exp(-$0)) },
        UnaryCase(op: .tanh) { tanh($0) },
        UnaryCase(op: .gelu) { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) },
        UnaryCase(op: .gelu, attributes: ["approximate": .int(1)]) {
            0.5 * $0 * (1 + tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0)))
        },
        UnaryCase(op: .erf) { erf($0) },
        UnaryCase(op: .sqrt) { $0.squareRoot() },
    ]

    @Test(arguments: unaryCases)
    func unaryMatchesReference(_ t: UnaryCase) throws {
        // 2·3·37 elements: SIMD bodies and scalar tails both run. Sqrt gets non-negative inputs.
        let x = random(2 * 3 * 37, seed: 9, bound: 4).map { t.op == .sqrt ? abs($0) : $0 }
        let (_, got, _) = try runSingle(t.op, inputs: [[2, 3, 37]], Attributes(t.attributes), values: [x])
        expectClose(got, x.map { Float(t.reference(Double($0))) }, t.testDescription)
    }

    struct BinaryCase: CustomTestStringConvertible, Sendable {
        var layout: String, a: [Int], b: [Int]
        var testDescription: String { "\(layout): \(a) ⊕ \(b)" }
    }

    static let binaryCases: [BinaryCase] = [
        BinaryCase(layout: "same shape", a: [2, 3, 5, 7], b: [2, 3, 5, 7]),
        BinaryCase(layout: "scalar right", a: [3, 41], b: [1]),
        BinaryCase(layout: "scalar left", a: [], b: [4, 19]),
        BinaryCase(layout: "per-channel right", a: [2, 5, 4, 9], b: [5, 1, 1]),
        BinaryCase(layout: "per-channel left", a: [1, 5, 1, 1], b: [2, 5, 3, 7]),
        BinaryCase(layout: "per-channel no batch", a: [6, 4, 5], b: [6, 1, 1]),
        BinaryCase(layout: "trailing vector right", a: [2, 3, 17], b: [17]),
        BinaryCase(layout: "trailing vector left", a: [1, 19], b: [4, 2, 19]),
        BinaryCase(layout: "general: both broadcast", a: [3, 1, 5], b: [4, 1]),
        BinaryCase(layout: "general: middle axis", a: [2, 1, 6], b: [2, 3, 6]),
        BinaryCase(layout: "general: outer and inner", a: [1, 4, 1, 3], b: [2, 1, 5, 1]),
        BinaryCase(layout: "general: rank 6", a: [2, 1, 3, 1, 2, 5], b: [1, 2, 1, 4, 2, 1]),
    ]

    @Test(arguments: binaryCases, [OpCode.add, .sub, .mul, .div, .pow])
    func binaryBroadcasts(_ t: BinaryCase, _ op: OpCode) throws {
        var b = GraphBuilder(name: "binary")
        let x = try b.input("a", shape: t.a), y = try b.input("b", shape: t.b)
        let out = try b.node(op, [x, y])
        b.output(out)
        // pow needs a positive base; div a divisor away from zero.
        let av = random(t.a.reduce(1, *), seed: 21).map { op == .pow ? abs($0) + 0.1 : $0 }
        let bv = random(t.b.reduce(1, *), seed: 22, bound: 2).map { op == .div ? ($0 < 0 ? $0 - 0.5 : $0 + 0.5) : $0 }
        let got = try run(b.graph, [av, bv])[0]
        let shape = b.shape(of: out)
        let want = (0..<shape.reduce(1, *)).map { flat -> Float in
            let i = multiIndex(flat, shape)
            let (u, v) = (Double(broadcastRead(av, t.a, at: i)), Double(broadcastRead(bv, t.b, at: i)))
            switch op {
            case .add: return Float(u + v)
            case .sub: return Float(u - v)
            case .mul: return Float(u * v)
            case .div: return Float(u / v)
            default: return Float(pow(u, v))
            }
        }
        expectClose(got, want, "\(op.name) \(t.testDescription)")
    }

    @Test func powBySquareAndByConstant() throws {
        let x = random(3 * 29, seed: 12, bound: 2).map { abs($0) + 0.05 }
        for e: Float in [2, 3, 0.5, -1.5] {
            let (_, got, _) = try runSingle(.pow, inputs: [[3, 29]], constants: [([1], [e])], values: [x])
            expectClose(got, x.map { Float(pow(Double($0), Double(e))) }, "x^\(e)")
        }
        // x^2 also for negative bases (the multiply fast path).
        let y = random(40, seed: 13, bound: 3)
        let (_, squares, _) = try runSingle(.pow, inputs: [[40]], constants: [([], [2])], values: [y])
        expectClose(squares, y.map { $0 * $0 }, "x^2")
    }

    @Test(arguments: FusedCase.allCases)
    func batchNormIsPerChannelAffine(_ act: FusedCase) throws {
        for shape in [[2, 5, 3, 7], [3, 11], [1, 4, 9]] {
            let c = shape[1]
            let scale = random(c, seed: 31), shift = random(c, seed: 32)
            let (inputs, got, _) = try runSingle(
                .batchNorm, inputs: [shape], Attributes(act.activation.attributes), constants: [([c], scale), ([c], shift)])
            let inner = shape.dropFirst(2).reduce(1, *)
            let want = inputs[0].indices.map { i -> Float in
                let ch = i / inner % c
                return act.reference(Float(Double(inputs[0][i]) * Double(scale[ch]) + Double(shift[ch])))
            }
            expectClose(got, want, "\(shape) \(act)")
        }
    }
}
