import BenchCore
import ModelPlan

/// One op type the compiler cannot run, with how often it occurs and where.
public struct UnsupportedOp: Sendable, Equatable, CustomStringConvertible {
    public var op: String
    public var count: Int
    /// The first node using it, so the user can find it in Netron or onnx.helper.
    public var example: String
    /// Why, when the op itself is known but this use of it is not (an attribute value, a
    /// runtime operand that must be constant).
    public var reason: String?

    public var description: String {
        let base = "\(op) ×\(count) (e.g. node '\(example)')"
        return reason.map { "\(base): \($0)" } ?? base
    }
}

/// Why an ONNX model could not be compiled to a plan.
public enum ImportError: Error, CustomStringConvertible, Sendable, Equatable, ExitStatusProviding {
    case read(ONNXError)
    /// Every unsupported op of the model, not only the first.
    case unsupported([UnsupportedOp])
    case invalidModel(String)
    /// A node the compiler understands but cannot compile as written.
    case node(name: String, op: String, reason: String)
    case dynamicInput(name: String, shape: String)
    case inputShape(String)
    case plan(PlanError)

    public var description: String {
        switch self {
        case .read(let e): e.description
        case .unsupported(let ops):
            "the model uses \(ops.count) unsupported op\(ops.count == 1 ? "" : "s"): "
                + ops.map(\.description).joined(separator: "; ")
        case .invalidModel(let what): "invalid ONNX model: \(what)"
        case .node(let name, let op, let reason): "node '\(name)' (\(op)): \(reason)"
        case .dynamicInput(let name, let shape):
            "input '\(name)' has dynamic shape \(shape); fix it with --input-shape, e.g. --input-shape 1x3x224x224 (or NAME:1x3x224x224 per input)"
        case .inputShape(let what): "--input-shape: \(what)"
        case .plan(let e): e.description
        }
    }

    public var exitStatus: ExitStatus { .dataError }
}
