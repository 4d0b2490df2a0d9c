import CKernels
import COpenBLAS
import ModelPlan

/// Convolution through GEMM, per image and group: a pointwise (1x1, stride 1, no padding)
/// convolution multiplies the weights by the input directly. With the packed kernels the weights
/// are packed into panels at load, any other convolution's input is gathered block by block
/// into the kernel's packed strips (implicit im2col: the columns matrix is never written), and
/// bias and activation are applied as each tile is stored. With OpenBLAS the input is lowered to
/// columns (im2col) first and an epilogue pass adds the bias and applies the activation.
struct ConvKernel: Kernel {
    let p: ConvGeometry
    let x, weights, y, cols: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>?
    let gemm: PackedGemm?
    /// One output position per channel: `cblas_sgemv` per image and group.
    let isMatrixVector: Bool
    /// Every group's weights packed for `gemm`, one after another.
    let packedWeights: Table<Float>?

    init(_ r: NodeReader, _ p: ConvGeometry, scratch: UnsafeMutablePointer<Float>, gemm: PackedGemm?) {
        self.p = p
        (x, weights, y, cols, bias) = (r.input(0), r.input(1), r.output(), scratch, r.optionalInput(2))
        // A pointwise convolution of a 1×1 image (squeeze-and-excitation, a head after global
        // pooling) is a matrix-vector product: `cblas_sgemv` streams the weights once, where a
        // GEMM with one column packs them (OpenBLAS) or computes 16 columns for one (packed).
        isMatrixVector = p.isPointwise && p.outH * p.outW == 1
        self.gemm = isMatrixVector || (p.isPointwise && gemm?.takes(k: p.kernelVolume) != true) ? nil : gemm
        if self.gemm != nil {
            var packed: [Float] = []
            for g in 0..<p.group {
                let wg = weights + g * p.outPerGroup * p.kernelVolume
                let table = PackedGemm.pack(m: p.outPerGroup, k: p.kernelVolume, wg, lda: p.kernelVolume)
                packed += UnsafeBufferPointer(start: table.base, count: table.count)
            }
            packedWeights = Table(packed)
        } else {
            packedWeights = nil
        }
    }

    func run(_ parallel: Parallel) {
        let spatial = p.outH * p.outW
        let packedCount = PackedGemm.packedCount(m: p.outPerGroup, k: p.kernelVolume)
        for b in 0..<p.n {
            for g in 0..<p.group {
                let xg = x + (b * p.c + g * p.channelsPerGroup) * p.h * p.w
                let yg = y + (b * p.m + g * p.outPerGroup) * spatial
                let wg = weights + g * p.outPerGroup * p.kernelVolume
                if isMatrixVector {
                    let (k, wg, xg, yg) = (p.kernelVolume, wg, xg, yg)
                    parallel.forEach(p.outPerGroup, cost: k) { rows in
                        cblas_sgemv(
                            CblasRowMajor, CblasNoTrans, Int32(rows.count), Int32(k), 1, wg + rows.lowerBound * k, Int32(k), xg, 1, 0,
                            yg + rows.lowerBound, 1)
                    }
                } else if let gemm, let packedWeights {
                    let b: PackedGemm.Operand = p.isPointwise ? .matrix(xg, ldb: spatial) : .image(image(xg))
                    gemm.run(
                        parallel, m: p.outPerGroup, n: spatial, k: p.kernelVolume, a: packedWeights.base + g * packedCount, b: b, c: yg, ldc: spatial,
                        epilogue: CKernels_Epilogue(bias: bias.map { $0 + g * p.outPerGroup }, p.activation))
                } else {
                    var source = xg
                    if !p.isPointwise {
                        im2col(xg, parallel)
                        source = cols
                    }
                    parallel.sgemm(
                        m: p.outPerGroup, n: spatial, k: p.kernelVolume, a: wg, lda: p.kernelVolume, b: source, ldb: spatial, c: yg, ldc: spatial)
                }
            }
        }
        guard gemm == nil else { return }
        let planes = p.n * p.m
        let (y, bias, m, activation) = (self.y, self.bias, p.m, p.activation)
        if isMatrixVector {
            // One value per plane: the epilogue runs over each image's channels as one row.
            guard bias != nil || activation.kind != .none else { return }
            for b in 0..<p.n {
                if let bias { activation.run(y + b * m, count: m, biasVector: bias) } else { activation.run(y + b * m, y + b * m, count: m) }
            }
            return
        }
        parallel.forEach(planes, cost: spatial) { range in
            for plane in range {
                let row = y + plane * spatial
                activation.run(row, row, count: spatial, bias: bias?[plane % m] ?? 0)
            }
        }
    }

    /// One group's input as the packed kernels' implicit im2col matrix (the rows `im2col` writes).
    private func image(_ x: UnsafeMutablePointer<Float>) -> CKernels_Image {
        let p = self.p
        return CKernels_Image(
            x: x, h: Int32(p.h), w: Int32(p.w), kh: Int32(p.kh), kw: Int32(p.kw), outW: Int32(p.outW), strideH: Int32(p.strideH),
            strideW: Int32(p.strideW), padTop: Int32(p.padTop), padLeft: Int32(p.padLeft), dilH: Int32(p.dilH), dilW: Int32(p.dilW))
    }

    /// Rows are (channel, ky, kx), columns output positions; padding reads as zero.
    private func im2col(_ x: UnsafeMutablePointer<Float>, _ parallel: Parallel) {
        let p = self.p, cols = self.cols
        let spatial = p.outH * p.outW
        parallel.forEach(p.kernelVolume, cost: spatial) { rows in
            for row in rows {
                let ch = row / (p.kh * p.kw), ky = row / p.kw % p.kh, kx = row % p.kw
                let plane = x + ch * p.h * p.w
                let dst = cols + row * spatial
                // Output columns whose input column lies inside the image.
                let shift = kx * p.dilW - p.padLeft
                let oxLo = min(max(ceilDiv(-shift, p.strideW), 0), p.outW)
                let oxHi = max(min(floorDiv(p.w - 1 - shift, p.strideW) + 1, p.outW), oxLo)
                for oy in 0..<p.outH {
                    let iy = oy * p.strideH - p.padTop + ky * p.dilH
                    let line = dst + oy * p.outW
                    guard iy >= 0, iy < p.h else {
                        line.update(repeating: 0, count: p.outW)
                        continue
                    }
                    let src = plane + iy * p.w + shift
                    line.update(repeating: 0, count: oxLo)
                    if p.strideW == 1 {
                        (line + oxLo).update(from: src + oxLo, count: oxHi - oxLo)
                    } else {
                        for ox in oxLo..<oxHi { line[ox] = src[ox * p.strideW] }
                    }
                    (line + oxHi).update(repeating: 0, count: p.outW - oxHi)
                }
            }
        }
    }
}
