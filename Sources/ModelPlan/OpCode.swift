/// Operations a plan may contain. Raw values are part of the plan format: never reuse one.
///
/// The plan's op set is smaller and stricter than ONNX's: front ends normalise every static
/// parameter into attributes (Reshape's shape, Slice's bounds, Resize's scales, Clip's bounds,
/// Gather's indices...), resolve defaults and negative axes, and fold every node whose inputs
/// are constants. What remains is float32 NCHW dataflow whose shapes are all known. Axes in
/// attributes are non-negative; every tensor input of a node is float32.
///
/// Attribute conventions (all checked by `ShapeInference`):
/// - windows: `kernel` (2), `strides` (2, default 1), `pads` (4: top, left, bottom, right,
///   default 0), `dilations` (2, default 1), `ceil` (0/1, pools only).
/// - fused activation on conv, convTranspose, dense, matMul, batchNorm: `activation`
///   (`FusedActivation` raw value) with `activationMin`/`activationMax` (clip) and
///   `activationAlpha`/`activationBeta` (leakyRelu, hardSigmoid).
public enum OpCode: UInt16, Sendable, CaseIterable {
    /// X[N,C,H,W], W[M,C/group,kH,kW], optional B[M]; window attrs, `group`, activation.
    case conv = 1
    /// X[..., K], W[M,K], optional B[M]: Y[..., M] = X Wᵀ + B; activation.
    case dense = 2
    case relu = 3
    /// Elementwise with NumPy broadcasting (also sub, mul, div, pow).
    case add = 4
    /// X[N,C,H,W] -> [N,C,1,1].
    case globalAveragePool = 5
    /// `axis` (default 1): [d0..d(axis-1)] x [d(axis)..].
    case flatten = 6
    /// Window attrs and `ceil`.
    case maxPool = 7
    /// Window attrs (no dilations), `ceil`, `countIncludePad` (0/1).
    case averagePool = 8
    /// X[N,C,H,W], W[C,M/group,kH,kW], optional B[M]; `strides`, `pads`, `dilations`, `group`,
    /// `outputPadding` (2: extra rows/columns at the end that only the bias reaches); activation.
    /// Output: stride·(in−1) + outputPadding + dilation·(k−1) + 1 − pads.
    case convTranspose = 9
    case sub = 10
    case mul = 11
    case div = 12
    case pow = 13
    /// `min`, `max` (floats; absent means unbounded).
    case clip = 14
    /// `alpha` (default 0.01).
    case leakyRelu = 15
    /// max(0, min(1, alpha·x + beta)); `alpha` (default 0.2), `beta` (default 0.5).
    case hardSigmoid = 16
    /// x · max(0, min(1, x/6 + 1/2)).
    case hardSwish = 17
    case sigmoid = 18
    case tanh = 19
    /// `approximate`: 0 exact (erf), 1 tanh.
    case gelu = 20
    case erf = 21
    case sqrt = 22
    /// Resizes the last two axes of a 4-D X. `sizes` (4 ints, the output shape), `scales`
    /// (4 floats, as the model gave them or out/in), `mode` (ResizeMode), `coordinateMode`
    /// (ResizeCoordinateMode), `nearestMode` (ResizeNearestMode), `roi` (8 floats, only for
    /// tf_crop_and_resize), `extrapolation` (float).
    case resize = 23
    /// Any number of inputs; `axis`.
    case concat = 24
    /// `axis`, `splits` (one size per output, summing to the axis length).
    case split = 25
    /// Per axis of the input (full rank): `starts`, `steps` (non-zero) and the output shape
    /// `sizes`: element i of axis a is input index starts[a] + i·steps[a].
    case slice = 26
    /// `shape`: the output shape (no 0 or −1; the element count is unchanged).
    case reshape = 27
    /// `perm`: a permutation of the axes.
    case transpose = 28
    /// `axis`, `indices` (non-negative), `indicesShape`: output is
    /// data.shape[..<axis] + indicesShape + data.shape[(axis+1)...].
    case gather = 29
    /// `axis`: softmax along one axis.
    case softmax = 30
    /// `axes` (sorted, unique), `keepdims` (0/1).
    case reduceMean = 31
    /// X, Scale, optional B; `axis` (normalises over axis..rank−1), `epsilon`.
    case layerNorm = 32
    /// `pads` (2·rank: all begins then all ends; negative crops), `mode` (PadMode), `value`.
    case pad = 33
    /// NumPy matmul of two rank ≥ 2 inputs with broadcast batch dims; activation.
    case matMul = 34
    /// X[N,C,...], Scale[C], Shift[C]: y = x·scale[c] + shift[c] (an inference-time
    /// BatchNormalization with its statistics folded); activation.
    case batchNorm = 35
    /// `shape`: broadcasts X to the output shape (NumPy rules).
    case expand = 36

