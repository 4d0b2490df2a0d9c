import ModelPlan

/// Convolution geometry read once from a validated node.
struct ConvParams {
    var n, c, h, w, m, kh, kw, group, outH, outW: Int
    var strideH, strideW, padTop, padLeft, dilH, dilW: Int
    var activation: Activation
    var hasBias: Bool

    init?(_ node: Node, _ g: Graph) {
        let x = g.tensors[node.inputs[0]].shape, wt = g.tensors[node.inputs[1]].shape, y = g.tensors[node.outputs[0]].shape
        let a = node.attributes
        guard let strides = try? a.ints("strides", count: 2, default: [1, 1]),
            let pads = try? a.ints("pads", count: 4, default: [0, 0, 0, 0]),
            let dil = try? a.ints("dilations", count: 2, default: [1, 1]),
            let group = try? a.int("group", default: 1),
            let activation = try? Activation(a)
        else { return nil }
        (n, c, h, w) = (x[0], x[1], x[2], x[3])
        (m, kh, kw) = (wt[0], wt[2], wt[3])
        (outH, outW) = (y[2], y[3])
        self.group = group
        (strideH, strideW, padTop, padLeft, dilH, dilW) = (strides[0], strides[1], pads[0], pads[1], dil[0], dil[1])
        self.activation = activation
        hasBias = node.inputs.count == 3
    }

    var channelsPerGroup: Int { c / group }
    var outPerGroup: Int { m / group }
    var kernelVolume: Int { channelsPerGroup * kh * kw }
    var isPointwise: Bool { kh == 1 && kw == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0 && outH == h && outW == w }
    var isDepthwise: Bool { group == c && group == m && group > 1 }
}
