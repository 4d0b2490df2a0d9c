import ModelPlan
import Runtime
import Testing

/// Convolutions against a naive loop over the ONNX definition, one case per code path.
@Suite struct ConvTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var path: String
        var n = 1, c: Int, m: Int, h: Int, w: Int, kh: Int, kw: Int
        var stride = (1, 1), pads = [0, 0, 0, 0], dilation = (1, 1), group = 1
        var testDescription: String {
            "\(path): n\(n) c\(c) m\(m) \(h)x\(w) k\(kh)x\(kw) s\(stride) p\(pads) d\(dilation) g\(group)"
        }
    }

    static let cases: [Case] = [
        Case(path: "pointwise", n: 2, c: 8, m: 5, h: 7, w: 9, kh: 1, kw: 1),
        Case(path: "pointwise grouped", c: 8, m: 6, h: 5, w: 5, kh: 1, kw: 1, group: 2),
        Case(path: "1x1 strided via im2col", c: 3, m: 4, h: 9, w: 7, kh: 1, kw: 1, stride: (2, 2)),
        Case(path: "depthwise 3 s1", n: 2, c: 5, m: 5, h: 13, w: 21, kh: 3, kw: 3, pads: [1, 1, 1, 1], group: 5),
        Case(path: "depthwise 3 s2", c: 4, m: 4, h: 17, w: 19, kh: 3, kw: 3, stride: (2, 2), pads: [1, 1, 1, 1], group: 4),
        Case(path: "depthwise 5 s1", c: 3, m: 3, h: 11, w: 29, kh: 5, kw: 5, pads: [2, 2, 2, 2], group: 3),
        Case(path: "depthwise 5 s2", c: 3, m: 3, h: 15, w: 23, kh: 5, kw: 5, stride: (2, 2), pads: [2, 2, 2, 2], group: 3),
        Case(path: "depthwise 7 s1", c: 2, m: 2, h: 12, w: 37, kh: 7, kw: 7, pads: [3, 3, 3, 3], group: 2),
        Case(path: "depthwise 7 s2", c: 2, m: 2, h: 16, w: 33, kh: 7, kw: 7, stride: (2, 2), pads: [3, 3, 3, 3], group: 2),
        Case(path: "depthwise dilated", c: 3, m: 3, h: 14, w: 27, kh: 3, kw: 3, pads: [2, 2, 2, 2], dilation: (2, 2), group: 3),
        Case(path: "depthwise asymmetric pads", c: 3, m: 3, h: 10, w: 18, kh: 3, kw: 3, stride: (1, 2), pads: [0, 1, 2, 0], group: 3),
        Case(path: "depthwise no pad", c: 2, m: 2, h: 9, w: 20, kh: 3, kw: 3, group: 2),
        Case(path: "depthwise multiplier 2", c: 3, m: 6, h: 9, w: 11, kh: 3, kw: 3, pads: [1, 1, 1, 1], group: 3),
        Case(path: "depthwise tiny (all border)", c: 2, m: 2, h: 3, w: 3, kh: 5, kw: 5, pads: [2, 2, 2, 2], group: 2),
        Case(path: "grouped", n: 2, c: 4, m: 6, h: 8, w: 8, kh: 3, kw: 3, stride: (2, 2), pads: [1, 1, 1, 1], group: 2),
        Case(path: "general", c: 3, m: 8, h: 9, w: 7, kh: 3, kw: 3, pads: [1, 1, 1, 1]),
        Case(path: "general dilated", c: 3, m: 4, h: 10, w: 11, kh: 3, kw: 3, pads: [2, 2, 2, 2], dilation: (2, 2)),
        Case(path: "general rectangular", c: 2, m: 3, h: 7, w: 12, kh: 2, kw: 5, stride: (1, 3), pads: [0, 2, 1, 1], dilation: (2, 1)),
        Case(path: "depthwise 3 s2 to 7x7", c: 3, m: 3, h: 14, w: 14, kh: 3, kw: 3, stride: (2, 2), pads: [0, 0, 1, 1], group: 3),
        Case(path: "depthwise 5 s1 7x7", c: 3, m: 3, h: 7, w: 7, kh: 5, kw: 5, pads: [2, 2, 2, 2], group: 3),
        Case(path: "depthwise 3 s2 wide odd pad", c: 2, m: 2, h: 9, w: 45, kh: 3, kw: 3, stride: (2, 2), pads: [1, 1, 1, 1], group: 2),
        Case(path: "depthwise 3 s2 wide even pad", c: 2, m: 2, h: 8, w: 44, kh: 3, kw: 3, stride: (2, 2), pads: [2, 2, 0, 0], group: 2),
        Case(path: "depthwise 2x4 s3 dilated", c: 2, m: 4, h: 11, w: 31, kh: 2, kw: 4, stride: (3, 3), pads: [1, 3, 0, 2], dilation: (2, 3), group: 2),
        Case(path: "depthwise 1 column", c: 2, m: 2, h: 6, w: 1, kh: 3, kw: 3, pads: [1, 1, 1, 1], group: 2),
        Case(path: "pointwise of a 1x1 image (matrix-vector), batch 2, grouped", n: 2, c: 8, m: 6, h: 1, w: 1, kh: 1, kw: 1, group: 2),
        // Planes narrower than eight columns run eight channels at a time with the packed
        // kernels' builds: partial last group, batches, strides, multipliers, dilation, and
        // widths that are and are not whole vectors of positions.
        Case(path: "depthwise 7 wide s2, 11 channels", n: 2, c: 11, m: 11, h: 13, w: 13, kh: 3, kw: 3, stride: (2, 2), pads: [1, 1, 1, 1], group: 11),
        Case(path: "depthwise 7x7 5x5, multiplier 3", c: 3, m: 9, h: 7, w: 7, kh: 5, kw: 5, pads: [2, 2, 2, 2], group: 3),
        Case(path: "depthwise 4 wide dilated, asymmetric pads", c: 16, m: 16, h: 9, w: 6, kh: 3, kw: 3, pads: [0, 1, 2, 0], dilation: (2, 2), group: 16),
    ]

    @Test(arguments: cases)
    func convMatchesReference(_ t: Case) throws {
        try check(t, activation: .relu)
    }

    @Test(arguments: FusedCase.allCases)
    func fusedActivationsOnEveryConvPath(_ act: FusedCase) throws {
        try check(Self.cases[0], activation: act)
        try check(Self.cases[3], activation: act)
        try check(Self.cases[15], activation: act)
        // The depthwise kernel's 5x5 and stride-2 paths, and a plane narrower than one vector.
        try check(Self.cases[6], activation: act)
        try check(Self.cases[4], activation: act)
        try check(Self.cases[19], activation: act)
        // A matrix-vector product's epilogue: bias per channel, one value per plane.
        try check(Self.cases[Self.cases.count - 1], activation: act)
    }

    /// The depthwise rows run in Swift (`.openBLAS`), in the portable `CKernels` build and in the
    /// AVX2+FMA one (`.automatic` on this CPU when it has them): every case on every build, and
    /// every fused activation on the 3x3 (sixteen-column) and general paths.
    @Test(arguments: [GemmBackend.openBLAS, .portable, .avx2])
    func depthwiseOnEveryBuild(_ gemm: GemmBackend) throws {
        for t in Self.cases where t.group == t.c && t.group > 1 { try check(t, activation: .relu, gemm: gemm) }
        for act in FusedCase.allCases {
            // 3x3 (sixteen columns) and 5x5 (general) rows; index 2, used here before, is a 1x1
            // convolution, not a depthwise one.
            try check(Self.cases[3], activation: act, gemm: gemm)
            try check(Self.cases[5], activation: act, gemm: gemm)
            // Eight channels at a time (7 wide).
            try check(Self.cases[Self.cases.count - 3], activation: act, gemm: gemm)
        }
    }

    /// Planes split over threads, each in its own slice of the executor's scratch: large enough
    /// that the loop splits (more than `Parallel.minimumWork`), on every build.
    @Test(arguments: [GemmBackend.openBLAS, .portable, .avx2])
    func depthwiseSplitOverThreads(_ gemm: GemmBackend) throws {
        let wide = Case(path: "depthwise split", c: 7, m: 7, h: 41, w: 45, kh: 3, kw: 3, pads: [1, 1, 1, 1], group: 7)
        let strided = Case(path: "depthwise split s2", c: 6, m: 12, h: 50, w: 38, kh: 5, kw: 5, stride: (2, 2), pads: [2, 2, 2, 2], group: 6)
        let narrow = Case(path: "depthwise split, eight channels at a time", c: 96, m: 96, h: 7, w: 7, kh: 3, kw: 3, pads: [1, 1, 1, 1], group: 96)
        for threads in [2, 3] {
            try check(wide, activation: .relu, gemm: gemm, threads: threads)
            try check(strided, activation: .none, gemm: gemm, threads: threads)
            try check(narrow, activation: .relu, gemm: gemm, threads: threads)
        }
    }

    func check(_ t: Case, activation: FusedCase, gemm: GemmBackend = .automatic, threads: Int = 1) throws {
        var a = Attributes(activation.activation.attributes)
        a["strides"] = ints([t.stride.0, t.stride.1])
        a["pads"] = ints(t.pads)
        a["dilations"] = ints([t.dilation.0, t.dilation.1])
        a["group"] = .int(Int64(t.group))
        let cg = t.c / t.group
        let wv = random(t.m * cg * t.kh * t.kw, seed: 7), bv = random(t.m, seed: 8)
        let (inputs, got, ys) = try runSingle(
            .conv, inputs: [[t.n, t.c, t.h, t.w]], a, constants: [([t.m, cg, t.kh, t.kw], wv), ([t.m], bv)], seed: 3, threads: threads,
            gemm: gemm)
        let x = inputs[0], mg = t.m / t.group
        var want = [Float](repeating: 0, count: got.count)
        for n in 0..<t.n {
            for oc in 0..<t.m {
                for oy in 0..<ys[2] {
                    for ox in 0..<ys[3] {
                        var acc = Double(bv[oc])
                        for ic in 0..<cg {
                            for ky in 0..<t.kh {
                                for kx in 0..<t.kw {
                                    let iy = oy * t.stride.0 - t.pads[0] + ky * t.dilation.0
                                    let ix = ox * t.stride.1 - t.pads[1] + kx * t.dilation.1
                                    guard iy >= 0, iy < t.h, ix >= 0, ix < t.w else { continue }
                                    let channel = oc / mg * cg + ic
                                    acc += Double(x[((n * t.c + channel) * t.h + iy) * t.w + ix]) * Double(wv[((oc * cg + ic) * t.kh + ky) * t.kw + kx])
                                }
                            }
                        }
                        want[((n * t.m + oc) * ys[2] + oy) * ys[3] + ox] = activation.reference(Float(acc))
                    }
                }
            }
        }
        expectClose(got, want, "\(t.testDescription) \(activation) \(gemm) threads \(threads)")
    }

    struct TransposeCase: CustomTestStringConvertible, Sendable {
        var c: Int, m: Int, h: Int, w: Int, k: (Int, Int)
        var stride = (1, 1), pads = [0, 0, 0, 0], dilation = (1, 1), outputPadding = (0, 0), group = 1
        var testDescription: String { "c\(c) m\(m) \(h)x\(w) k\(k) s\(stride) p\(pads) d\(dilation) op\(outputPadding) g\(group)" }
    }

    static let transposeCases: [TransposeCase] = [
        TransposeCase(c: 3, m: 4, h: 5, w: 6, k: (3, 3)),
        TransposeCase(c: 4, m: 2, h: 4, w: 7, k: (3, 3), stride: (2, 2), pads: [1, 1, 1, 1], outputPadding: (1, 1)),
        TransposeCase(c: 4, m: 6, h: 5, w: 5, k: (2, 2), stride: (2, 2), group: 2),
        TransposeCase(c: 2, m: 3, h: 6, w: 5, k: (3, 2), stride: (1, 3), pads: [2, 0, 1, 1], dilation: (2, 1)),
        TransposeCase(c: 3, m: 3, h: 9, w: 17, k: (4, 4), stride: (2, 2), pads: [1, 1, 1, 1], group: 3),
        // Output padding beyond the stride: trailing rows and columns only the bias reaches.
        TransposeCase(c: 2, m: 3, h: 4, w: 5, k: (2, 3), outputPadding: (2, 3)),
    ]

    @Test(arguments: transposeCases)
    func convTransposeMatchesReference(_ t: TransposeCase) throws {
        try checkTranspose(t, activation: .leakyRelu)
    }

    @Test func convTransposeWithoutBiasAndWithHardSwish() throws {
        try checkTranspose(Self.transposeCases[1], activation: .hardSwish, bias: false)
    }

    private func checkTranspose(_ t: TransposeCase, activation: FusedCase, bias: Bool = true) throws {
        var a = Attributes(activation.activation.attributes)
        a["strides"] = ints([t.stride.0, t.stride.1])
        a["pads"] = ints(t.pads)
        a["dilations"] = ints([t.dilation.0, t.dilation.1])
        a["outputPadding"] = ints([t.outputPadding.0, t.outputPadding.1])
        a["group"] = .int(Int64(t.group))
        let mg = t.m / t.group, cg = t.c / t.group
        let wv = random(t.c * mg * t.k.0 * t.k.1, seed: 17), bv = bias ? random(t.m, seed: 18) : [Float](repeating: 0, count: t.m)
        let constants = [([t.c, mg, t.k.0, t.k.1], wv)] + (bias ? [([t.m], bv)] : [])
        let (inputs, got, ys) = try runSingle(.convTranspose, inputs: [[1, t.c, t.h, t.w]], a, constants: constants, seed: 5)
        let x = inputs[0]
        let (oh, ow) = (ys[2], ys[3])
        var acc = [Double](repeating: 0, count: t.m * oh * ow)
        for oc in 0..<t.m { for i in 0..<(oh * ow) { acc[oc * oh * ow + i] = Double(bv[oc]) } }
        // Scatter form of the definition: every input pixel adds its weighted kernel to the output.
        for ic in 0..<t.c {
            let g = ic / cg
            for iy in 0..<t.h {
                for ix in 0..<t.w {
                    for j in 0..<mg {
                        for ky in 0..<t.k.0 {
                            for kx in 0..<t.k.1 {
                                let oy = iy * t.stride.0 - t.pads[0] + ky * t.dilation.0
                                let ox = ix * t.stride.1 - t.pads[1] + kx * t.dilation.1
                                guard oy >= 0, oy < oh, ox >= 0, ox < ow else { continue }
                                let oc = g * mg + j
                                acc[(oc * oh + oy) * ow + ox] +=
                                    Double(x[(ic * t.h + iy) * t.w + ix]) * Double(wv[((ic * mg + j) * t.k.0 + ky) * t.k.1 + kx])
                            }
                        }
                    }
                }
            }
        }
        expectClose(got, acc.map { activation.reference(Float($0)) }, t.testDescription)
    }
}
