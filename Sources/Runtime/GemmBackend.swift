import CKernels
import ModelPlan

/// Which GEMM kernels an executor's convolutions and dense layers use.
public enum GemmBackend: Sendable, Equatable, CaseIterable {
    /// The packed micro-kernels built for AVX2+FMA where the CPU has them, OpenBLAS elsewhere
    /// (the portable build has not been measured against OpenBLAS on aarch64 boards yet).
    case automatic
    /// OpenBLAS `cblas_sgemm`, then bias and activation in a second pass (the `builtin-3` kernels).
    case openBLAS
    /// The packed micro-kernels, portable build (GCC vector extensions: NEON on aarch64, SSE on x86).
    case portable
    /// The packed micro-kernels, AVX2+FMA build. Runs the portable build on CPUs without AVX2+FMA.
    case avx2

    /// Whether this CPU runs the AVX2+FMA kernels (cpuid, checked once).
    public static let isAVX2Available = CKernels_bestISA() == Int32(CKernels_isaAVX2)

    /// The packed kernels this backend runs, or nil for OpenBLAS.
    var packed: PackedGemm? {
        switch self {
        case .openBLAS: nil
        case .automatic: GemmBackend.isAVX2Available ? PackedGemm(isa: Int32(CKernels_isaAVX2)) : nil
        case .portable: PackedGemm(isa: Int32(CKernels_isaPortable))
        case .avx2: PackedGemm(isa: GemmBackend.isAVX2Available ? Int32(CKernels_isaAVX2) : Int32(CKernels_isaPortable))
        }
    }
}

/// The packed micro-kernels of `CKernels`: C = epilogue(A · B) with A packed into panels of
/// `panelRows` rows, B read in place (packed strip by strip inside the kernel), and bias,
/// residual and activation applied as each tile of C is stored.
struct PackedGemm {
    static let panelRows = Int(CKernels_panelRows)
    /// Columns of C one micro-kernel call computes.
    static let stripColumns = 16
    let isa: Int32

    /// Packs a row-major m×k matrix (row stride `lda`) for `run`.
    static func pack(m: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int) -> Table<Float> {
        var packed = [Float](repeating: 0, count: CKernels_packedACount(Int32(m), Int32(k)))
        packed.withUnsafeMutableBufferPointer { CKernels_packA(Int32(m), Int32(k), a, lda, $0.baseAddress!) }
        return Table(packed)
    }

    static func packedCount(m: Int, k: Int) -> Int { CKernels_packedACount(Int32(m), Int32(k)) }

    /// C[m×n] = epilogue(A · B); B is k×n row-major, or n×k with `transposedB`. Split over column
    /// strips or row panels, whichever has more; every element is the same single sum over k
    /// whatever the split, so results do not depend on the thread count.
    func run(
        _ parallel: Parallel, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int, transposedB: Bool = false,
        c: UnsafeMutablePointer<Float>, ldc: Int, epilogue: CKernels_Epilogue
    ) {
        let (rowsPerPanel, columnsPerStrip) = (PackedGemm.panelRows, PackedGemm.stripColumns)
        let strips = (n + columnsPerStrip - 1) / columnsPerStrip, panels = (m + rowsPerPanel - 1) / rowsPerPanel
        let isa = self.isa
        if strips >= panels {
            parallel.forEach(strips, cost: m * k * columnsPerStrip) { range in
                let c0 = range.lowerBound * columnsPerStrip, count = min(n, range.upperBound * columnsPerStrip) - c0
                var e = epilogue
                if e.biasPerColumn != 0 { e.bias = e.bias.map { $0 + c0 } }
                e.residual = e.residual.map { $0 + c0 }
                CKernels_gemm(
                    isa, Int32(m), Int32(count), Int32(k), a, transposedB ? b + c0 * ldb : b + c0, ldb, transposedB ? 1 : 0, c + c0, ldc, &e)
            }
        } else {
            parallel.forEach(panels, cost: n * k * rowsPerPanel) { range in
                let r0 = range.lowerBound * rowsPerPanel, count = min(m, range.upperBound * rowsPerPanel) - r0
                var e = epilogue
                if e.biasPerColumn == 0 { e.bias = e.bias.map { $0 + r0 } }
                e.residual = e.residual.map { $0 + r0 * e.residualStride }
                CKernels_gemm(isa, Int32(count), Int32(n), Int32(k), a + r0 * k, b, ldb, transposedB ? 1 : 0, c + r0 * ldc, ldc, &e)
            }
        }
    }
}

extension CKernels_Epilogue {
    init(bias: UnsafePointer<Float>?, perColumn: Bool = false, residual: UnsafePointer<Float>? = nil, residualStride: Int = 0, _ a: Activation) {
        self.init(
            bias: bias, biasPerColumn: perColumn ? 1 : 0, residual: residual, residualStride: residualStride,
            activation: CKernels_Activation(kind: Int32(a.kind.rawValue), min: a.min, max: a.max, alpha: a.alpha, beta: a.beta))
    }
}
