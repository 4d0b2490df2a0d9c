import ModelPlan

/// Executes a validated graph. Everything is allocated at init (one activation arena laid out
/// by `MemoryPlan`, a copy of the weights, the im2col scratch, every kernel's parameters), so
/// `execute()` allocates nothing and looks nothing up. One thread uses an executor at a time.
public final class Executor {
    public let graph: Graph
    public let memoryPlan: MemoryPlan
    /// Bytes of the activation arena plus the scratch buffer (what execution needs besides weights).
    public let activationBytes: Int
    public let weightBytes: Int
    public var arenaBytes: Int { memoryPlan.arenaBytes }
    public var scratchBytes: Int { memoryPlan.scratchBytes }
    let threads: Int
    /// One pointer per tensor: constants point into `weights`, activations into `arena`.
    let pointers: [UnsafeMutablePointer<Float>]
    private let kernels: [any Kernel]
    private let weights: UnsafeMutableRawPointer
    private let arena: UnsafeMutableRawPointer
    private let scratch: UnsafeMutablePointer<Float>

    /// `graph` must have passed `GraphValidator` (decoding a plan does that): kernels trust
    /// every shape and attribute. `threads` is the runtime's: it splits GEMMs and loops itself.
    /// `gemm` picks the convolutions' and dense layers' kernels (tests force each build).
    public init(graph: Graph, threads: Int = 1, gemm: GemmBackend = .automatic) {
        self.graph = graph
        self.threads = max(1, threads)
        // OpenBLAS stays single-threaded: the runtime splits GEMMs itself (see `Parallel.sgemm`).
        RuntimeInfo.setThreads(1)
        let plan = Executor.memoryPlan(for: graph, threads: self.threads, gemm: gemm)
        memoryPlan = plan
        weightBytes = graph.weights.count
        activationBytes = plan.arenaBytes + plan.scratchBytes

        let weightCapacity = max(graph.weights.count, 64)
        let weights = UnsafeMutableRawPointer.allocate(byteCount: weightCapacity, alignment: MemoryPlan.alignment)
        weights.initializeMemory(as: UInt8.self, repeating: 0, count: weightCapacity)
        graph.weights.withUnsafeBytes { if let base = $0.baseAddress { weights.copyMemory(from: base, byteCount: $0.count) } }
        let arenaCapacity = max(plan.arenaBytes, 64)
        let arena = UnsafeMutableRawPointer.allocate(byteCount: arenaCapacity, alignment: MemoryPlan.alignment)
        let scratchCount = max(plan.scratchBytes / MemoryLayout<Float>.stride, 16)
        // Aligned like the arena, so threads' slices of it start on cache lines of their own.
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchCount * MemoryLayout<Float>.stride, alignment: MemoryPlan.alignment)
            .bindMemory(to: Float.self, capacity: scratchCount)
        scratch.initialize(repeating: 0, count: scratchCount)
        (self.weights, self.arena, self.scratch) = (weights, arena, scratch)

        let weightFloats = weights.bindMemory(to: Float.self, capacity: weightCapacity / 4)
        let arenaFloats = arena.bindMemory(to: Float.self, capacity: arenaCapacity / 4)
        arenaFloats.initialize(repeating: 0, count: arenaCapacity / 4)
        let pointers = plan.placements.map { placement -> UnsafeMutablePointer<Float> in
            switch placement {
            case .weights(let offset): weightFloats + offset / 4
            case .arena(let offset): arenaFloats + offset / 4
            }
        }
        self.pointers = pointers
        let packed = gemm.packed(threads: self.threads)
        kernels = graph.nodes.map { Executor.makeKernel(NodeReader(node: $0, graph: graph, pointers: pointers), scratch: scratch, gemm: packed) }
    }

    deinit {
        UnsafeMutableRawPointer(scratch).deallocate()
        arena.deallocate()
        weights.deallocate()
    }

    /// The arena layout `Executor(graph:threads:gemm:)` would use, without allocating it.
    /// Scratch grows with `threads` where each thread needs its own (depthwise convolutions'
    /// planes), and holds im2col columns only for backends that lower convolutions for OpenBLAS
    /// (`.openBLAS` gives the most any board needs).
    public static func memoryPlan(for graph: Graph, threads: Int = 1, gemm: GemmBackend = .automatic) -> MemoryPlan {
        let packed = gemm.runsPackedKernels
        return MemoryPlan(graph: graph) { scratchFloats($0, graph, threads: max(1, threads), packedKernels: packed) }
    }

    public func inputShape(_ index: Int) -> [Int] { graph.tensors[graph.inputs[index]].shape }
    public func outputShape(_ index: Int) -> [Int] { graph.tensors[graph.outputs[index]].shape }

    /// Copies `values` into graph input `index` (position in `graph.inputs`).
    public func setInput(_ index: Int, _ values: [Float]) throws(RuntimeError) {
        guard index >= 0, index < graph.inputs.count else { throw .inputCount(expected: graph.inputs.count, got: index + 1) }
        let t = graph.tensors[graph.inputs[index]]
        guard values.count == t.elementCount else { throw .inputSize(name: t.name, expected: t.elementCount, got: values.count) }
        values.withUnsafeBufferPointer { pointers[graph.inputs[index]].update(from: $0.baseAddress!, count: values.count) }
    }

    /// Fills every input with a deterministic pattern (benchmarks need data, not meaning).
    public func fillInputsDeterministically() {
        for i in graph.inputs {
            let n = graph.tensors[i].elementCount
            let p = pointers[i]
            for k in 0..<n { p[k] = Float((k * 7919) % 255) / 255 - 0.5 }
        }
    }

    /// A copy of graph output `index` (position in `graph.outputs`).
    public func output(_ index: Int) -> [Float] {
        let t = graph.outputs[index]
        return Array(UnsafeBufferPointer(start: pointers[t], count: graph.tensors[t].elementCount))
    }

    /// Runs every node once, in order.
    public func execute() {
        let parallel = Parallel(threads: threads)
        for kernel in kernels { kernel.run(parallel) }
    }

    /// Runs every node once and adds each node's duration, read with `clock` before and after
    /// it, to `nodeNanoseconds[i]` (one slot per graph node). For per-op breakdowns only: the
    /// clock reads add to the total, so benchmarks time `execute()`.
    public func executeProfiled(into nodeNanoseconds: inout [Int64], clock: () -> Int64) {
        precondition(nodeNanoseconds.count == kernels.count, "one slot per node")
        let parallel = Parallel(threads: threads)
        for (i, kernel) in kernels.enumerated() {
            let t0 = clock()
            kernel.run(parallel)
            nodeNanoseconds[i] += clock() - t0
        }
    }
}
