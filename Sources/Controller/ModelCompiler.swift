import BenchCore
import Crypto
import Foundation
import ModelPlan

/// A compiled model: the plan bytes and their identity.
public struct CompiledModel: Sendable {
    public var reference: String
    public var plan: [UInt8]
    /// SHA-256 of `plan`, lowercase hex: the plan's name on every board.
    public var hash: String
    public var cost: GraphCost
}

public enum ModelCompiler {
    /// Compiles a profile's model reference. Built-ins are `builtin:NAME`; a path to an
    /// existing `.plan` file is taken as it is once it decodes.
    public static func compile(_ reference: String, relativeTo directory: URL?) throws(ControllerError) -> CompiledModel {
        do {
            let graph: Graph
            let plan: [UInt8]
            if reference.hasPrefix("builtin:") {
                graph = try BuiltinModels.graph(named: String(reference.dropFirst("builtin:".count)))
                plan = try PlanCodec.encode(graph)
            } else {
                let url = URL(fileURLWithPath: reference, relativeTo: directory)
                guard let data = try? Data(contentsOf: url) else { throw ControllerError.fileNotFound(path: url.path, what: "model") }
                guard url.pathExtension == "plan" else {
                    throw ControllerError.invalidArgument(
                        "model \(reference): only built-in models (builtin:NAME) and compiled .plan files are supported by this version")
                }
                plan = [UInt8](data)
                graph = try PlanCodec.decode(plan)
            }
            return CompiledModel(reference: reference, plan: plan, hash: PlanIdentity.hash(plan), cost: GraphCost(graph))
        } catch let e as ControllerError {
            throw e
        } catch let e as PlanError {
            throw .profile(path: reference, reason: e.description)
        } catch {
            throw .invalidArgument("model \(reference): \(error)")
        }
    }
}

public enum PlanIdentity {
    public static func hash<D: DataProtocol>(_ bytes: D) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}
