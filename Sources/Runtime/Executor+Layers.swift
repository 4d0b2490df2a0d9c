import COpenBLAS
import ModelPlan

extension Executor {
    /// Y[N,M] = X[N,K] · W[M,K]ᵀ + B, then the fused activation.
    func dense(_ node: Node) {
        let xs = graph.tensors[node.inputs[0]].shape, ws = graph.tensors[node.inputs[1]].shape
        let (n, k, m) = (xs[0], xs[1], ws[0])
        let y = pointers[node.outputs[0]]
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(m), Int32(k),
            1, pointers[node.inputs[0]], Int32(k), pointers[node.inputs[1]], Int32(k), 0, y, Int32(m))
        let act = (try? Activation(node.attributes)) ?? .identity
        let bias = node.inputs.count == 3 ? pointers[node.inputs[2]] : nil
        // Rows are samples here, so bias is per column: treat each row as `m` channels of size 1.
        epilogue(y, channels: m, batch: n, spatial: 1, bias: bias, activation: act)
    }

    func relu(_ node: Node) {
        let x = pointers[node.inputs[0]], y = pointers[node.outputs[0]]
        for i in 0..<graph.tensors[node.outputs[0]].elementCount { y[i] = max(x[i], 0) }
    }

    func add(_ node: Node) {
        let a = pointers[node.inputs[0]], b = pointers[node.inputs[1]], y = pointers[node.outputs[0]]
        for i in 0..<graph.tensors[node.outputs[0]].elementCount { y[i] = a[i] + b[i] }
    }

    func copy(_ node: Node) {
        pointers[node.outputs[0]].update(from: pointers[node.inputs[0]], count: graph.tensors[node.outputs[0]].elementCount)
    }

    func globalAveragePool(_ node: Node) {
        let s = graph.tensors[node.inputs[0]].shape
        let planes = s[0] * s[1], size = s[2] * s[3]
        let x = pointers[node.inputs[0]], y = pointers[node.outputs[0]]
        for p in 0..<planes {
            var sum: Float = 0
            for i in 0..<size { sum += x[p * size + i] }
            y[p] = sum / Float(size)
        }
    }

    /// Max or average pooling; averages count only real (unpadded) inputs, as ONNX's
    /// default count_include_pad = 0 does.
    func pool(_ node: Node) {
        let xs = graph.tensors[node.inputs[0]].shape, ys = graph.tensors[node.outputs[0]].shape
        let a = node.attributes
        let kernel = (try? a.ints("kernel", count: 2, default: [1, 1])) ?? [1, 1]
        let strides = (try? a.ints("strides", count: 2, default: [1, 1])) ?? [1, 1]
        let pads = (try? a.ints("pads", count: 4, default: [0, 0, 0, 0])) ?? [0, 0, 0, 0]
        let isMax = node.op == .maxPool
        let x = pointers[node.inputs[0]], y = pointers[node.outputs[0]]
        let (h, w, oh, ow) = (xs[2], xs[3], ys[2], ys[3])
        for p in 0..<(xs[0] * xs[1]) {
            let plane = x + p * h * w, out = y + p * oh * ow
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var acc: Float = isMax ? -.infinity : 0
                    var count = 0
                    for ky in 0..<kernel[0] {
                        let iy = oy * strides[0] - pads[0] + ky
                        guard iy >= 0 && iy < h else { continue }
                        for kx in 0..<kernel[1] {
                            let ix = ox * strides[1] - pads[1] + kx
                            guard ix >= 0 && ix < w else { continue }
                            let v = plane[iy * w + ix]
                            acc = isMax ? max(acc, v) : acc + v
                            count += 1
                        }
                    }
                    out[oy * ow + ox] = isMax ? acc : (count > 0 ? acc / Float(count) : 0)
                }
            }
        }
    }
}
