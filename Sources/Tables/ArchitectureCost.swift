import ModelPlan
import Spaces

/// Multiply-accumulates and parameter count of an architecture, worked out from its resolved
/// layers without building a graph or generating weights: cheap enough to call on every
/// candidate of a search. Counts exactly what `GraphCost` counts on the compiled graph
/// (`SpaceCompiler.graph`): conv, dense and matmul MACs; every constant, biases of folded
/// BatchNorm, LayerNorm scales and shifts, class token, position embedding and attention scale included.
public struct ArchitectureCost: Sendable, Equatable {
    public var macs: Int64
    public var parameters: Int64

    public init(macs: Int64, parameters: Int64) {
        self.macs = macs
        self.parameters = parameters
    }

    /// Checks `arch` against `space` and sums the cost of its layers.
    public init(_ arch: Architecture, in space: SearchSpace) throws(SpaceError) {
        self.init(layers: try SpaceCompiler.layers(for: arch, in: space))
    }

    public init(layers: [ResolvedLayer]) {
        var total = ArchitectureCost(macs: 0, parameters: 0)
        for layer in layers { total.add(Self.of(layer)) }
        self = total
    }

    /// The cost of one layer or block, matching the nodes `SpaceCompiler` emits for it.
    public static func of(_ layer: ResolvedLayer) -> ArchitectureCost {
        var cost = ArchitectureCost(macs: 0, parameters: 0)
        switch layer.kind {
        case .conv:
            cost.conv(in: layer.input[0], out: layer.output[0], kernel: layer.kernel, outputPixels: pixels(layer.output), bias: layer.bias)
        case .mbconv:
            let m = layer.middle
            if layer.expandRatio != 1 { cost.conv(in: layer.input[0], out: m, kernel: 1, outputPixels: pixels(layer.input)) }
            cost.conv(in: m, out: m, kernel: layer.kernel, groups: m, outputPixels: pixels(layer.output))
            if layer.seChannels > 0 {
                cost.conv(in: m, out: layer.seChannels, kernel: 1, outputPixels: 1)
                cost.conv(in: layer.seChannels, out: m, kernel: 1, outputPixels: 1)
            }
            cost.conv(in: m, out: layer.output[0], kernel: 1, outputPixels: pixels(layer.output))
        case .bottleneck:
            let (c, m, out) = (layer.input[0], layer.middle, layer.output[0])
            cost.conv(in: c, out: m, kernel: 1, outputPixels: pixels(layer.input))
            cost.conv(in: m, out: m, kernel: layer.kernel, outputPixels: pixels(layer.output))
            cost.conv(in: m, out: out, kernel: 1, outputPixels: pixels(layer.output))
            if !layer.identitySkip {
                // The shortcut conv runs after ceil-mode average pooling when the block is strided.
                let (h, w) = (pooled(layer.input[1], layer.stride), pooled(layer.input[2], layer.stride))
                cost.conv(in: c, out: out, kernel: 1, outputPixels: h * w)
            }
        case .transformer:
            let (t, d, hidden) = (layer.input[0], layer.input[1], layer.middle)
            cost.parameters += 4 * Int64(d)  // two LayerNorms, scale and shift each
            cost.dense(in: d, out: 3 * d, rows: t)  // qkv
            cost.macs += 2 * Int64(t) * Int64(t) * Int64(d)  // scores and context matmuls over all heads
            cost.parameters += 1  // the 1/sqrt(head width) constant
            cost.dense(in: d, out: d, rows: t)  // output projection
            cost.dense(in: d, out: hidden, rows: t)
            cost.dense(in: hidden, out: d, rows: t)
        case .linear:
            cost.dense(in: layer.input.reduce(1, *), out: layer.output[0], rows: 1, bias: layer.bias)
        case .patchEmbed:
            let (tokens, d, p) = (layer.output[0], layer.output[1], layer.kernel)
            cost.conv(in: layer.input[0], out: d, kernel: p, outputPixels: tokens - 1, bias: layer.bias)
            cost.parameters += Int64(d) + Int64(tokens) * Int64(d)  // class token, position embedding
        case .layerNorm:
            cost.parameters += 2 * Int64(layer.input[layer.input.count - 1])
        case .maxPool, .globalPool, .selectClassToken:
            break
        }
        return cost
    }

    mutating func add(_ other: ArchitectureCost) {
        macs += other.macs
        parameters += other.parameters
    }

    private mutating func conv(in c: Int, out: Int, kernel: Int, groups: Int = 1, outputPixels: Int, bias: Bool = true) {
        let taps = Int64(c / groups) * Int64(kernel) * Int64(kernel)
        macs += Int64(out) * Int64(outputPixels) * taps
        parameters += Int64(out) * taps + (bias ? Int64(out) : 0)
    }

    private mutating func dense(in k: Int, out: Int, rows: Int, bias: Bool = true) {
        macs += Int64(rows) * Int64(out) * Int64(k)
        parameters += Int64(out) * Int64(k) + (bias ? Int64(out) : 0)
    }

    /// H x W of an image shape [C, H, W].
    private static func pixels(_ shape: [Int]) -> Int { shape[1] * shape[2] }

    private static func pooled(_ size: Int, _ stride: Int) -> Int { stride > 1 ? (size + stride - 1) / stride : size }
}
