import CKernels
import COpenBLAS
import ModelPlan

/// Y[..., M] = X[..., K] · Wᵀ + B: one GEMM over all leading rows. With the packed kernels X is
/// packed into scratch per run and W, a transposed B, into strips once at load, bias and
/// activation applied at the store; with OpenBLAS bias and activation follow per row.
struct DenseKernel: Kernel {
    let rows, k, m: Int
    let x, weights, y, scratch: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>?
    let activation: Activation
    let gemm: PackedGemm?
    /// W packed into the kernels' strips at load (with `gemm`).
    let packedWeights: Table<Float>?

    /// Whether the packed kernels may take a dense layer of `rows` rows: a single row is a
    /// matrix-vector product, where six-row panels would waste five sixths of the work.
    static func packsInput(rows: Int) -> Bool { rows >= PackedGemm.panelRows }

    init(_ r: NodeReader, scratch: UnsafeMutablePointer<Float>, gemm: PackedGemm?) {
        let xs = r.inputShape(0)
        (k, m) = (xs[xs.count - 1], r.inputShape(1)[0])
        rows = xs.dropLast().reduce(1, *)
        (x, weights, y, bias, activation) = (r.input(0), r.input(1), r.output(), r.optionalInput(2), r.activation)
        self.scratch = scratch
        // With W packed once at load the packed kernels are level with OpenBLAS or ahead at
        // every k measured (ViT's 768-long rows included; docs/performance.md), so they take
        // every dense layer of six rows or more.
        self.gemm = DenseKernel.packsInput(rows: rows) ? gemm : nil
        packedWeights = self.gemm == nil ? nil : PackedGemm.packB(n: m, k: k, weights, ldb: k, transposed: true)
    }

    func run(_ parallel: Parallel) {
        if let gemm, let packedWeights {
            CKernels_packA(Int32(rows), Int32(k), x, k, scratch)
            gemm.run(
                parallel, m: rows, n: m, k: k, a: scratch, b: .packed(packedWeights.base), c: y, ldc: m,
                epilogue: CKernels_Epilogue(bias: bias, perColumn: true, activation))
            return
        }
        if rows == 1 {
            // A matrix-vector product (a classifier at batch 1): `cblas_sgemv` streams the
            // weights once, where sgemm with one row does not (MobileNetV2's 1280→1000 layer ran
            // at 6.9 GB/s through sgemm). Threads take slices of the outputs.
            let (x, weights, y, k) = (self.x, self.weights, self.y, self.k)
            parallel.forEach(m, cost: k) { range in
                cblas_sgemv(
                    CblasRowMajor, CblasNoTrans, Int32(range.count), Int32(k), 1, weights + range.lowerBound * k, Int32(k), x, 1, 0,
                    y + range.lowerBound, 1)
            }
        } else {
            parallel.sgemm(transB: true, m: rows, n: m, k: k, a: x, lda: k, b: weights, ldb: k, c: y, ldc: m)
        }
        guard bias != nil || activation.kind != .none else { return }
        let (y, m, bias, activation) = (self.y, self.m, self.bias, self.activation)
        parallel.forEach(rows, cost: m) { range in
            for row in range {
                let line = y + row * m
                if let bias { activation.run(line, count: m, biasVector: bias) } else { activation.run(line, line, count: m) }
            }
        }
    }
}

/// NumPy matmul: A[..., M, K] · B[..., K, N] with broadcast batch dimensions, one GEMM per
/// output batch (a single GEMM when B is shared by every batch and A's batches are contiguous).
/// With the packed kernels each batch's A is packed into scratch and B read as a matrix, the
/// activation applied at the store (a transformer's attention products: k = 64, where they beat
/// OpenBLAS).
struct MatMulKernel: Kernel {
    let m, k, n: Int
    /// Element offsets of A's and B's matrices for each output batch.
    let aOffsets, bOffsets: [Int]
    /// B is the same matrix for every batch: A's batches stack into one M·batch × K matrix.
    let stacked: Bool
    let a, b, y, scratch: UnsafeMutablePointer<Float>
    let activation: Activation
    let gemm: PackedGemm?

    /// Whether the packed kernels take products of `m` rows (as dense layers: six or more).
    static func packs(m: Int) -> Bool { DenseKernel.packsInput(rows: m) }

    init(_ r: NodeReader, scratch: UnsafeMutablePointer<Float>, gemm: PackedGemm?) {
        let sa = r.inputShape(0), sb = r.inputShape(1), so = r.outputShape()
        let (m, k) = (sa[sa.count - 2], sa[sa.count - 1])
        (self.m, self.k, n) = (m, k, sb[sb.count - 1])
        let batch = Array(so.dropLast(2))
        // Batch strides of A and B in matrices, zero where the operand broadcasts.
        func batchStrides(_ s: [Int]) -> [Int] {
            let dims = [Int](repeating: 1, count: batch.count - (s.count - 2)) + s.dropLast(2)
            var strides = contiguousStrides(dims)
            for i in dims.indices where dims[i] == 1 { strides[i] = 0 }
            return strides
        }
        let stridesA = batchStrides(sa), stridesB = batchStrides(sb)
        let count = batch.reduce(1, *)
        var aOffsets: [Int] = [], bOffsets: [Int] = []
        for index in 0..<count {
            var rest = index, oa = 0, ob = 0
            for d in batch.indices.reversed() {
                let i = rest % batch[d]
                rest /= batch[d]
                oa += i * stridesA[d]
                ob += i * stridesB[d]
            }
            aOffsets.append(oa * m * k)
            bOffsets.append(ob * k * sb[sb.count - 1])
        }
        (self.aOffsets, self.bOffsets) = (aOffsets, bOffsets)
        stacked = bOffsets.allSatisfy { $0 == 0 } && aOffsets.enumerated().allSatisfy { $0.element == $0.offset * m * k }
        (a, b, y, activation) = (r.input(0), r.input(1), r.output(), r.activation)
        self.scratch = scratch
        self.gemm = MatMulKernel.packs(m: m) && gemm?.takes(k: k) == true ? gemm : nil
    }

    func run(_ parallel: Parallel) {
        let batches = aOffsets.count
        if let gemm {
            let epilogue = CKernels_Epilogue(bias: nil, activation)
            for i in 0..<batches {
                CKernels_packA(Int32(m), Int32(k), a + aOffsets[i], k, scratch)
                gemm.run(parallel, m: m, n: n, k: k, a: scratch, b: .matrix(b + bOffsets[i], ldb: n), c: y + i * m * n, ldc: n, epilogue: epilogue)
            }
            return
        }
        if stacked {
            parallel.sgemm(m: batches * m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: y, ldc: n)
        } else {
            for i in 0..<batches {
                parallel.sgemm(m: m, n: n, k: k, a: a + aOffsets[i], lda: k, b: b + bOffsets[i], ldb: n, c: y + i * m * n, ldc: n)
            }
        }
        guard activation.kind != .none else { return }
        let (y, activation) = (self.y, self.activation)
        parallel.forEach(batches * m, cost: n) { rows in
            activation.run(y + rows.lowerBound * n, y + rows.lowerBound * n, count: rows.count * n)
        }
    }
}
