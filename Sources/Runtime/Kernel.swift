import ModelPlan

/// One node's work with everything resolved at load: buffer pointers, geometry, tables.
/// `run` reads and writes only those buffers and allocates nothing.
protocol Kernel {
    func run(_ parallel: Parallel)
}

/// Reshape and flatten: the output aliases the input's bytes (see `MemoryPlan`).
struct NoOpKernel: Kernel {
    func run(_ parallel: Parallel) {}
}

/// Reads a validated node. `ShapeInference` has checked every attribute read here, so the
/// fallbacks (ShapeInference's own defaults) only ever apply to absent attributes.
struct NodeReader {
    let node: Node
    let graph: Graph
    let pointers: [UnsafeMutablePointer<Float>]

    func inputShape(_ i: Int) -> [Int] { graph.tensors[node.inputs[i]].shape }
    func outputShape(_ i: Int = 0) -> [Int] { graph.tensors[node.outputs[i]].shape }
    func input(_ i: Int) -> UnsafeMutablePointer<Float> { pointers[node.inputs[i]] }
    func optionalInput(_ i: Int) -> UnsafeMutablePointer<Float>? { node.inputs.count > i ? pointers[node.inputs[i]] : nil }
    func output(_ i: Int = 0) -> UnsafeMutablePointer<Float> { pointers[node.outputs[i]] }

    func int(_ key: String, _ fallback: Int) -> Int { (try? node.attributes.int(key, default: fallback)) ?? fallback }
    func ints(_ key: String, _ fallback: [Int]) -> [Int] { (try? node.attributes.ints(key, default: fallback)) ?? fallback }
    func float(_ key: String, _ fallback: Float) -> Float { (try? node.attributes.float(key, default: fallback)) ?? fallback }
    func floats(_ key: String, _ fallback: [Float]) -> [Float] { (try? node.attributes.floats(key, default: fallback)) ?? fallback }
    var activation: Activation { (try? Activation(node.attributes)) ?? .identity }
}

/// Row-major strides of a shape.
func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var s = 1
    for i in shape.indices.reversed() {
        strides[i] = s
        s *= shape[i]
    }
    return strides
}
