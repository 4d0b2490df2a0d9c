import ModelPlan
import Runtime
import Testing

@Suite struct GemmTests {
    @Test(arguments: FusedCase.allCases)
    func denseOverLeadingRows(_ act: FusedCase) throws {
        let (k, m) = (13, 11)
        let wv = random(m * k, seed: 2), bv = random(m, seed: 3)
        let (inputs, got, shape) = try runSingle(
            .dense, inputs: [[2, 3, k]], Attributes(act.activation.attributes), constants: [([m, k], wv), ([m], bv)])
        #expect(shape == [2, 3, m])
        var want: [Float] = []
        for row in 0..<6 {
            for j in 0..<m {
                var acc = Double(bv[j])
                for i in 0..<k { acc += Double(inputs[0][row * k + i]) * Double(wv[j * k + i]) }
                want.append(act.reference(Float(acc)))
            }
        }
        expectClose(got, want, "dense \(act)")
    }

    @Test func denseWithoutBiasOnAVector() throws {
        let wv = random(5 * 9, seed: 4)
        let (inputs, got, shape) = try runSingle(.dense, inputs: [[9]], constants: [([5, 9], wv)])
        #expect(shape == [5])
        var want: [Float] = []
        for j in 0..<5 {
            var acc = 0.0
            for i in 0..<9 { acc += Double(inputs[0][i]) * Double(wv[j * 9 + i]) }
            want.append(Float(acc))
        }
        expectClose(got, want)
    }

    struct MatMulCase: CustomTestStringConvertible, Sendable {
        var a: [Int], b: [Int]
        var testDescription: String { "\(a) x \(b)" }
    }

    static let matMulCases = [
        MatMulCase(a: [5, 7], b: [7, 3]),
        MatMulCase(a: [2, 3, 4, 5], b: [2, 3, 5, 6]),
        MatMulCase(a: [2, 3, 4, 5], b: [5, 6]),
        MatMulCase(a: [4, 5], b: [3, 5, 2]),
        MatMulCase(a: [2, 1, 4, 5], b: [3, 5, 2]),
        MatMulCase(a: [1, 3, 4, 5], b: [2, 1, 5, 3]),
    ]

    @Test(arguments: matMulCases)
    func matMulBroadcastsBatches(_ t: MatMulCase) throws {
        let (inputs, got, shape) = try runSingle(.matMul, inputs: [t.a, t.b])
        expectClose(got, referenceMatMul(inputs[0], t.a, inputs[1], t.b, shape) { $0 }, t.testDescription)
    }

    @Test(arguments: FusedCase.allCases)
    func matMulFusedActivation(_ act: FusedCase) throws {
        let (a, b) = ([2, 3, 4, 5], [5, 6])
        let (inputs, got, shape) = try runSingle(.matMul, inputs: [a, b], Attributes(act.activation.attributes))
        expectClose(got, referenceMatMul(inputs[0], a, inputs[1], b, shape, act.reference), "\(act)")
    }

    func referenceMatMul(
        _ x: [Float], _ sa: [Int], _ y: [Float], _ sb: [Int], _ so: [Int], _ act: (Float) -> Float
    ) -> [Float] {
        let k = sa[sa.count - 1]
        var out = [Float](repeating: 0, count: so.reduce(1, *))
        for flat in out.indices {
            let idx = multiIndex(flat, so)
            let (i, j) = (idx[idx.count - 2], idx[idx.count - 1])
            var acc = 0.0
            for p in 0..<k {
                var ia = Array(idx.dropLast(2)) + [i, p], ib = Array(idx.dropLast(2)) + [p, j]
                ia = Array(ia.suffix(sa.count)).enumerated().map { sa[$0.offset] == 1 ? 0 : $0.element }
                ib = Array(ib.suffix(sb.count)).enumerated().map { sb[$0.offset] == 1 ? 0 : $0.element }
                acc += Double(x[flatIndex(ia, sa)]) * Double(y[flatIndex(ib, sb)])
            }
            out[flat] = act(Float(acc))
        }
        return out
    }
}
