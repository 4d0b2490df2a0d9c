/// A hardware-aware NAS search space: fixed layers around searchable stages, and the choices
/// an architecture may make in each stage. Loaded from `Profiles/spaces/NAME.yaml`
/// (`SearchSpace(yaml:file:)`); the file's header comment documents the schema.
///
/// Channel counts are base values: the chosen width multiplier scales them and rounds with
/// `Channels.makeDivisible`, as the reference implementations do.
public struct SearchSpace: Sendable, Equatable {
    public enum Family: String, Sendable, CaseIterable {
        /// MobileNetV2 / ProxylessNAS: inverted residuals, ReLU6, no squeeze-excite.
        case mobilenetV2 = "mobilenet-v2"
        /// Once-for-All MobileNetV3: inverted residuals with SE and h-swish in later stages.
        case mobilenetV3 = "mobilenet-v3"
        /// Once-for-All ResNet: bottleneck blocks, deep stem, elastic width.
        case resnet
        /// Vision transformer: patch embedding, pre-LN encoder blocks, class token.
        case vit
    }

    public var name: String
    public var family: Family
    public var description: String
    /// Input resolutions (square images), ascending.
    public var resolutions: [Int]
    /// Width multipliers an architecture may pick (for the whole net, a stage or a fixed layer).
    public var widthMultipliers: [Double]
    /// Embedding widths a transformer may pick; empty for convolutional families.
    public var embedDims: [Int]
    public var inputChannels: Int
    public var classes: Int
    /// Fixed layers before the stages, in order.
    public var stem: [FixedLayer]
    public var stages: [Stage]
    /// Fixed layers after the stages, in order (the last is the classifier).
    public var head: [FixedLayer]

    public init(
        name: String, family: Family, description: String = "", resolutions: [Int], widthMultipliers: [Double] = [1],
        embedDims: [Int] = [], inputChannels: Int = 3, classes: Int = 1000, stem: [FixedLayer], stages: [Stage], head: [FixedLayer]
    ) {
        self.name = name
        self.family = family
        self.description = description
        self.resolutions = resolutions
        self.widthMultipliers = widthMultipliers
        self.embedDims = embedDims
        self.inputChannels = inputChannels
        self.classes = classes
        self.stem = stem
        self.stages = stages
        self.head = head
    }

    /// Fixed layers by name (stem then head).
    public var fixedLayers: [FixedLayer] { stem + head }
}

/// The kind of block a stage repeats.
public enum BlockType: String, Sendable, CaseIterable {
    /// Inverted residual: 1x1 expand, depthwise k x k, optional squeeze-excite, 1x1 project.
    case mbconv
    /// ResNet bottleneck: 1x1 reduce, 3x3, 1x1 expand, shortcut, ReLU after the add.
    case bottleneck
    /// Pre-LN transformer encoder block: multi-head self-attention, then an MLP.
    case transformer
}

/// Nonlinearities a space may name. Squeeze-excite gates always use h-sigmoid (as OFA does).
public enum ActivationKind: String, Sendable, CaseIterable {
    case none
    case relu
    case relu6
    case hswish
    case gelu
}

/// One searchable stage: `depth` blocks of one type, the first with `stride`.
public struct Stage: Sendable, Equatable {
    public var name: String
    public var block: BlockType
    /// Base output channels (before the width multiplier); nil for transformers, whose width
    /// is the architecture's embedding width.
    public var outChannels: Int?
    /// Stride of the stage's first block; the others have stride 1.
    public var stride: Int
    public var activation: ActivationKind
    public var squeezeExcite: Bool
    /// Blocks every architecture has; `depths` are added to it (OFA ResNet's convention:
    /// base depth 2 plus a choice of 0, 1 or 2). 0 for the MobileNet and ViT spaces.
    public var baseDepth: Int
    /// Depth choices, added to `baseDepth`. OFA's `d` values are these.
    public var depths: [Int]
    /// Depthwise (mbconv) or middle (bottleneck) kernel choices; empty for transformers.
    public var kernels: [Int]
    /// Expand ratio choices: middle/input channels (mbconv), middle/output channels
    /// (bottleneck), MLP hidden/embedding width (transformer).
    public var expands: [Double]
    /// Attention head choices (transformer only).
    public var heads: [Int]

    public init(
        name: String, block: BlockType, outChannels: Int?, stride: Int, activation: ActivationKind, squeezeExcite: Bool = false,
        baseDepth: Int = 0, depths: [Int], kernels: [Int], expands: [Double], heads: [Int] = []
    ) {
        self.name = name
        self.block = block
        self.outChannels = outChannels
        self.stride = stride
        self.activation = activation
        self.squeezeExcite = squeezeExcite
        self.baseDepth = baseDepth
        self.depths = depths
        self.kernels = kernels
        self.expands = expands
        self.heads = heads
    }

    /// Block counts an architecture may choose: `baseDepth + d` for each `d` in `depths`.
    public var blockCounts: [Int] { depths.map { baseDepth + $0 } }
    /// The most blocks the stage can have; OFA's flat `ks`/`e` lists reserve this many per stage.
    public var maxBlocks: Int { blockCounts.max() ?? 0 }
}

/// A layer every architecture of the space has (stem, final expand, classifier...).
public struct FixedLayer: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// k x k convolution (BatchNorm folded into it).
        case conv
        /// A fixed inverted residual block (MobileNet's first block).
        case mbconv
        case maxPool
        /// Global average pooling to [N, C, 1, 1].
        case globalPool
        /// Fully connected layer (flattens a 4-D input first).
        case linear
        /// ViT patch embedding: conv with kernel = stride = patch, tokens, class token,
        /// position embedding.
        case patchEmbed
        case layerNorm
        /// Picks the class token's features: [N, T, D] -> [N, D].
        case selectClassToken
    }

    public var name: String
    public var kind: Kind
    /// Base output channels (scaled by the width multiplier), classes for `linear`; nil keeps
    /// the input width (residual convs, pools) or uses the embedding width (`patchEmbed`).
    public var outChannels: Int?
    public var kernel: Int
    public var stride: Int
    public var activation: ActivationKind
    public var bias: Bool
    /// mbconv only.
    public var expand: Double
    public var squeezeExcite: Bool
    /// Adds the layer's input to its output (needs equal shapes).
    public var residual: Bool
    /// An architecture may leave this layer out (OFA ResNet's middle stem conv).
    public var skippable: Bool

    public init(
        name: String, kind: Kind, outChannels: Int? = nil, kernel: Int = 1, stride: Int = 1, activation: ActivationKind = .none,
        bias: Bool = true, expand: Double = 1, squeezeExcite: Bool = false, residual: Bool = false, skippable: Bool = false
    ) {
        self.name = name
        self.kind = kind
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.activation = activation
        self.bias = bias
        self.expand = expand
        self.squeezeExcite = squeezeExcite
        self.residual = residual
        self.skippable = skippable
    }

    /// Whether the width multiplier applies to this layer's output channels.
    public var isScaled: Bool { outChannels != nil && kind != .linear && kind != .patchEmbed }
}
