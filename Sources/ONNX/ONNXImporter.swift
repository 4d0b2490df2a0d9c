import ModelPlan

/// Options of `ONNXImporter`.
public struct ImportOptions: Sendable, Equatable {
    /// Fixed shapes for graph inputs, by name; the key "" means the first graph input.
    public var inputShapes: [String: [Int]]

    public init(inputShapes: [String: [Int]] = [:]) { self.inputShapes = inputShapes }

    /// Parses `--input-shape` values: `1x3x224x224` (the first input) or `NAME:1x3x224x224`.
    public static func parseInputShapes(_ specs: [String]) throws(ImportError) -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for spec in specs {
            var name = ""
            var dims = Substring(spec)
            if let colon = spec.lastIndex(of: ":") {
                name = String(spec[..<colon])
                dims = spec[spec.index(after: colon)...]
            }
            let parts = dims.split(separator: "x", omittingEmptySubsequences: false)
            let values = parts.compactMap { Int($0) }
            guard !parts.isEmpty, values.count == parts.count, values.allSatisfy({ $0 >= 1 }) else {
                throw .inputShape("\(spec.debugDescription) is not a shape like 1x3x224x224 or NAME:1x3x224x224")
            }
            guard out[name] == nil else { throw .inputShape("input \(name.isEmpty ? "(first)" : name) is given twice") }
            out[name] = values
        }
        return out
    }
}

/// Compiles an ONNX model into a plan graph: fixes input shapes, folds every node whose
/// inputs are known at compile time, lowers the rest to plan ops, folds BatchNormalization
/// into the convolution before it, fuses activations and biases into their producers, and
/// drops what no output needs.
public enum ONNXImporter {
    public static func graph(fromBytes bytes: [UInt8], name: String, options: ImportOptions = ImportOptions()) throws(ImportError) -> Graph {
        let model: ONNXModel
        do { model = try ONNXModel(bytes: bytes) } catch { throw .read(error) }
        return try graph(from: model, name: name, options: options)
    }

    public static func graph(from model: ONNXModel, name: String, options: ImportOptions = ImportOptions()) throws(ImportError) -> Graph {
        var importer = try Importer(model: model, name: name, options: options)
        try importer.checkSupport()
        try importer.run()
        var meta = ["source": "onnx", "producer": "\(model.producerName) \(model.producerVersion)".trimmingSpaces, "opset": "\(importer.opset)"]
        if !model.graph.name.isEmpty { meta["onnx.graph"] = model.graph.name }
        do { return try importer.lowered.emit(metadata: meta) } catch { throw .plan(error) }
    }
}

/// A value during import: known at compile time, or computed at run time.
enum Entry {
    case constant(ConstTensor)
    case value(Int)
}

struct Importer {
    let model: ONNXModel
    let opset: Int64
    var lowered: LoweredGraph
    var env: [String: Entry] = [:]
    /// How many node inputs and graph outputs read each ONNX value.
    var uses: [String: Int] = [:]
    let graphOutputs: Set<String>
    var constantOperands: [String: LoweredGraph.Operand] = [:]

