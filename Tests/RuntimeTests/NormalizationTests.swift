import ModelPlan
import Runtime
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct NormalizationTests {
    @Test(arguments: [0, 1, 2, 3])
    func softmaxAlongEachAxis(_ axis: Int) throws {
        let shape = [2, 3, 11, 9]
        let (inputs, got, _) = try runSingle(.softmax, inputs: [shape], Attributes(["axis": .int(Int64(axis))]), bound: 6)
        let x = inputs[0]
        let want = x.indices.map { flat -> Float in
            var idx = multiIndex(flat, shape)
            let along = (0..<shape[axis]).map { k -> Double in
                idx[axis] = k
                return Double(x[flatIndex(idx, shape)])
            }
            let m = along.max()!
            return Float(exp(Double(x[flat]) - m) / along.reduce(0) { $0 + exp($1 - m) })
        }
        expectClose(got, want, "axis \(axis)")
    }

    /// Attention rows (ViT's 197 tokens): many vectors of eight, then a tail of five.
    @Test func softmaxOfLongContiguousRows() throws {
        let (inputs, got, _) = try runSingle(.softmax, inputs: [[3, 197]], Attributes(["axis": .int(1)]), bound: 8)
        let want = (0..<3).flatMap { row -> [Float] in
            let x = inputs[0][(row * 197)..<(row * 197 + 197)].map(Double.init)
            let m = x.max()!, total = x.reduce(0) { $0 + exp($1 - m) }
            return x.map { Float(exp($0 - m) / total) }
        }
        expectClose(got, want)
    }

    @Test func softmaxOfLargeValuesStaysFinite() throws {
        let x: [Float] = [1000, 1001, 1002, -1000]
        let (_, got, _) = try runSingle(.softmax, inputs: [[1, 4]], Attributes(["axis": .int(1)]), values: [x])
        let e = [exp(-2.0), exp(-1.0), 1.0, 0]
        expectClose(got, e.map { Float($0 / e.reduce(0, +)) })
    }

    @Test(arguments: [[3], [1, 2], [0, 3], [2], [0, 1, 2, 3], [1]], [0, 1])
    func reduceMeanOverAxes(_ axes: [Int], _ keep: Int) throws {
        let shape = [2, 5, 3, 13]
        let (inputs, got, out) = try runSingle(.reduceMean, inputs: [shape], Attributes(["axes": ints(axes), "keepdims": .int(Int64(keep))]))
        let kept = shape.indices.map { axes.contains($0) ? 1 : shape[$0] }
        #expect(out == (keep == 1 ? kept : kept.indices.filter { !axes.contains($0) }.map { shape[$0] }))
        var sums = [Double](repeating: 0, count: kept.reduce(1, *))
        for flat in inputs[0].indices {
            let idx = multiIndex(flat, shape)
            sums[flatIndex(idx.indices.map { axes.contains($0) ? 0 : idx[$0] }, kept)] += Double(inputs[0][flat])
        }
        let count = Double(axes.map { shape[$0] }.reduce(1, *))
        expectClose(got, sums.map { Float($0 / count) }, "axes \(axes) keepdims \(keep)")
    }

    @Test(arguments: [3, 2, 1], [true, false])
    func layerNormOverTrailingAxes(_ axis: Int, _ withBias: Bool) throws {
        // Axis 3 is ONNX's axis −1 on this rank-4 input, axis 2 is −2.
        let shape = [2, 3, 5, 19]
        let normalized = Array(shape[axis...]), size = normalized.reduce(1, *)
        let scale = random(size, seed: 41), bias = random(size, seed: 42)
        let constants = [(normalized, scale)] + (withBias ? [(normalized, bias)] : [])
        let a = Attributes(["axis": .int(Int64(axis)), "epsilon": .float(1e-3)])
        let (inputs, got, _) = try runSingle(.layerNorm, inputs: [shape], a, constants: constants, bound: 3)
        var want: [Float] = []
        for row in 0..<(inputs[0].count / size) {
            let v = inputs[0][(row * size)..<((row + 1) * size)].map(Double.init)
            let mean = v.reduce(0, +) / Double(size)
            let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(size)
            for (i, x) in v.enumerated() {
                want.append(Float((x - mean) / (variance + 1e-3).squareRoot() * Double(scale[i]) + (withBias ? Double(bias[i]) : 0)))
            }
        }
        expectClose(got, want, "axis \(axis) bias \(withBias)")
    }
}
