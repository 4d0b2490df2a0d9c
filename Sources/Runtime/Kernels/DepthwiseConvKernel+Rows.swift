import ModelPlan

/// The output side of the depthwise kernel: eight outputs of a row at a time, every tap's
/// weight broadcast once per plane, partial sums per kernel row to shorten the add chain.
extension DepthwiseConvKernel {
    /// All output rows of one plane from its padded input, bias and activation included.
    func rows(_ src: UnsafeMutablePointer<Float>, oc: Int, into dst: UnsafeMutablePointer<Float>) {
        let a = p.activation
        switch a.kind {
        case .none: rows(src, oc, dst, Identity())
        case .relu: rows(src, oc, dst, ReLU())
        case .clip: rows(src, oc, dst, Clip(lo: Float8(repeating: a.min), hi: Float8(repeating: a.max)))
        case .leakyRelu: rows(src, oc, dst, LeakyReLU(alpha: a.alpha))
        case .hardSwish: rows(src, oc, dst, HardSwish())
        case .hardSigmoid: rows(src, oc, dst, HardSigmoid(alpha: a.alpha, beta: a.beta))
        case .sigmoid: rows(src, oc, dst, Lanewise(activation: a))
        }
    }

    @inline(__always)
    private func rows<E: Epilogue>(_ src: UnsafeMutablePointer<Float>, _ oc: Int, _ dst: UnsafeMutablePointer<Float>, _ e: E) {
        let taps = p.kh * p.kw
        let k = weights + oc * taps, o = tapOffsets.base
        let b0 = bias?[oc] ?? 0
        if p.kh == 3 && p.kw == 3 {
            let (o0, o1, o2, o3, o4, o5, o6, o7, o8) = (o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7], o[8])
            let (w0, w1, w2) = (Float8(repeating: k[0]), Float8(repeating: k[1]), Float8(repeating: k[2]))
            let (w3, w4, w5) = (Float8(repeating: k[3]), Float8(repeating: k[4]), Float8(repeating: k[5]))
            let (w6, w7, w8) = (Float8(repeating: k[6]), Float8(repeating: k[7]), Float8(repeating: k[8]))
            eachVector(src, dst, b0, e) { r in
                var a0 = r.load8(o0) * w0, a1 = r.load8(o3) * w3, a2 = r.load8(o6) * w6
                a0 += r.load8(o1) * w1
                a1 += r.load8(o4) * w4
                a2 += r.load8(o7) * w7
                a0 += r.load8(o2) * w2
                a1 += r.load8(o5) * w5
                a2 += r.load8(o8) * w8
                return a0 + a1 + a2
            }
        } else if p.kh == 5 && p.kw == 5 {
            // Twenty-five splats do not fit in registers; they stay in one small table in L1.
            withUnsafeTemporaryAllocation(of: Float8.self, capacity: 25) { w in
                let w = w.baseAddress!
                for t in 0..<25 { w[t] = Float8(repeating: k[t]) }
                eachVector(src, dst, b0, e) { r in
                    var a0 = Float8(), a1 = Float8(), a2 = Float8(), a3 = Float8(), a4 = Float8()
                    for kx in 0..<5 {
                        a0 += r.load8(o[kx]) * w[kx]
                        a1 += r.load8(o[5 &+ kx]) * w[5 &+ kx]
                        a2 += r.load8(o[10 &+ kx]) * w[10 &+ kx]
                        a3 += r.load8(o[15 &+ kx]) * w[15 &+ kx]
                        a4 += r.load8(o[20 &+ kx]) * w[20 &+ kx]
                    }
                    return (a0 + a1) + (a2 + a3) + a4
                }
            }
        } else {
            eachVector(src, dst, b0, e) { r in
                var acc = Float8()
                for t in 0..<taps { acc += r.load8(o[t]) * k[t] }
                return acc
            }
        }
    }

    /// Calls `dot` on the window of every eight-column group of every output row. The last
    /// group of a row computes all eight lanes (the padded plane is wide enough); its extra
    /// lanes spill into the next row, which is written after, except at the plane's end.
    @inline(__always)
    private func eachVector<E: Epilogue>(
        _ src: UnsafeMutablePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ b0: Float, _ e: E,
        _ dot: (UnsafeMutablePointer<Float>) -> Float8
    ) {
        let outW = p.outW, rowStep = p.strideH &* padded.rowStride
        let bias = Float8(repeating: b0)
        // Output index up to which a whole eight-lane store stays inside the plane.
        let safeEnd = p.outH &* outW &- 8
        for oy in 0..<p.outH {
            let window = src + oy &* rowStep, line = dst + oy &* outW
            var ox = 0
            while ox < outW {
                let v = e.apply(dot(window + ox) + bias)
                if oy &* outW &+ ox <= safeEnd {
                    line.store8(v, ox)
                } else {
                    storePartial(v, line + ox, count: outW &- ox)
                }
                ox &+= 8
            }
        }
    }

    @inline(__always)
    private func storePartial(_ v: Float8, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        var v = v
        withUnsafeBytes(of: &v) { dst.update(from: $0.baseAddress!.assumingMemoryBound(to: Float.self), count: min(count, 8)) }
    }
}

/// A fused activation on eight lanes; each computes what `Activation.apply` computes, in the
/// same forms as `Activation.run`.
private protocol Epilogue {
    func apply(_ v: Float8) -> Float8
}

private struct Identity: Epilogue {
    @inline(__always) func apply(_ v: Float8) -> Float8 { v }
}

private struct ReLU: Epilogue {
    @inline(__always) func apply(_ v: Float8) -> Float8 { v.replacing(with: 0, where: v .< 0) }
}

private struct Clip: Epilogue {
    let lo, hi: Float8
    @inline(__always) func apply(_ v: Float8) -> Float8 {
        let a = v.replacing(with: lo, where: v .< lo)
        return a.replacing(with: hi, where: a .> hi)
    }
}

private struct LeakyReLU: Epilogue {
    let alpha: Float
    @inline(__always) func apply(_ v: Float8) -> Float8 { v.replacing(with: v * alpha, where: v .< 0) }
}

private struct HardSwish: Epilogue {
    @inline(__always) func apply(_ v: Float8) -> Float8 {
        let g = v / 6 + 0.5
        return v * g.replacing(with: 0, where: g .< 0).replacing(with: 1, where: g .> 1)
    }
}

private struct HardSigmoid: Epilogue {
    let alpha, beta: Float
    @inline(__always) func apply(_ v: Float8) -> Float8 {
        let g = alpha * v + beta
        return g.replacing(with: 0, where: g .< 0).replacing(with: 1, where: g .> 1)
    }
}

/// Sigmoid has no vector form here; it goes lane by lane through the reference.
private struct Lanewise: Epilogue {
    let activation: Activation
    @inline(__always) func apply(_ v: Float8) -> Float8 {
        var r = v
        for i in 0..<8 { r[i] = activation.apply(v[i]) }
        return r
    }
}
