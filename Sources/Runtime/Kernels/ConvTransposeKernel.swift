import COpenBLAS
import ModelPlan

/// Transposed convolution per image and group: one GEMM gives every input pixel's
/// contribution to each (output channel, ky, kx); col2im then scatters those columns into
/// the output, which starts at the bias. Output channels scatter in parallel.
struct ConvTransposeKernel: Kernel {
    let n, c, h, w, m, kh, kw, group, outH, outW: Int
    let strideH, strideW, padTop, padLeft, dilH, dilW: Int
    let activation: Activation
    let x, weights, y, cols: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>?

    init(_ r: NodeReader, scratch: UnsafeMutablePointer<Float>) {
        let xs = r.inputShape(0), ws = r.inputShape(1), ys = r.outputShape()
        let strides = r.ints("strides", [1, 1]), pads = r.ints("pads", [0, 0, 0, 0]), dil = r.ints("dilations", [1, 1])
        (n, c, h, w) = (xs[0], xs[1], xs[2], xs[3])
        (m, kh, kw, outH, outW) = (ys[1], ws[2], ws[3], ys[2], ys[3])
        group = r.int("group", 1)
        (strideH, strideW, padTop, padLeft, dilH, dilW) = (strides[0], strides[1], pads[0], pads[1], dil[0], dil[1])
        activation = r.activation
        (x, weights, y, cols, bias) = (r.input(0), r.input(1), r.output(), scratch, r.optionalInput(2))
    }

    func run(_ parallel: Parallel) {
        let cg = c / group, mg = m / group
        let rows = mg * kh * kw, pixels = h * w
        for b in 0..<n {
            for g in 0..<group {
                let xg = x + (b * c + g * cg) * pixels
                let wg = weights + g * cg * rows
                // cols[rows, pixels] = Wgᵀ[rows, cg] · Xg[cg, pixels]
                parallel.sgemm(transA: true, m: rows, n: pixels, k: cg, a: wg, lda: rows, b: xg, ldb: pixels, c: cols, ldc: pixels)
                let yg = y + (b * m + g * mg) * outH * outW
                parallel.forEach(mg, cost: kh * kw * pixels) { channels in
                    for oc in channels { col2im(oc, yg + oc * outH * outW, bias?[g * mg + oc] ?? 0) }
                }
            }
        }
    }

    private func col2im(_ oc: Int, _ plane: UnsafeMutablePointer<Float>, _ b0: Float) {
        plane.update(repeating: b0, count: outH * outW)
        for ky in 0..<kh {
            for kx in 0..<kw {
                let src = cols + ((oc * kh + ky) * kw + kx) * h * w
                let shift = kx * dilW - padLeft
                // Input columns whose output column lies inside the output.
                let ixLo = min(max(ceilDiv(-shift, strideW), 0), w)
                let ixHi = max(min(floorDiv(outW - 1 - shift, strideW) + 1, w), ixLo)
                for iy in 0..<h {
                    let oy = iy * strideH - padTop + ky * dilH
                    guard oy >= 0, oy < outH else { continue }
                    let line = plane + oy * outW + shift, row = src + iy * w
                    if strideW == 1 {
                        var ix = ixLo
                        while ix + 8 <= ixHi {
                            line.store8(line.load8(ix) + row.load8(ix), ix)
                            ix += 8
                        }
                        while ix < ixHi {
                            line[ix] += row[ix]
                            ix += 1
                        }
                    } else {
                        for ix in ixLo..<ixHi { line[ix * strideW] += row[ix] }
                    }
                }
            }
        }
        activation.run(plane, plane, count: outH * outW)
    }
}
