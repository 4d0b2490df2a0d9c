import ModelPlan
import ONNX

extension FuzzTarget {
    /// The path `boardbench compile model.onnx` takes, minus reading the file: import, then the
    /// plan the import produced must survive encoding (what `compile` writes) and decoding
    /// (what the agent reads).
    static func onnx(_ bytes: [UInt8]) -> Outcome {
        let graph: Graph
        do { graph = try ONNXImporter.graph(fromBytes: bytes, name: "fuzz") } catch { return .rejected(error.description) }
        return roundTrip(graph, what: "imported ONNX model")
    }
}
