import CKernels
import COpenBLAS
import ModelPlan

/// Convolution through GEMM, per image and group: a pointwise (1x1, stride 1, no padding)
/// convolution multiplies the weights by the input directly; any other lowers the input to
/// columns (im2col) first. With the packed kernels the weights are packed into panels at load
/// and bias and activation are applied as each tile is stored; with OpenBLAS an epilogue pass
/// adds the bias and applies the activation.
struct ConvKernel: Kernel {
    let p: ConvGeometry
    let x, weights, y, cols: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>?
    let gemm: PackedGemm?
    /// Every group's weights packed for `gemm`, one after another.
    let packedWeights: Table<Float>?

    init(_ r: NodeReader, _ p: ConvGeometry, scratch: UnsafeMutablePointer<Float>, gemm: PackedGemm?) {
        self.p = p
        (x, weights, y, cols, bias) = (r.input(0), r.input(1), r.output(), scratch, r.optionalInput(2))
        self.gemm = gemm?.takes(k: p.kernelVolume) == true ? gemm : nil
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
                var source = xg
                if !p.isPointwise {
                    im2col(xg, parallel)
                    source = cols
                }
                if let gemm, let packedWeights {
                    gemm.run(
                        parallel, m: p.outPerGroup, n: spatial, k: p.kernelVolume, a: packedWeights.base + g * packedCount, b: source, ldb: spatial,
                        c: yg, ldc: spatial, epilogue: CKernels_Epilogue(bias: bias.map { $0 + g * p.outPerGroup }, p.activation))
                } else {
                    parallel.sgemm(
                        m: p.outPerGroup, n: spatial, k: p.kernelVolume, a: wg, lda: p.kernelVolume, b: source, ldb: spatial, c: yg, ldc: spatial)
                }
            }
        }
        guard gemm == nil else { return }
        let planes = p.n * p.m
        let (y, bias, m, activation) = (self.y, self.bias, p.m, p.activation)
        parallel.forEach(planes, cost: spatial) { range in
            for plane in range {
                let row = y + plane * spatial
                activation.run(row, row, count: spatial, bias: bias?[plane % m] ?? 0)
            }
        }
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
