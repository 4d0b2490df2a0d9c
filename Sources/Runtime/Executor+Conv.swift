import COpenBLAS
import ModelPlan

extension Executor {
    /// Convolution: pointwise goes straight to GEMM, depthwise runs a direct kernel, the rest
    /// lowers each group through im2col to one `cblas_sgemm`.
    func conv(_ node: Node) {
        guard let p = ConvParams(node, graph) else { return }
        let x = pointers[node.inputs[0]], wt = pointers[node.inputs[1]], y = pointers[node.outputs[0]]
        let bias = p.hasBias ? pointers[node.inputs[2]] : nil
        let spatial = p.outH * p.outW
        if p.isDepthwise {
            depthwise(p, x, wt, bias, y)
        } else {
            for b in 0..<p.n {
                for g in 0..<p.group {
                    let xg = x + (b * p.c + g * p.channelsPerGroup) * p.h * p.w
                    let yg = y + (b * p.m + g * p.outPerGroup) * spatial
                    let wg = wt + g * p.outPerGroup * p.kernelVolume
                    let cols: UnsafeMutablePointer<Float>
                    if p.isPointwise {
                        cols = xg
                    } else {
                        im2col(p, xg, scratch)
                        cols = scratch
                    }
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(p.outPerGroup), Int32(spatial), Int32(p.kernelVolume),
                        1, wg, Int32(p.kernelVolume), cols, Int32(spatial), 0, yg, Int32(spatial))
                }
            }
        }
        epilogue(y, channels: p.m, batch: p.n, spatial: spatial, bias: bias, activation: p.activation)
    }

    /// Rows are (channel, ky, kx), columns output positions; padding reads as zero.
    private func im2col(_ p: ConvParams, _ x: UnsafeMutablePointer<Float>, _ cols: UnsafeMutablePointer<Float>) {
        let spatial = p.outH * p.outW
        var row = 0
        for ch in 0..<p.channelsPerGroup {
            let plane = x + ch * p.h * p.w
            for ky in 0..<p.kh {
                for kx in 0..<p.kw {
                    let dst = cols + row * spatial
                    for oy in 0..<p.outH {
                        let iy = oy * p.strideH - p.padTop + ky * p.dilH
                        let line = dst + oy * p.outW
                        if iy < 0 || iy >= p.h {
                            line.update(repeating: 0, count: p.outW)
                            continue
                        }
                        for ox in 0..<p.outW {
                            let ix = ox * p.strideW - p.padLeft + kx * p.dilW
                            line[ox] = (ix >= 0 && ix < p.w) ? plane[iy * p.w + ix] : 0
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// One filter per channel; accumulates tap by tap over output rows.
    private func depthwise(
        _ p: ConvParams, _ x: UnsafeMutablePointer<Float>, _ wt: UnsafeMutablePointer<Float>,
        _ bias: UnsafeMutablePointer<Float>?, _ y: UnsafeMutablePointer<Float>
    ) {
        for b in 0..<p.n {
            for ch in 0..<p.c {
                let plane = x + (b * p.c + ch) * p.h * p.w
                let out = y + (b * p.c + ch) * p.outH * p.outW
                let k = wt + ch * p.kh * p.kw
                out.update(repeating: 0, count: p.outH * p.outW)
                for oy in 0..<p.outH {
                    let line = out + oy * p.outW
                    for ky in 0..<p.kh {
                        let iy = oy * p.strideH - p.padTop + ky * p.dilH
                        guard iy >= 0 && iy < p.h else { continue }
                        let src = plane + iy * p.w
                        for kx in 0..<p.kw {
                            let tap = k[ky * p.kw + kx]
                            let shift = kx * p.dilW - p.padLeft
                            for ox in 0..<p.outW {
                                let ix = ox * p.strideW + shift
                                if ix >= 0 && ix < p.w { line[ox] += tap * src[ix] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds per-channel bias and applies the fused activation in place (NCHW).
    func epilogue(
        _ y: UnsafeMutablePointer<Float>, channels: Int, batch: Int, spatial: Int,
        bias: UnsafeMutablePointer<Float>?, activation: Activation
    ) {
        for b in 0..<batch {
            for ch in 0..<channels {
                let row = y + (b * channels + ch) * spatial
                let add = bias?[ch] ?? 0
                switch activation.kind {
                case .none: for i in 0..<spatial { row[i] += add }
                case .relu: for i in 0..<spatial { row[i] = max(row[i] + add, 0) }
                default: for i in 0..<spatial { row[i] = activation.apply(row[i] + add) }
                }
            }
        }
    }
}
