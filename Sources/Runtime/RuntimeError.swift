import BenchCore
import ModelPlan

public enum RuntimeError: Error, CustomStringConvertible, Sendable, ExitStatusProviding {
    case inputCount(expected: Int, got: Int)
    case inputSize(name: String, expected: Int, got: Int)
    case plan(PlanError)

    public var description: String {
        switch self {
        case .inputCount(let e, let g): "model has \(e) inputs, \(g) were given"
        case .inputSize(let name, let e, let g): "input \(name) needs \(e) values, \(g) were given"
        case .plan(let p): p.description
        }
    }

    public var exitStatus: ExitStatus { .dataError }
}
