/// Unaligned SIMD access to float buffers; every kernel's inner loops go through these.
typealias Float8 = SIMD8<Float>
typealias Float4 = SIMD4<Float>

extension UnsafeMutablePointer where Pointee == Float {
    @inline(__always) func load8(_ i: Int) -> Float8 { UnsafeRawPointer(self + i).loadUnaligned(as: Float8.self) }
    @inline(__always) func load4(_ i: Int) -> Float4 { UnsafeRawPointer(self + i).loadUnaligned(as: Float4.self) }
    @inline(__always) func store8(_ v: Float8, _ i: Int) { UnsafeMutableRawPointer(self + i).storeBytes(of: v, as: Float8.self) }
    @inline(__always) func store4(_ v: Float4, _ i: Int) { UnsafeMutableRawPointer(self + i).storeBytes(of: v, as: Float4.self) }

    /// Eight elements `stride` apart, starting at `i`.
    @inline(__always) func gather8(_ i: Int, stride s: Int) -> Float8 {
        let p = self + i
        return Float8(p[0], p[s], p[2 * s], p[3 * s], p[4 * s], p[5 * s], p[6 * s], p[7 * s])
    }
}

/// Lane-wise maximum by one compare and one blend. The standard `pointwiseMax` runs lane by lane
/// (IEEE maxNum per lane), several times slower in the kernels' inner loops; here a NaN in `a`
/// stays NaN.
@inline(__always) func lanesMax(_ a: Float8, _ b: Float8) -> Float8 { a.replacing(with: b, where: a .< b) }
/// Lane-wise minimum, as `lanesMax`.
@inline(__always) func lanesMin(_ a: Float8, _ b: Float8) -> Float8 { a.replacing(with: b, where: b .< a) }

extension Float8 {
    /// Sum of the lanes, pairwise (the order the reduction kernels rely on).
    @inline(__always) var laneSum: Float {
        let h = lowHalf + highHalf
        let q = h.lowHalf + h.highHalf
        return q[0] + q[1]
    }
}

/// Floor division for possibly negative numerators and positive divisors.
@inline(__always) func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
/// Ceiling division for possibly negative numerators and positive divisors.
@inline(__always) func ceilDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? (a + b - 1) / b : -(-a / b) }

/// Taps of a strided, dilated window that land inside `0..<size` when the window starts at
/// `start`: the `k` in `0..<kernel` with `0 <= start + k·dilation < size`.
func validTaps(start: Int, size: Int, kernel: Int, dilation: Int) -> Range<Int> {
    let lo = start >= 0 ? 0 : ceilDiv(-start, dilation)
    let hi = min(kernel, floorDiv(size - 1 - start, dilation) + 1)
    return lo < hi ? lo..<hi : lo..<lo
}

/// `validTaps` for every output position of one axis, tabulated at load so kernels do no
/// division per output: entries 2·o and 2·o + 1 hold the first and the end tap of output `o`.
func tapTable(outputs: Int, stride: Int, pad: Int, size: Int, kernel: Int, dilation: Int) -> Table<Int> {
    var bounds: [Int] = []
    for o in 0..<outputs {
        let taps = validTaps(start: o * stride - pad, size: size, kernel: kernel, dilation: dilation)
        bounds += [taps.lowerBound, taps.upperBound]
    }
    return Table(bounds)
}
