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

    /// The packed kernels this backend runs for `threads` threads, or nil for OpenBLAS.
    func packed(threads: Int) -> PackedGemm? {
        let avx2 = Int32(CKernels_isaAVX2), portable = Int32(CKernels_isaPortable)
        switch self {
        case .openBLAS: return nil
        case .automatic: return GemmBackend.isAVX2Available ? PackedGemm(isa: avx2, threads: threads, everyShape: false) : nil
        case .portable: return PackedGemm(isa: portable, threads: threads, everyShape: true)
        case .avx2: return PackedGemm(isa: GemmBackend.isAVX2Available ? avx2 : portable, threads: threads, everyShape: true)
        }
    }
}

/// The packed micro-kernels of `CKernels`: C = epilogue(A · B) with A packed into panels of
/// `panelRows` rows, B read in place (packed strip by strip inside the kernel), and bias,
/// residual and activation applied as each tile of C is stored. Owns one workspace per thread
/// (packed blocks of B), shared by every kernel of an executor: nodes run one at a time.
final class PackedGemm {
    static let panelRows = Int(CKernels_panelRows)
    /// Columns of C one micro-kernel call computes.
    static let stripColumns = 16
    static let workspaceFloats = Int(CKernels_workspaceFloats)
    let isa: Int32
    /// Forced builds take every shape (tests); automatic ones only those where they win.
    let everyShape: Bool
    private let workspace: UnsafeMutablePointer<Float>
    private let threads: Int

    init(isa: Int32, threads: Int, everyShape: Bool) {
        (self.isa, self.everyShape) = (isa, everyShape)
        self.threads = max(threads, 1)
        workspace = UnsafeMutablePointer<Float>.allocate(capacity: self.threads * PackedGemm.workspaceFloats)
        workspace.initialize(repeating: 0, count: self.threads * PackedGemm.workspaceFloats)
    }

    deinit { workspace.deallocate() }

    /// Packs a row-major m×k matrix (row stride `lda`) for `run`.
    static func pack(m: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int) -> Table<Float> {
        var packed = [Float](repeating: 0, count: CKernels_packedACount(Int32(m), Int32(k)))
        packed.withUnsafeMutableBufferPointer { CKernels_packA(Int32(m), Int32(k), a, lda, $0.baseAddress!) }
        return Table(packed)
    }

    /// Whether the packed kernels beat OpenBLAS on a product over `k`. Measured per layer shape
    /// with `boardbench-bench kernels` (docs/performance.md): ahead up to k = 320, 3–8% behind
    /// OpenBLAS's kernels from k = 384 (ResNet-18's 3x3 layers, ViT's 768-wide projection).
    func takes(k: Int) -> Bool { everyShape || k < 384 }

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
        let (isa, workspace) = (self.isa, self.workspace)
        precondition(parallel.threads <= threads, "the executor's thread count sizes the workspace")
        if strips >= panels {
            parallel.forEachChunk(strips, cost: m * k * columnsPerStrip) { chunk, range in
                let c0 = range.lowerBound * columnsPerStrip, count = min(n, range.upperBound * columnsPerStrip) - c0
                var e = epilogue
                if e.biasPerColumn != 0 { e.bias = e.bias.map { $0 + c0 } }
                e.residual = e.residual.map { $0 + c0 }
                CKernels_gemm(
                    isa, Int32(m), Int32(count), Int32(k), a, transposedB ? b + c0 * ldb : b + c0, ldb, transposedB ? 1 : 0, c + c0, ldc, &e,
                    workspace + chunk * PackedGemm.workspaceFloats)
            }
        } else {
            parallel.forEachChunk(panels, cost: n * k * rowsPerPanel) { chunk, range in
                let r0 = range.lowerBound * rowsPerPanel, count = min(m, range.upperBound * rowsPerPanel) - r0
                var e = epilogue
                if e.biasPerColumn == 0 { e.bias = e.bias.map { $0 + r0 } }
                e.residual = e.residual.map { $0 + r0 * e.residualStride }
                CKernels_gemm(
                    isa, Int32(count), Int32(n), Int32(k), a + r0 * k, b, ldb, transposedB ? 1 : 0, c + r0 * ldc, ldc, &e,
                    workspace + chunk * PackedGemm.workspaceFloats)
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
