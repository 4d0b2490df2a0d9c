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
    /// The build the elementwise `CKernels` (GELU, erf, softmax rows) run: the best this CPU has,
    /// whatever the GEMM backend.
    static let elementwiseISA = CKernels_bestISA()

    /// Whether this backend runs the packed kernels (`packed(threads:)` is not nil): then
    /// convolutions read their input through the implicit im2col (no columns matrix in scratch),
    /// and dense layers' and matmuls' left operands are packed into scratch.
    var runsPackedKernels: Bool {
        switch self {
        case .openBLAS: false
        case .automatic: GemmBackend.isAVX2Available
        case .portable, .avx2: true
        }
    }

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

    /// Whether the packed kernels beat OpenBLAS on a product over `k` of a matrix B packed per
    /// call (pointwise convolutions). Measured per layer shape with `boardbench-bench kernels`
    /// (docs/performance.md): ahead up to k = 320, level or behind OpenBLAS's kernels from
    /// k = 384. Other convolutions always take the packed kernels: their implicit im2col saves
    /// writing and reading the columns matrix, which OpenBLAS needs.
    func takes(k: Int) -> Bool { everyShape || k < 384 }

    /// Packs a k×n matrix B (row stride `ldb`; stored n×k with `transposed`) into the kernels'
    /// strips, for `Operand.packed`.
    static func packB(n: Int, k: Int, _ b: UnsafePointer<Float>, ldb: Int, transposed: Bool) -> Table<Float> {
        var packed = [Float](repeating: 0, count: CKernels_packedBCount(Int32(n), Int32(k)))
        packed.withUnsafeMutableBufferPointer { CKernels_packB(Int32(n), Int32(k), b, ldb, transposed ? 1 : 0, $0.baseAddress!) }
        return Table(packed)
    }

    static func packedCount(m: Int, k: Int) -> Int { CKernels_packedACount(Int32(m), Int32(k)) }

    /// Where a product's B comes from.
    enum Operand {
        /// k×n row-major with row stride `ldb`, or n×k with `transposed`.
        case matrix(UnsafePointer<Float>, ldb: Int, transposed: Bool = false)
        /// A convolution's input, read as its im2col matrix without writing it.
        case image(CKernels_Image)
        /// Packed once by `PackedGemm.packB` (constant weights): nothing to pack per call.
        case packed(UnsafePointer<Float>)
    }

    /// C[m×n] = epilogue(A · B). Split over column strips or row panels, whichever has more;
    /// every element is the same single sum over k whatever the split, so results do not depend
    /// on the thread count.
    func run(
        _ parallel: Parallel, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: Operand, c: UnsafeMutablePointer<Float>, ldc: Int,
        epilogue: CKernels_Epilogue
    ) {
        let (rowsPerPanel, columnsPerStrip) = (PackedGemm.panelRows, PackedGemm.stripColumns)
        let strips = (n + columnsPerStrip - 1) / columnsPerStrip, panels = (m + rowsPerPanel - 1) / rowsPerPanel
        let (isa, workspace) = (self.isa, self.workspace)
        precondition(parallel.threads <= threads, "the executor's thread count sizes the workspace")
        /// C's rows r0 ..< r0 + rows and columns c0 ..< c0 + columns, on `chunk`'s workspace.
        func block(_ chunk: Int, r0: Int, rows: Int, c0: Int, columns: Int) {
            var e = epilogue
            if e.biasPerColumn != 0 { e.bias = e.bias.map { $0 + c0 } } else { e.bias = e.bias.map { $0 + r0 } }
            e.residual = e.residual.map { $0 + r0 * e.residualStride + c0 }
            let (a, c, space) = (a + r0 * k, c + r0 * ldc + c0, workspace + chunk * PackedGemm.workspaceFloats)
            switch b {
            case .matrix(let b, let ldb, let transposed):
                CKernels_gemm(
                    isa, Int32(rows), Int32(columns), Int32(k), a, transposed ? b + c0 * ldb : b + c0, ldb, transposed ? 1 : 0, c, ldc, &e, space)
            case .image(var image):
                CKernels_gemmImage(isa, Int32(rows), Int32(columns), Int32(k), a, &image, Int32(c0), c, ldc, &e, space)
            case .packed(let b):
                CKernels_gemmPackedB(isa, Int32(rows), Int32(columns), Int32(k), a, b, Int32(c0), c, ldc, &e, space)
            }
        }
        if strips >= panels {
            parallel.forEachChunk(strips, cost: m * k * columnsPerStrip) { chunk, range in
                let c0 = range.lowerBound * columnsPerStrip
                block(chunk, r0: 0, rows: m, c0: c0, columns: min(n, range.upperBound * columnsPerStrip) - c0)
            }
        } else {
            parallel.forEachChunk(panels, cost: n * k * rowsPerPanel) { chunk, range in
                let r0 = range.lowerBound * rowsPerPanel
                block(chunk, r0: r0, rows: min(m, range.upperBound * rowsPerPanel) - r0, c0: 0, columns: n)
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
