import COpenBLAS
import ModelPlan

/// Executes a validated graph. Everything is allocated at init (activations, weights copy,
/// im2col scratch), so `execute()` allocates nothing. One thread uses an executor at a time.
public final class Executor {
    public let graph: Graph
    /// Bytes of activation buffers and scratch allocated for execution.
    public let activationBytes: Int
    public let weightBytes: Int
    let threads: Int
    /// One pointer per tensor: constants point into `weights`, activations into their own buffer.
    var pointers: [UnsafeMutablePointer<Float>]
    private let weights: UnsafeMutableRawPointer
    private var owned: [UnsafeMutablePointer<Float>] = []
    let scratch: UnsafeMutablePointer<Float>
    let scratchCount: Int

    /// `graph` must have passed `GraphValidator` (decoding a plan does that).
    public init(graph: Graph, threads: Int = 1) {
        self.graph = graph
        self.threads = max(1, threads)
        RuntimeInfo.setThreads(self.threads)
        weightBytes = graph.weights.count
        let weights = UnsafeMutableRawPointer.allocate(byteCount: max(graph.weights.count, 64), alignment: 64)
        graph.weights.withUnsafeBytes { if let base = $0.baseAddress { weights.copyMemory(from: base, byteCount: $0.count) } }
        self.weights = weights

        var pointers: [UnsafeMutablePointer<Float>] = []
        var owned: [UnsafeMutablePointer<Float>] = []
        var bytes = 0
        for t in graph.tensors {
            if let c = t.constant {
                pointers.append((weights + c.offset).assumingMemoryBound(to: Float.self))
            } else {
                let p = UnsafeMutablePointer<Float>.allocate(capacity: t.elementCount)
                p.initialize(repeating: 0, count: t.elementCount)
                pointers.append(p)
                owned.append(p)
                bytes += t.byteCount
            }
        }
        let need = graph.nodes.map { Executor.scratchNeeded($0, graph) }.max() ?? 0
        scratchCount = max(need, 1)
        scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
        scratch.initialize(repeating: 0, count: scratchCount)
        self.pointers = pointers
        self.owned = owned
        activationBytes = bytes + scratchCount * 4
    }

    deinit {
        owned.forEach { $0.deallocate() }
        scratch.deallocate()
        weights.deallocate()
    }

    /// Copies `values` into graph input `index` (position in `graph.inputs`).
    public func setInput(_ index: Int, _ values: [Float]) throws(RuntimeError) {
        guard index < graph.inputs.count else { throw .inputCount(expected: graph.inputs.count, got: index + 1) }
        let t = graph.tensors[graph.inputs[index]]
        guard values.count == t.elementCount else { throw .inputSize(name: t.name, expected: t.elementCount, got: values.count) }
        values.withUnsafeBufferPointer { pointers[graph.inputs[index]].update(from: $0.baseAddress!, count: values.count) }
    }

    /// Fills every input with a deterministic pattern (benchmarks need data, not meaning).
    public func fillInputsDeterministically() {
        for i in graph.inputs {
            let n = graph.tensors[i].elementCount
            for k in 0..<n { pointers[i][k] = Float((k * 7919) % 255) / 255 - 0.5 }
        }
    }

    public func output(_ index: Int) -> [Float] {
        let t = graph.outputs[index]
        return Array(UnsafeBufferPointer(start: pointers[t], count: graph.tensors[t].elementCount))
    }

    /// Runs every node once, in order.
    public func execute() {
        for node in graph.nodes { run(node) }
    }

    private func run(_ node: Node) {
        switch node.op {
        case .conv: conv(node)
        case .dense: dense(node)
        case .relu: relu(node)
        case .add: add(node)
        case .globalAveragePool: globalAveragePool(node)
        case .flatten: copy(node)
        case .maxPool, .averagePool: pool(node)
        default: fatalError("op \(node.op.name) reached the executor before its kernel exists")
        }
    }

    static func scratchNeeded(_ node: Node, _ g: Graph) -> Int {
        guard node.op == .conv, let p = ConvParams(node, g), !p.isPointwise, !p.isDepthwise else { return 0 }
        return p.kernelVolume * p.outH * p.outW
    }
}
