import ModelPlan

/// Convolution geometry read once from a validated node.
struct ConvGeometry {
    var n, c, h, w, m, kh, kw, group, outH, outW: Int
    var strideH, strideW, padTop, padLeft, dilH, dilW: Int
    var activation: Activation

    init(_ r: NodeReader) {
        let x = r.inputShape(0), wt = r.inputShape(1), y = r.outputShape()
        let strides = r.ints("strides", [1, 1]), pads = r.ints("pads", [0, 0, 0, 0]), dil = r.ints("dilations", [1, 1])
        (n, c, h, w) = (x[0], x[1], x[2], x[3])
        (m, kh, kw) = (wt[0], wt[2], wt[3])
        (outH, outW) = (y[2], y[3])
        group = r.int("group", 1)
        (strideH, strideW, padTop, padLeft, dilH, dilW) = (strides[0], strides[1], pads[0], pads[1], dil[0], dil[1])
        activation = r.activation
    }

    var channelsPerGroup: Int { c / group }
    var outPerGroup: Int { m / group }
    /// Rows of the im2col matrix: one per (input channel of the group, ky, kx).
    var kernelVolume: Int { channelsPerGroup * kh * kw }
    var isPointwise: Bool { kh == 1 && kw == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0 && outH == h && outW == w }
    /// One input channel per group (depth multiplier m / c allowed).
    var isDepthwise: Bool { group == c && group > 1 }
}
