/// The plan's graph IR: ONNX-like, NCHW, float32 activations. Tensors are referenced by
/// index; nodes are stored in execution order (every input is defined before it is used).
public struct Graph: Sendable, Equatable {
    public var name: String
    /// Free-form provenance (source model, compiler version), sorted by key when encoded.
    public var metadata: [String: String]
    public var tensors: [TensorInfo]
    public var nodes: [Node]
    public var inputs: [Int]
    public var outputs: [Int]
    /// Constant data; each constant starts at a 64-byte-aligned offset.
    public var weights: [UInt8]
    /// Runs of `weights` that are seeded random values rather than data (sorted by offset).
    /// `weights` always holds their materialised bytes; only the encoder and decoder care:
    /// a plan stores these as seeds (format version 2).
    public var generatedWeights: [WeightFill]

    public init(
        name: String, metadata: [String: String] = [:], tensors: [TensorInfo], nodes: [Node],
        inputs: [Int], outputs: [Int], weights: [UInt8], generatedWeights: [WeightFill] = []
    ) {
        self.name = name
        self.metadata = metadata
        self.tensors = tensors
        self.nodes = nodes
        self.inputs = inputs
        self.outputs = outputs
        self.weights = weights
        self.generatedWeights = generatedWeights
    }
}

public enum DataType: UInt8, Sendable, Equatable {
    // Raw values follow ONNX's TensorProto.DataType so importers map one to one.
    case float32 = 1
    case int64 = 7

    public var byteSize: Int {
        switch self {
        case .float32: 4
        case .int64: 8
        }
    }
}

public struct TensorInfo: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var dataType: DataType
    /// Where a constant's bytes live in `Graph.weights`; nil for activations and inputs.
    public var constant: ByteRange?

    public init(name: String, shape: [Int], dataType: DataType = .float32, constant: ByteRange? = nil) {
        self.name = name
        self.shape = shape
        self.dataType = dataType
        self.constant = constant
    }

    /// Product of the dimensions; callers rely on validation having bounded it.
    public var elementCount: Int { shape.reduce(1, *) }
    public var byteCount: Int { elementCount * dataType.byteSize }
}

public struct ByteRange: Sendable, Equatable {
    public var offset: Int
    public var count: Int
    public init(offset: Int, count: Int) {
        self.offset = offset
        self.count = count
    }
}

public struct Node: Sendable, Equatable {
    public var op: OpCode
    public var name: String
    public var inputs: [Int]
    public var outputs: [Int]
    public var attributes: Attributes

    public init(op: OpCode, name: String, inputs: [Int], outputs: [Int], attributes: Attributes = Attributes()) {
        self.op = op
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }
}
