/// Vectorised transcendental functions for the Swift elementwise kernels (strided softmax).
/// erf, GELU and contiguous softmax rows run in `CKernels` (Elementwise.c) with the same
/// arithmetic; RuntimeTests (VectorMathTests) checks both against libm.
enum VectorMath {
    /// e^x. Cephes' expf: n = round(x / ln 2), r = x − n·ln 2 in two parts, a degree-6
    /// polynomial for e^r, then 2^n through the exponent bits. Relative error < 2e-7 for
    /// x in −87.3...88.3; inputs are clamped to that range (e^x underflows to 2^−126 below it).
    @inline(__always)
    static func exp(_ v: Float8) -> Float8 {
        // Only lane-wise add, multiply, compare and blend: generic SIMD conversions and rounding
        // run lane by lane in Swift, so n = round(x / ln 2) uses the 1.5·2^23 trick, which
        // leaves n in the low mantissa bits.
        let x = lanesMin(lanesMax(v, Float8(repeating: -87.3)), Float8(repeating: 88.3))
        let shifted = x * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        var r = x - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p = Float8(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * (r * r) + r + 1
        let exponent = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(exponent, to: Float8.self)
    }
}
