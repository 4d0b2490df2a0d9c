import ModelPlan
import Runtime
import Testing

/// The packed micro-kernels (CKernels) against the naive references of ConvTests and GemmTests,
/// each build forced explicitly, on shapes that are not multiples of the 6×16 tile or of the
/// 384-long blocks of k (forced builds take every shape, whatever `.automatic` would pick).
@Suite struct PackedGemmTests {
    /// The AVX2 build runs only where the CPU has AVX2 and FMA; `avx2BuildRuns` is skipped
    /// (with the reason) elsewhere, so a machine without them is visible in the results.
    static let builds: [GemmBackend] = GemmBackend.isAVX2Available ? [.portable, .avx2] : [.portable]

    static let cases: [ConvTests.Case] = [
        ConvTests.Case(path: "pointwise, n tail 3", c: 7, m: 13, h: 5, w: 7, kh: 1, kw: 1),
        ConvTests.Case(path: "pointwise, two blocks of k", c: 400, m: 8, h: 4, w: 9, kh: 1, kw: 1),
        ConvTests.Case(path: "pointwise, many strips", n: 2, c: 5, m: 17, h: 9, w: 9, kh: 1, kw: 1),
        ConvTests.Case(path: "pointwise, one column", c: 9, m: 25, h: 1, w: 1, kh: 1, kw: 1),
        ConvTests.Case(path: "3x3 pad 1, k 450 in two blocks", c: 50, m: 7, h: 6, w: 11, kh: 3, kw: 3, pads: [1, 1, 1, 1]),
        ConvTests.Case(path: "3x3 stride 2", c: 4, m: 9, h: 11, w: 13, kh: 3, kw: 3, stride: (2, 2), pads: [1, 1, 1, 1]),
        ConvTests.Case(path: "1x1 stride 2", c: 6, m: 6, h: 9, w: 9, kh: 1, kw: 1, stride: (2, 2)),
        ConvTests.Case(path: "grouped 3x3", c: 6, m: 12, h: 7, w: 7, kh: 3, kw: 3, pads: [1, 1, 1, 1], group: 3),
        ConvTests.Case(path: "7x7 stride 2 pad 3", c: 3, m: 10, h: 20, w: 18, kh: 7, kw: 7, stride: (2, 2), pads: [3, 3, 3, 3]),
        // Implicit im2col: the gathers' edges.
        ConvTests.Case(
            path: "dilated, asymmetric pads and strides", c: 5, m: 7, h: 13, w: 17, kh: 3, kw: 3, stride: (1, 2), pads: [0, 2, 3, 1],
            dilation: (2, 3)),
        ConvTests.Case(path: "kernel wider than the padded image", c: 2, m: 6, h: 4, w: 3, kh: 5, kw: 5, pads: [2, 2, 2, 2]),
        ConvTests.Case(path: "one input channel, outputs span two blocks", c: 1, m: 7, h: 70, w: 70, kh: 3, kw: 3, pads: [1, 1, 1, 1]),
        ConvTests.Case(path: "1x1 stride 2, one channel, capped block", c: 1, m: 5, h: 131, w: 131, kh: 1, kw: 1, stride: (2, 2)),
    ]

    @Test(arguments: cases, builds)
    func convMatchesReference(_ t: ConvTests.Case, _ build: GemmBackend) throws {
        try ConvTests().check(t, activation: .relu, gemm: build)
        try ConvTests().check(t, activation: .none, gemm: build, threads: 2)
    }

    @Test(arguments: FusedCase.allCases, builds)
    func convEpilogueAppliesEveryActivation(_ act: FusedCase, _ build: GemmBackend) throws {
        try ConvTests().check(Self.cases[0], activation: act, gemm: build)
        try ConvTests().check(Self.cases[4], activation: act, gemm: build, threads: 2)
    }

    @Test(arguments: FusedCase.allCases, builds)
    func denseMatchesReference(_ act: FusedCase, _ build: GemmBackend) throws {
        for (rows, k, m, threads) in [(14, 800, 19, 1), (13, 300, 35, 2), (7, 5, 40, 2), (6, 16, 16, 1)] {
            let wv = random(m * k, seed: 12), bv = random(m, seed: 13)
            let (inputs, got, _) = try runSingle(
                .dense, inputs: [[rows, k]], Attributes(act.activation.attributes), constants: [([m, k], wv), ([m], bv)], threads: threads,
                gemm: build)
            var want: [Float] = []
            for row in 0..<rows {
                for j in 0..<m {
                    var acc = Double(bv[j])
                    for i in 0..<k { acc += Double(inputs[0][row * k + i]) * Double(wv[j * k + i]) }
                    want.append(act.reference(Float(acc)))
                }
            }
            expectClose(got, want, "dense \(rows)x\(k)x\(m) \(act) \(build) threads \(threads)")
        }
    }

    /// Matmuls of six rows or more take the packed kernels (attention products): batches,
    /// broadcast operands, rows and columns off the tile, and the fused activation.
    @Test(arguments: FusedCase.allCases, builds)
    func matMulMatchesReference(_ act: FusedCase, _ build: GemmBackend) throws {
        let cases: [(a: [Int], b: [Int], threads: Int)] = [
            ([2, 3, 13, 70], [2, 3, 70, 21], 1), ([3, 9, 64], [64, 40], 2), ([1, 2, 7, 5], [3, 1, 5, 17], 2), ([6, 400], [400, 33], 1),
        ]
        for t in cases {
            let (inputs, got, shape) = try runSingle(
                .matMul, inputs: [t.a, t.b], Attributes(act.activation.attributes), threads: t.threads, gemm: build)
            let want = GemmTests().referenceMatMul(inputs[0], t.a, inputs[1], t.b, shape, act.reference)
            expectClose(got, want, "\(t.a) x \(t.b) \(act) \(build) threads \(t.threads)")
        }
    }

    @Test(.enabled(if: GemmBackend.isAVX2Available, "the AVX2 build needs a CPU with AVX2 and FMA"))
    func avx2BuildRuns() throws {
        try ConvTests().check(Self.cases[4], activation: .hardSwish, gemm: .avx2)
    }
}