    init(model: ONNXModel, name: String, options: ImportOptions) throws(ImportError) {
        self.model = model
        opset = model.opsets[""] ?? 1
        lowered = LoweredGraph(name: name)
        let g = model.graph
        guard !g.hasSparseInitializers else { throw .invalidModel("sparse initializers are not supported; densify them with onnx tools") }
        graphOutputs = Set(g.outputs.map(\.name))
        for n in g.nodes { for i in n.inputs where !i.isEmpty { uses[i, default: 0] += 1 } }
        for o in g.outputs { uses[o.name, default: 0] += 1 }

        for t in g.initializers {
            env[t.name] = .constant(try Importer.constant(t))
        }
        var remaining = options.inputShapes
        var first = true
        for input in g.inputs where env[input.name] == nil {
            defer { first = false }
            guard let type = input.elementType else {
                throw .invalidModel("input '\(input.name)' is not a tensor (a sequence, map or optional); BoardBench runs float32 tensors")
            }
            guard type == .float else { throw .invalidModel("input '\(input.name)' is \(type.name); BoardBench runs float32 inputs") }
            let given = remaining.removeValue(forKey: input.name) ?? (first ? remaining.removeValue(forKey: "") : nil)
            let declared = input.shape ?? []
            var shape: [Int] = []
            if let given {
                if input.shape != nil {
                    guard given.count == declared.count else {
                        throw .inputShape("input '\(input.name)' has rank \(declared.count), the given shape \(given) has rank \(given.count)")
                    }
                    for (d, g) in zip(declared, given) {
                        if case .value(let v) = d, v > 0, v != g {
                            throw .inputShape("input '\(input.name)' has fixed shape \(Importer.describe(declared)); \(given) contradicts it")
                        }
                    }
                }
                shape = given
            } else {
                guard input.shape != nil else { throw .dynamicInput(name: input.name, shape: "of unknown rank") }
                for d in declared {
                    guard case .value(let v) = d, v > 0 else { throw .dynamicInput(name: input.name, shape: Importer.describe(declared)) }
                    shape.append(Int(v))
                }
            }
            do { try ShapeInference.checkShape(shape, tensor: input.name) } catch { throw .plan(error) }
            env[input.name] = .value(lowered.addInput(input.name, shape: shape))
        }
        if let extra = remaining.keys.first {
            throw .inputShape(
                "the model has no input named '\(extra)' (inputs: \(g.inputs.filter { !g.initializers.map(\.name).contains($0.name) }.map(\.name).joined(separator: ", ")))"
            )
        }
    }

    static func describe(_ dims: [ONNXDimension]) -> String {
        "["
            + dims.map { d -> String in
                switch d {
                case .value(let v): "\(v)"
                case .parameter(let p): p
                case .unknown: "?"
                }
            }.joined(separator: ", ") + "]"
    }

    static func constant(_ t: ONNXTensor) throws(ImportError) -> ConstTensor {
        let tensor: ConstTensor
        do {
            let shape = t.dims.map { Int($0) }
            switch t.dataType {
            case .float, .double, .float16, .bfloat16: tensor = ConstTensor(floats: try t.floats(), shape: shape)
            default: tensor = ConstTensor(ints: try t.int64s(), shape: shape)
            }
        } catch {
            throw .read(error)
        }
        // Folding indexes values through the shape: the two must agree (found by fuzzing).
        var needed = 1
        for d in t.dims {
            let (product, overflow) = needed.multipliedReportingOverflow(by: Int(clamping: d))
            guard d >= 0, !overflow else { throw .invalidModel("tensor '\(t.name)' has dims \(t.dims), which are negative or too large") }
            needed = product
        }
        guard tensor.count == needed else {
            throw .invalidModel("tensor '\(t.name)' holds \(tensor.count) values but its dims \(t.dims) need \(needed)")
        }
        return tensor
    }

    /// Runs every node in order and records the graph outputs.
    mutating func run() throws(ImportError) {
        for node in model.graph.nodes { try lower(node) }
        for o in model.graph.outputs {
            switch env[o.name] {
            case .value(let v)?:
                lowered.values[v].name = o.name
                lowered.outputs.append(v)
            case .constant?:
                throw .invalidModel("output '\(o.name)' does not depend on any input (it is a constant); BoardBench cannot benchmark it")
            case nil:
                throw .invalidModel("output '\(o.name)' is not produced by any node")
            }
        }
        lowered.fuseGelu()
        lowered.removeDeadNodes()
    }

    // MARK: - Node plumbing

    func input(_ n: ONNXNode, _ i: Int) throws(ImportError) -> Entry? {
        guard i < n.inputs.count, !n.inputs[i].isEmpty else { return nil }
        guard let e = env[n.inputs[i]] else {
            throw .invalidModel("node '\(n.name)' reads '\(n.inputs[i])' before any node produces it (is the graph topologically sorted?)")
        }
        return e
    }

    func required(_ n: ONNXNode, _ i: Int) throws(ImportError) -> Entry {
        guard let e = try input(n, i) else { throw .node(name: n.name, op: n.opType, reason: "input \(i) is missing") }
        return e
    }

