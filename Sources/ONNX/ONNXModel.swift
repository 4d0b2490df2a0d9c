// The ONNX target reads the parts of an ONNX model (onnx.proto, IR versions 3 and later)
// that an importer needs, with a hand-written protobuf reader and no dependencies.
//
// Public API
// ----------
//   ONNXModel(bytes: [UInt8]) throws(ONNXError)           a serialized ModelProto (.onnx file)
//   ONNXTensor(bytes: [UInt8] or ArraySlice<UInt8>) throws(ONNXError)   a serialized TensorProto (backend test .pb)
//
//   struct ONNXModel      irVersion, producerName, producerVersion, domain, modelVersion: Int64,
//                         opsets: [String: Int64] ("" = ai.onnx), graph: ONNXGraph, metadata: [String: String]
//   struct ONNXGraph      name, nodes: [ONNXNode], initializers: [ONNXTensor], inputs, outputs,
//                         valueInfo: [ONNXValueInfo], hasSparseInitializers: Bool
//   struct ONNXNode       name, opType, domain ("" = ai.onnx), inputs: [String] ("" = omitted
//                         optional input, kept in place), outputs: [String], attributes: [String: ONNXAttribute]
//   enum ONNXAttribute    .float(Float) .int(Int64) .string(String) .tensor(ONNXTensor) .floats([Float])
//                         .ints([Int64]) .strings([String]) .graph (subgraph present, not decoded)
//                         .other(type: Int) (AttributeProto.AttributeType code: TENSORS, GRAPHS, SPARSE_TENSOR...)
//   struct ONNXTensor     name, dims: [Int64], dataType: ONNXDataType, isExternal: Bool;
//                         elementCount() -> Int, floats() -> [Float], int64s() -> [Int64] (all throws(ONNXError));
//                         init(name:dims:dataType:rawData:), init(name:dims:floats:), init(name:dims:int64s:)
//   enum ONNXDataType     Int32 codes of TensorProto.DataType (.float = 1 ... .float6e3m2 = 28); name, byteWidth
//   struct ONNXValueInfo  name, elementType: ONNXDataType? (nil: not a tensor, or unknown), shape: [ONNXDimension]? (nil: rank unknown)
//   enum ONNXDimension    .value(Int64) .parameter(String) .unknown
//   enum ONNXError        .malformed(String) .externalData(tensor:) .unsupportedDataType(tensor:type:expected:)
//                         .sizeMismatch(tensor:expectedBytes:actualBytes:) .valueOutOfRange(tensor:detail:); exit status .dataError
//   struct ProtoReader    the wire-format reader underneath (varints, fixed, length-delimited, packed repeats)
//
// Tensor data stays a slice of the input bytes until floats() or int64s() converts it, so
// parsing a model copies no weights. Subgraphs (If/Loop bodies) are skipped, not decoded, so
// decoding never recurses: nesting depth is fixed by the schema, whatever the input.

/// A decoded ONNX model (ModelProto).
public struct ONNXModel: Sendable, Equatable {
    public var irVersion: Int64
    public var producerName: String
    public var producerVersion: String
    public var domain: String
    public var modelVersion: Int64
    /// Operator set version per domain; the default domain (written "" or "ai.onnx") is "".
    public var opsets: [String: Int64]
    public var graph: ONNXGraph
    public var metadata: [String: String]

    public init(
        irVersion: Int64, producerName: String = "", producerVersion: String = "", domain: String = "", modelVersion: Int64 = 0,
        opsets: [String: Int64], graph: ONNXGraph, metadata: [String: String] = [:]
    ) {
        self.irVersion = irVersion
        self.producerName = producerName
        self.producerVersion = producerVersion
        self.domain = domain
        self.modelVersion = modelVersion
        self.opsets = opsets
        self.graph = graph
        self.metadata = metadata
    }
}

/// The main graph (GraphProto).
public struct ONNXGraph: Sendable, Equatable {
    public var name: String
    public var nodes: [ONNXNode]
    public var initializers: [ONNXTensor]
    public var inputs: [ONNXValueInfo]
    public var outputs: [ONNXValueInfo]
    public var valueInfo: [ONNXValueInfo]
    /// Sparse initializers are not decoded; an importer should refuse the model if this is set.
    public var hasSparseInitializers: Bool

    public init(
        name: String = "", nodes: [ONNXNode] = [], initializers: [ONNXTensor] = [], inputs: [ONNXValueInfo] = [],
        outputs: [ONNXValueInfo] = [], valueInfo: [ONNXValueInfo] = [], hasSparseInitializers: Bool = false
    ) {
        self.name = name
        self.nodes = nodes
        self.initializers = initializers
        self.inputs = inputs
        self.outputs = outputs
        self.valueInfo = valueInfo
        self.hasSparseInitializers = hasSparseInitializers
    }
}

/// One operator application (NodeProto).
public struct ONNXNode: Sendable, Equatable {
    public var name: String
    public var opType: String
    /// "" for the default ai.onnx domain (also when the file spells it "ai.onnx").
    public var domain: String
    /// Input value names in order; "" marks an omitted optional input and keeps its position.
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [String: ONNXAttribute]

    public init(
        name: String = "", opType: String, domain: String = "", inputs: [String], outputs: [String],
        attributes: [String: ONNXAttribute] = [:]
    ) {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
    }
}

/// An attribute value (AttributeProto), by the kind its `type` field names.
public enum ONNXAttribute: Sendable, Equatable {
    case float(Float)
    case int(Int64)
    /// A `bytes` value decoded as UTF-8; invalid sequences become U+FFFD.
    case string(String)
    case tensor(ONNXTensor)
    case floats([Float])
    case ints([Int64])
    case strings([String])
    /// A subgraph (If, Loop, Scan bodies): present, but not decoded.
    case graph
    /// A kind this reader does not decode, by its AttributeProto.AttributeType code
    /// (9 TENSORS, 10 GRAPHS, 11 SPARSE_TENSOR, 12 SPARSE_TENSORS, 13 TYPE_PROTO, 14 TYPE_PROTOS).
    case other(type: Int)
}

/// A graph input, output or intermediate value's declared type (ValueInfoProto).
public struct ONNXValueInfo: Sendable, Equatable {
    public var name: String
    /// nil when the value is not a tensor (sequence, map, optional...) or its type code is unknown.
    public var elementType: ONNXDataType?
    /// nil when the rank is unknown (no shape given).
    public var shape: [ONNXDimension]?

    public init(name: String, elementType: ONNXDataType?, shape: [ONNXDimension]?) {
        self.name = name
        self.elementType = elementType
        self.shape = shape
    }
}

/// One dimension of a declared shape.
public enum ONNXDimension: Sendable, Equatable, Hashable {
    /// A fixed size, as written (exporters occasionally write -1 or 0 for "unknown").
    case value(Int64)
    /// A symbolic size such as "batch"; equal names are equal sizes.
    case parameter(String)
    case unknown
}