    public var name: String {
        switch self {
        case .conv: "Conv"
        case .dense: "Dense"
        case .relu: "Relu"
        case .add: "Add"
        case .globalAveragePool: "GlobalAveragePool"
        case .flatten: "Flatten"
        case .maxPool: "MaxPool"
        case .averagePool: "AveragePool"
        case .convTranspose: "ConvTranspose"
        case .sub: "Sub"
        case .mul: "Mul"
        case .div: "Div"
        case .pow: "Pow"
        case .clip: "Clip"
        case .leakyRelu: "LeakyRelu"
        case .hardSigmoid: "HardSigmoid"
        case .hardSwish: "HardSwish"
        case .sigmoid: "Sigmoid"
        case .tanh: "Tanh"
        case .gelu: "Gelu"
        case .erf: "Erf"
        case .sqrt: "Sqrt"
        case .resize: "Resize"
        case .concat: "Concat"
        case .split: "Split"
        case .slice: "Slice"
        case .reshape: "Reshape"
        case .transpose: "Transpose"
        case .gather: "Gather"
        case .softmax: "Softmax"
        case .reduceMean: "ReduceMean"
        case .layerNorm: "LayerNormalization"
        case .pad: "Pad"
        case .matMul: "MatMul"
        case .batchNorm: "BatchNormalization"
        case .expand: "Expand"
        }
    }

    /// Elementwise ops of one input whose output has the input's shape.
    public var isUnary: Bool {
        switch self {
        case .relu, .clip, .leakyRelu, .hardSigmoid, .hardSwish, .sigmoid, .tanh, .gelu, .erf, .sqrt: true
        default: false
        }
    }

    /// Elementwise ops of two inputs with NumPy broadcasting.
    public var isBinary: Bool {
        switch self {
        case .add, .sub, .mul, .div, .pow: true
        default: false
        }
    }

    /// Ops that accept a fused activation in their epilogue.
    public var acceptsActivation: Bool {
        switch self {
        case .conv, .convTranspose, .dense, .matMul, .batchNorm: true
        default: false
        }
    }
}

/// Activation fused into a producing op's epilogue (attribute `activation`).
public enum FusedActivation: Int64, Sendable, CaseIterable {
    case none = 0
    case relu = 1
    /// `activationMin`, `activationMax` (ReLU6 is clip 0...6).
    case clip = 2
    /// `activationAlpha`.
    case leakyRelu = 3
    case hardSwish = 4
    /// `activationAlpha`, `activationBeta`.
    case hardSigmoid = 5
    case sigmoid = 6
}

/// A fused activation with its parameters, read once from a node's attributes.
public struct Activation: Sendable, Equatable {
    public var kind: FusedActivation
    public var min: Float
    public var max: Float
    public var alpha: Float
    public var beta: Float

    public static let identity = Activation(kind: .none)
    public static let relu = Activation(kind: .relu)
    public static let relu6 = Activation(kind: .clip, min: 0, max: 6)
    public static let hardSwish = Activation(kind: .hardSwish)

