/// Operations a plan may contain. Raw values are part of the plan format: never reuse one.
public enum OpCode: UInt16, Sendable, CaseIterable {
    /// inputs X[N,C,H,W], W[M,C/group,kH,kW], optional B[M]; attrs strides, pads
    /// (top, left, bottom, right), dilations, group, activation.
    case conv = 1
    /// inputs X[N,K], W[M,K], optional B[M] (a dense layer: Y = X Wᵀ + B); attr activation.
    case dense = 2
    case relu = 3
    /// Two inputs of identical shape.
    case add = 4
    case globalAveragePool = 5
    /// attr axis (default 1): [d0..d(axis-1)] x [d(axis)..].
    case flatten = 6
    /// attrs kernel, strides, pads.
    case maxPool = 7
    case averagePool = 8

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
        }
    }
}

/// Activation fused into a producing op's epilogue (attribute `activation`).
public enum FusedActivation: Int64, Sendable {
    case none = 0
    case relu = 1
}