    /// An input that must be known at compile time (shapes, axes, weights...).
    func constant(_ n: ONNXNode, _ i: Int, _ what: String) throws(ImportError) -> ConstTensor? {
        switch try input(n, i) {
        case nil: return nil
        case .constant(let c)?: return c
        case .value?: throw .node(name: n.name, op: n.opType, reason: "\(what) (input \(i)) must be a constant; BoardBench compiles static graphs")
        }
    }

    func shape(_ e: Entry) -> [Int] {
        switch e {
        case .constant(let c): c.shape
        case .value(let v): lowered.values[v].shape
        }
    }

    /// The operand for an entry, adding a constant to the lowered graph once per ONNX name.
    mutating func operand(_ e: Entry, name: String) -> LoweredGraph.Operand {
        switch e {
        case .value(let v): return .value(v)
        case .constant(let c):
            if let o = constantOperands[name] { return o }
            let o = lowered.addConstant(name, c.isFloat ? c : ConstTensor(floats: c.floats, shape: c.shape))
            constantOperands[name] = o
            return o
        }
    }

    mutating func operand(_ n: ONNXNode, _ i: Int) throws(ImportError) -> LoweredGraph.Operand {
        operand(try required(n, i), name: n.inputs[i])
    }

    func fail(_ n: ONNXNode, _ reason: String) -> ImportError { .node(name: n.name, op: n.opType, reason: reason) }

    /// Appends a plan node for ONNX node `n` and binds its outputs.
    @discardableResult
    mutating func emit(_ op: OpCode, _ inputs: [LoweredGraph.Operand], _ attrs: Attributes, for n: ONNXNode, outputs: [String]? = nil) throws(ImportError)
        -> [Int]
    {
        let names = outputs ?? Array(n.outputs.prefix(1))
        let nodeName = lowered.nodeNames.contains(n.name) || n.name.isEmpty ? "\(n.opType.lowercased())_\(lowered.nodes.count)" : n.name
        let outs: [Int]
        do { outs = try lowered.add(op, inputs, attrs, name: nodeName, outputs: names) } catch { throw fail(n, error.description) }
        for (name, v) in zip(names, outs) { env[name] = .value(v) }
        return outs
    }

    /// A value computed from `input` alone, renamed (reshape-like ops that change nothing).
    mutating func alias(_ n: ONNXNode, _ e: Entry) {
        env[n.outputs[0]] = e
    }

    /// True when `value`'s producer may absorb what follows: read once, not a graph output.
    func absorbable(_ name: String) -> Bool {
        uses[name, default: 0] == 1 && !graphOutputs.contains(name)
    }

    // MARK: - Attributes

    func int(_ n: ONNXNode, _ key: String, _ d: Int64) throws(ImportError) -> Int64 {
        switch n.attributes[key] {
        case nil: return d
        case .int(let v)?: return v
        default: throw fail(n, "attribute \(key) must be an integer")
        }
    }

    func ints(_ n: ONNXNode, _ key: String) throws(ImportError) -> [Int64]? {
        switch n.attributes[key] {
        case nil: return nil
        case .ints(let v)?: return v
        case .int(let v)?: return [v]
        default: throw fail(n, "attribute \(key) must be a list of integers")
        }
    }

    func float(_ n: ONNXNode, _ key: String, _ d: Float) throws(ImportError) -> Float {
        switch n.attributes[key] {
        case nil: return d
        case .float(let v)?: return v
        case .int(let v)?: return Float(v)
        default: throw fail(n, "attribute \(key) must be a float")
        }
    }

    func string(_ n: ONNXNode, _ key: String, _ d: String) throws(ImportError) -> String {
        switch n.attributes[key] {
        case nil: return d
        case .string(let v)?: return v
        default: throw fail(n, "attribute \(key) must be a string")
        }
    }

    /// Normalises a possibly negative axis against `rank`.
    func axis(_ n: ONNXNode, _ a: Int64, rank: Int) throws(ImportError) -> Int {
        let r = Int64(rank)
        // A scalar has no axes: every op that takes one needs rank 1 or more.
        guard -r <= a, a < r else { throw fail(n, "axis \(a) is out of range for rank \(rank)") }
        return Int(a < 0 ? a + r : a)
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
