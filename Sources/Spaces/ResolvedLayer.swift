/// One layer or block of an architecture with every width and shape worked out: what
/// `SpaceCompiler` emits nodes for, and what a latency table keys a block on.
public struct ResolvedLayer: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case conv
        case mbconv
        case bottleneck
        case transformer
        case maxPool
        case globalPool
        case linear
        case patchEmbed
        case layerNorm
        case selectClassToken
    }

    /// `first_conv`, `stage2.block1`, `classifier`.
    public var name: String
    public var kind: Kind
    /// Shape of one sample: [C, H, W] for images, [T, D] for tokens, [F] for features.
    public var input: [Int]
    public var output: [Int]
    /// Window (conv, depthwise, middle 3x3 of a bottleneck, pool, patch); 0 when none.
    public var kernel: Int
    public var stride: Int
    /// Expanded width of an inverted residual or bottleneck, hidden width of a transformer's
    /// MLP; 0 when none. (OFA's MobileNetV3 tables call this `expand`.)
    public var middle: Int
    /// The expand ratio chosen (mbconv: middle/input, bottleneck: middle/output, transformer:
    /// hidden/width); 1 for other layers. An mbconv of ratio 1 has no expand convolution.
    public var expandRatio: Double
    /// Squeeze-excite reduction width; 0 means no squeeze-excite.
    public var seChannels: Int
    /// Attention heads (transformer).
    public var heads: Int
    public var activation: ActivationKind
    /// The block adds its input to its output unchanged (no downsample convolution).
    public var identitySkip: Bool
    public var bias: Bool

    public init(
        name: String, kind: Kind, input: [Int], output: [Int], kernel: Int = 0, stride: Int = 1, middle: Int = 0, expandRatio: Double = 1, seChannels: Int = 0,
        heads: Int = 0, activation: ActivationKind = .none, identitySkip: Bool = false, bias: Bool = true
    ) {
        self.name = name
        self.kind = kind
        self.input = input
        self.output = output
        self.kernel = kernel
        self.stride = stride
        self.middle = middle
        self.expandRatio = expandRatio
        self.seChannels = seChannels
        self.heads = heads
        self.activation = activation
        self.identitySkip = identitySkip
        self.bias = bias
    }
}
