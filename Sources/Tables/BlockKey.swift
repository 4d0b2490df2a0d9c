/// The identity of one block in a latency table, and its spelling in the formats search code
/// already reads (Once-for-All / ProxylessNAS YAML tables).
public struct BlockKey: Hashable, Sendable, Codable {
    /// OFA's layer types. `Conv_1` is the wide 1x1 conv before pooling in both families (MBv3's
    /// final expand, ProxylessNAS's feature mix); only MBv3 has `AvgPool2D` and `Conv_2`.
    public enum Kind: String, Sendable, Codable {
        /// The stem convolution.
        case firstConv = "Conv"
        /// An inverted residual (MBConv) block.
        case expandedConv = "expanded_conv"
        case finalExpand = "Conv_1"
        /// MobileNetV3's global average pooling.
        case avgPool = "AvgPool2D"
        /// MobileNetV3's 1x1 conv after pooling.
        case featureMix = "Conv_2"
        /// The classifier (ProxylessNAS: global pooling and classifier together).
        case logits = "Logits"
    }

    /// A shape as OFA spells it: `HxWxC` for images, the bare number for features (`1000`).
    public struct Shape: Hashable, Sendable, Codable {
        public var dimensions: [Int]
        public init(_ height: Int, _ width: Int, _ channels: Int) { dimensions = [height, width, channels] }
        public init(features: Int) { dimensions = [features] }
        var ofa: String { dimensions.map(String.init).joined(separator: "x") }
    }

    public var kind: Kind
    public var input: Shape
    public var output: Shape
    /// MBv3: absolute middle channel count; ProxylessNAS: the expand ratio as an integer.
    public var expand: Int?
    public var kernel: Int?
    public var stride: Int?
    /// 1 when the block has an identity skip connection.
    public var identitySkip: Int?
    /// MobileNetV3 only: squeeze-excite and h-swish flags.
    public var squeezeExcite: Int?
    public var hardSwish: Int?

    public init(
        kind: Kind, input: Shape, output: Shape, expand: Int? = nil, kernel: Int? = nil, stride: Int? = nil,
        identitySkip: Int? = nil, squeezeExcite: Int? = nil, hardSwish: Int? = nil
    ) {
        self.kind = kind
        self.input = input
        self.output = output
        self.expand = expand
        self.kernel = kernel
        self.stride = stride
        self.identitySkip = identitySkip
        self.squeezeExcite = squeezeExcite
        self.hardSwish = hardSwish
    }

    /// `"-".join([type, "input:HxWxC", "output:HxWxC"])`, then for expanded_conv
    /// `expand:E-kernel:K-stride:S-idskip:I`, then for MobileNetV3 `se:X-hs:Y` (what OFA's
    /// `ProxylessNASLatencyTable.query` and `MBv3LatencyTable.query` look up).
    public var ofaKey: String {
        var parts = [kind.rawValue, "input:\(input.ofa)", "output:\(output.ofa)"]
        if kind == .expandedConv, let e = expand, let k = kernel, let s = stride, let i = identitySkip {
            parts += ["expand:\(e)", "kernel:\(k)", "stride:\(s)", "idskip:\(i)"]
            if let se = squeezeExcite, let hs = hardSwish { parts += ["se:\(se)", "hs:\(hs)"] }
        }
        return parts.joined(separator: "-")
    }
}
