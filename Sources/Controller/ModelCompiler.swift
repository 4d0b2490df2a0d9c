import BenchCore
import Crypto
import Foundation
import ModelPlan
import ONNX

/// A compiled model: the plan bytes and their identity.
public struct CompiledModel: Sendable {
    public var reference: String
    public var plan: [UInt8]
    /// SHA-256 of `plan`, lowercase hex: the plan's name on every board.
    public var hash: String
    public var cost: GraphCost
    public var graph: Graph
    /// The file's name under `<workdir>/models/` on every board: `<hash>.plan` for plans,
    /// `<hash>.<extension>` for a model an external runner reads as it is (an `.onnx` file for
    /// ONNX Runtime); nil for a model already on the board (`board:/path`), which is never pushed.
    public var fileName: String?

    /// Encodes a graph built elsewhere (search-space blocks). With `keepWeights` false the
    /// in-memory graph drops its weight bytes once encoded: thousands of block models stay small.
    public init(reference: String, graph: Graph, keepWeights: Bool = true) throws(ControllerError) {
        let bytes: [UInt8]
        do { bytes = try PlanCodec.encode(graph) } catch { throw .model(path: reference, reason: error.description) }
        var kept = graph
        if !keepWeights { kept.weights = [] }
        self.init(reference: reference, plan: bytes, hash: PlanIdentity.hash(bytes), cost: GraphCost(graph), graph: kept)
    }

    init(reference: String, plan: [UInt8], hash: String, cost: GraphCost, graph: Graph, fileName: String? = nil) {
        self.reference = reference
        self.plan = plan
        self.hash = hash
        self.cost = cost
        self.graph = graph
        self.fileName = fileName ?? "\(hash).plan"
    }

    /// A model file an external runner reads as it is: pushed by content, never compiled.
    static func file(reference: String, bytes: [UInt8], extension ext: String) -> CompiledModel {
        let hash = PlanIdentity.hash(bytes)
        let empty = Graph(name: reference, tensors: [], nodes: [], inputs: [], outputs: [], weights: [])
        return CompiledModel(
            reference: reference, plan: bytes, hash: hash, cost: GraphCost(empty), graph: empty, fileName: ext.isEmpty ? hash : "\(hash).\(ext)")
    }

    /// A model already on the board (`board:/path`): nothing to push; `identity` names it.
    static func onBoard(reference: String, identity: String) -> CompiledModel {
        let empty = Graph(name: reference, tensors: [], nodes: [], inputs: [], outputs: [], weights: [])
        var m = CompiledModel(reference: reference, plan: [], hash: identity, cost: GraphCost(empty), graph: empty)
        m.fileName = nil
        return m
    }
}

/// What kind of model a reference names, decided by its prefix or extension.
public enum ModelKind: String, Sendable {
    case builtin, plan, onnx, architecture

    public static func of(_ reference: String) -> ModelKind? {
        if reference.hasPrefix("builtin:") { return .builtin }
        switch URL(fileURLWithPath: reference).pathExtension.lowercased() {
        case "plan": return .plan
        case "onnx": return .onnx
        case "yaml", "yml", "json": return .architecture
        default: return nil
        }
    }
}

public enum ModelCompiler {
    /// Compiles a model reference: `builtin:NAME`, a `.plan` file (taken as it is once it
    /// decodes), an `.onnx` model, or a search-space architecture spec (`.yaml`/`.json`).
    /// `inputShapes` are `--input-shape` values (`1x3x224x224` or `NAME:1x3x224x224`).
    public static func compile(_ reference: String, relativeTo directory: URL?, inputShapes: [String] = []) throws(ControllerError) -> CompiledModel {
        guard let kind = ModelKind.of(reference) else {
            throw .invalidArgument(
                "model \(reference): expected builtin:NAME, a .plan file, an .onnx model or an architecture spec (.yaml, .yml, .json)")
        }
        let graph: Graph
        var plan: [UInt8]?
        do {
            switch kind {
            case .builtin:
                graph = try BuiltinModels.graph(named: String(reference.dropFirst("builtin:".count)))
            case .plan:
                let bytes = try read(reference, directory)
                graph = try PlanCodec.decode(bytes)
                plan = bytes
            case .onnx:
                let url = URL(fileURLWithPath: reference, relativeTo: directory)
                let bytes = try read(reference, directory)
                let options = ImportOptions(inputShapes: try ImportOptions.parseInputShapes(inputShapes))
                graph = try ONNXImporter.graph(fromBytes: bytes, name: url.deletingPathExtension().lastPathComponent, options: options)
            case .architecture:
                let url = URL(fileURLWithPath: reference, relativeTo: directory)
                graph = try ArchitectureCompiler.graph(specAt: url)
            }
            let bytes = try plan ?? PlanCodec.encode(graph)
            return CompiledModel(reference: reference, plan: bytes, hash: PlanIdentity.hash(bytes), cost: GraphCost(graph), graph: graph)
        } catch let e as ControllerError {
            throw e
        } catch let e as CustomStringConvertible {
            throw .model(path: reference, reason: e.description)
        } catch {
            throw .model(path: reference, reason: "\(error)")
        }
    }

    /// An `.onnx` (or other) file as an external runner reads it: its bytes, pushed by content.
    public static func file(_ reference: String, relativeTo directory: URL? = nil) throws(ControllerError) -> CompiledModel {
        let bytes = try read(reference, directory)
        return CompiledModel.file(reference: reference, bytes: bytes, extension: URL(fileURLWithPath: reference).pathExtension.lowercased())
    }

    static func read(_ reference: String, _ directory: URL?) throws(ControllerError) -> [UInt8] {
        let url = URL(fileURLWithPath: reference, relativeTo: directory)
        guard let data = try? Data(contentsOf: url) else { throw ControllerError.fileNotFound(path: url.path, what: "model") }
        return [UInt8](data)
    }
}

public enum PlanIdentity {
    public static func hash<D: DataProtocol>(_ bytes: D) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}
