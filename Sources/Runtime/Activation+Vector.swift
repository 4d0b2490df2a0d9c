import ModelPlan

extension Activation {
    /// `dst[i] = apply(src[i] + bias)` for `count` elements (`dst` may equal `src`). The SIMD
    /// forms below compute exactly what the scalar reference `apply` computes; sigmoid goes
    /// lane by lane through the reference itself.
    @inline(__always)
    func run(_ src: UnsafeMutablePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, bias: Float = 0) {
        switch kind {
        case .none:
            if bias == 0 {
                if src != dst { dst.update(from: src, count: count) }
            } else {
                map(src, dst, count, bias) { $0 }
            }
        case .relu:
            map(src, dst, count, bias) { $0.replacing(with: 0, where: $0 .< 0) }
        case .clip:
            let lo = Float8(repeating: min), hi = Float8(repeating: max)
            map(src, dst, count, bias) { v in
                let a = v.replacing(with: lo, where: v .< lo)
                return a.replacing(with: hi, where: a .> hi)
            }
        case .leakyRelu:
            let a = alpha
            map(src, dst, count, bias) { $0.replacing(with: $0 * a, where: $0 .< 0) }
        case .hardSwish:
            map(src, dst, count, bias) { v in
                let g = v / 6 + 0.5
                return v * g.replacing(with: 0, where: g .< 0).replacing(with: 1, where: g .> 1)
            }
        case .hardSigmoid:
            let a = alpha, b = beta
            map(src, dst, count, bias) { v in
                let g = a * v + b
                return g.replacing(with: 0, where: g .< 0).replacing(with: 1, where: g .> 1)
            }
        case .sigmoid:
            for i in 0..<count { dst[i] = apply(src[i] + bias) }
        }
    }

    /// In place over a row, adding a per-element bias vector (dense's epilogue).
    @inline(__always)
    func run(_ row: UnsafeMutablePointer<Float>, count: Int, biasVector b: UnsafeMutablePointer<Float>) {
        var i = 0
        while i + 8 <= count {
            row.store8(row.load8(i) + b.load8(i), i)
            i += 8
        }
        while i < count {
            row[i] += b[i]
            i += 1
        }
        if kind != .none { run(row, row, count: count) }
    }

    @inline(__always)
    private func map(
        _ src: UnsafeMutablePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ count: Int, _ bias: Float,
        _ vector: (Float8) -> Float8
    ) {
        let b = Float8(repeating: bias)
        var i = 0
        while i + 8 <= count {
            dst.store8(vector(src.load8(i) + b), i)
            i += 8
        }
        while i < count {
            dst[i] = apply(src[i] + bias)
            i += 1
        }
    }
}