    public init(kind: FusedActivation, min: Float = -.infinity, max: Float = .infinity, alpha: Float = 0, beta: Float = 0) {
        self.kind = kind
        self.min = min
        self.max = max
        self.alpha = alpha
        self.beta = beta
    }

    public init(_ a: Attributes) throws(PlanError) {
        let raw = try a.int("activation", default: 0)
        guard let kind = FusedActivation(rawValue: Int64(raw)) else {
            throw .invalidAttribute(key: "activation", reason: "unknown fused activation \(raw)")
        }
        self.init(
            kind: kind, min: try a.float("activationMin", default: -.infinity), max: try a.float("activationMax", default: .infinity),
            alpha: try a.float("activationAlpha", default: kind == .hardSigmoid ? 0.2 : 0.01),
            beta: try a.float("activationBeta", default: 0.5))
    }

    /// The attributes that encode this activation (none for `.none`).
    public var attributes: [String: Attributes.Value] {
        switch kind {
        case .none: [:]
        case .relu, .hardSwish, .sigmoid: ["activation": .int(kind.rawValue)]
        case .clip: ["activation": .int(kind.rawValue), "activationMin": .float(min), "activationMax": .float(max)]
        case .leakyRelu: ["activation": .int(kind.rawValue), "activationAlpha": .float(alpha)]
        case .hardSigmoid: ["activation": .int(kind.rawValue), "activationAlpha": .float(alpha), "activationBeta": .float(beta)]
        }
    }

    /// Scalar reference of the activation (kernels may vectorise it; results must match).
    @inlinable
    public func apply(_ x: Float) -> Float {
        switch kind {
        case .none: x
        case .relu: Swift.max(x, 0)
        case .clip: Swift.min(Swift.max(x, min), max)
        case .leakyRelu: x >= 0 ? x : alpha * x
        case .hardSwish: x * Swift.min(Swift.max(x / 6 + 0.5, 0), 1)
        case .hardSigmoid: Swift.min(Swift.max(alpha * x + beta, 0), 1)
        case .sigmoid: 1 / (1 + _exp(-x))
        }
    }
}

public enum ResizeMode: Int64, Sendable, CaseIterable {
    case nearest = 0
    case linear = 1
}

/// ONNX Resize `coordinate_transformation_mode`: how an output coordinate maps to the input.
public enum ResizeCoordinateMode: Int64, Sendable, CaseIterable {
    case halfPixel = 0
    case pytorchHalfPixel = 1
    case alignCorners = 2
    case asymmetric = 3
    case tfHalfPixelForNearest = 4
    case tfCropAndResize = 5
    case halfPixelSymmetric = 6

    public static let onnxNames: [String: ResizeCoordinateMode] = [
        "half_pixel": .halfPixel, "pytorch_half_pixel": .pytorchHalfPixel, "align_corners": .alignCorners,
        "asymmetric": .asymmetric, "tf_half_pixel_for_nearest": .tfHalfPixelForNearest,
        "tf_crop_and_resize": .tfCropAndResize, "half_pixel_symmetric": .halfPixelSymmetric,
    ]
}

/// ONNX Resize `nearest_mode`: how a fractional input coordinate picks a pixel.
public enum ResizeNearestMode: Int64, Sendable, CaseIterable {
    case roundPreferFloor = 0
    case roundPreferCeil = 1
    case floor = 2
    case ceil = 3

    public static let onnxNames: [String: ResizeNearestMode] = [
        "round_prefer_floor": .roundPreferFloor, "round_prefer_ceil": .roundPreferCeil, "floor": .floor, "ceil": .ceil,
    ]
}

public enum PadMode: Int64, Sendable, CaseIterable {
    case constant = 0
    case reflect = 1
    case edge = 2
}

#if canImport(Glibc)
    import Glibc
    @usableFromInline func _exp(_ x: Float) -> Float { expf(x) }
#elseif canImport(Darwin)
    import Darwin
    @usableFromInline func _exp(_ x: Float) -> Float { expf(x) }
#endif
