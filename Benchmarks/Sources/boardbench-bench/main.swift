import Agent
import BenchCore
import COpenBLAS
import Dispatch
import Foundation
import ModelPlan
import Runtime

// The BoardBench side of Benchmarks/compare_ort.py: times a plan exactly as the agent does
// (load, warm up, time `execute()` sample by sample), profiles it per node, and measures the
// machine's sgemm peak and memory bandwidth in the same run. Prints one JSON document.

let usage = """
    usage: boardbench-bench run PLAN [--threads N] [--warmup N] [--iterations N] [--profile-iterations N]
           boardbench-bench calibrate [--threads N]
           boardbench-bench backends PLAN [--threads N] [--iterations N]
           boardbench-bench kernels [--threads N] [--iterations N] [--only SUBSTRING]
           boardbench-bench overhead [--samples N] [--rounds N]
           boardbench-bench store [--results N] [--samples N] [--rounds N]
    """

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("boardbench-bench: \(message)\n".utf8))
    exit(64)
}

struct Options {
    var words: [String]
    var threads = 1, warmup = 10, iterations = 50, profileIterations = 20
    var samples = 1_000_000, results = 1000, rounds = 5
    /// `kernels`: only the shapes whose name contains this.
    var only: String?

    init(_ arguments: [String]) {
        words = arguments
        threads = max(1, option("--threads", 1))
        warmup = option("--warmup", 10)
        iterations = max(1, option("--iterations", 50))
        profileIterations = option("--profile-iterations", 20)
        let isStore = words.first == "store"
        samples = max(1, option("--samples", isStore ? 1000 : 1_000_000))
        results = max(1, option("--results", 1000))
        rounds = max(1, option("--rounds", isStore ? 3 : 5))
        if let i = words.firstIndex(of: "--only") {
            guard i + 1 < words.count else { fail("--only needs a shape name or part of one\n\(usage)") }
            only = words[i + 1]
            words.removeSubrange(i...(i + 1))
        }
    }

    private mutating func option(_ name: String, _ fallback: Int) -> Int {
        guard let i = words.firstIndex(of: name) else { return fallback }
        guard i + 1 < words.count, let v = Int(words[i + 1]), v >= 0 else { fail("\(name) needs a number\n\(usage)") }
        words.removeSubrange(i...(i + 1))
        return v
    }
}

func emit(_ object: [String: Any]) {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { fail("cannot encode the result") }
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

/// Multiply-accumulates and bytes touched by one node (bytes: every input and output once).
func nodeCost(_ n: Node, _ g: Graph) -> (macs: Int64, bytes: Int64) {
    let out = g.tensors[n.outputs[0]]
    let bytes = Int64((n.inputs + n.outputs).reduce(0) { $0 + g.tensors[$1].byteCount })
    switch n.op {
    case .conv:
        let w = g.tensors[n.inputs[1]].shape
        return (Int64(out.elementCount) * Int64(w[1] * w[2] * w[3]), bytes)
    case .convTranspose:
        let w = g.tensors[n.inputs[1]].shape
        return (Int64(g.tensors[n.inputs[0]].elementCount) * Int64(w[1] * w[2] * w[3]), bytes)
    case .dense, .matMul:
        let a = g.tensors[n.inputs[0]].shape
        return (Int64(out.elementCount) * Int64(a[a.count - 1]), bytes)
    default:
        return (0, bytes)
    }
}

/// A convolution's kind, for the breakdown: depthwise and pointwise behave very differently.
func kind(_ n: Node, _ g: Graph) -> String {
    guard n.op == .conv else { return n.op.name }
    let x = g.tensors[n.inputs[0]].shape, w = g.tensors[n.inputs[1]].shape
    let group = (try? n.attributes.int("group", default: 1)) ?? 1
    if group > 1 && group == x[1] { return "Conv(depthwise \(w[2])x\(w[3]))" }
    if w[2] == 1 && w[3] == 1 { return "Conv(1x1)" }
    return group > 1 ? "Conv(grouped \(w[2])x\(w[3]))" : "Conv(\(w[2])x\(w[3]))"
}

func median(_ v: [Int64]) -> Double {
    let s = v.sorted()
    return s.count % 2 == 1 ? Double(s[s.count / 2]) : Double(s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func calibrate(_ o: Options) -> [String: Any] {
    let threads = o.threads
    RuntimeInfo.setThreads(threads)
    // sgemm peak: square products large enough to reach OpenBLAS's steady state.
    let n = 768
    let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
    var c = [Float](repeating: 0, count: n * n)
    var best = Int64.max
    for _ in 0..<8 {
        let t0 = Clock.monotonicNanoseconds()
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a, Int32(n), b, Int32(n), 0, &c, Int32(n))
        best = min(best, Clock.monotonicNanoseconds() - t0)
    }
    let gflops = 2 * Double(n * n * n) / Double(best)
    // Memory bandwidth: a triad over buffers far larger than any cache (3 × 64 MiB).
    let count = 16 << 20
    let x = UnsafeMutablePointer<Float>.allocate(capacity: count), y = UnsafeMutablePointer<Float>.allocate(capacity: count)
    let z = UnsafeMutablePointer<Float>.allocate(capacity: count)
    x.initialize(repeating: 1, count: count)
    y.initialize(repeating: 2, count: count)
    z.initialize(repeating: 0, count: count)
    defer {
        x.deallocate()
        y.deallocate()
        z.deallocate()
    }
    var bestTriad = Int64.max
    for _ in 0..<5 {
        let t0 = Clock.monotonicNanoseconds()
        if threads == 1 {
            for i in 0..<count { z[i] = x[i] + 1.5 * y[i] }
        } else {
            let chunk = (count + threads - 1) / threads
            // Addresses cross into the worker closure as integers (each worker writes its own range).
            let (xa, ya, za) = (Int(bitPattern: x), Int(bitPattern: y), Int(bitPattern: z))
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let (x, y, z) = (
                    UnsafeMutablePointer<Float>(bitPattern: xa)!, UnsafeMutablePointer<Float>(bitPattern: ya)!, UnsafeMutablePointer<Float>(bitPattern: za)!
                )
                for i in (t * chunk)..<min(count, (t + 1) * chunk) { z[i] = x[i] + 1.5 * y[i] }
            }
        }
        bestTriad = min(bestTriad, Clock.monotonicNanoseconds() - t0)
    }
    let bandwidth = Double(3 * count * 4) / Double(bestTriad)
    return ["sgemmGflops": gflops, "sgemmSize": n, "bandwidthGBps": bandwidth, "threads": threads]
}

func run(_ path: String, _ o: Options) -> [String: Any] {
    let (threads, warmup, iterations, profileIterations) = (o.threads, o.warmup, o.iterations, o.profileIterations)
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    let graph: Graph
    do { graph = try PlanCodec.decode([UInt8](data)) } catch { fail("\(path): \(error.description)") }
    let executor = Executor(graph: graph, threads: threads)
    executor.fillInputsDeterministically()
    for _ in 0..<warmup { executor.execute() }
    var samples = [Int64](repeating: 0, count: iterations)
    for i in 0..<iterations {
        let t0 = Clock.monotonicNanoseconds()
        executor.execute()
        samples[i] = Clock.monotonicNanoseconds() - t0
    }
    var perNode = [Int64](repeating: 0, count: graph.nodes.count)
    for _ in 0..<profileIterations { executor.executeProfiled(into: &perNode) { Clock.monotonicNanoseconds() } }
    let nodes: [[String: Any]] = graph.nodes.enumerated().map { i, n in
        let cost = nodeCost(n, graph)
        return [
            "name": n.name, "op": n.op.name, "kind": kind(n, graph), "macs": cost.macs, "bytes": cost.bytes,
            "nanoseconds": profileIterations > 0 ? Double(perNode[i]) / Double(profileIterations) : 0,
        ]
    }
    return [
        "plan": path, "threads": threads, "samplesNanoseconds": samples, "medianNanoseconds": median(samples),
        "runtimeVersion": RuntimeInfo.version, "blasCoreName": RuntimeInfo.blasCoreName, "blasConfig": RuntimeInfo.blasConfig,
        "arenaBytes": executor.arenaBytes, "nodes": nodes,
    ]
}

/// One convolution or dense layer of the benchmark networks, run as a one-node graph.
struct KernelShape {
    var name: String
    var input: [Int]
    var out: Int, kernel = 1, stride = 1
    var dense = false
    /// One group per channel (`out` equals the input channels).
    var depthwise = false
    /// A max pool of `kernel` and `stride`, padding `kernel / 2` (no product: "GFLOP/s" count
    /// one operation per tap).
    var maxPool = false
}

let kernelShapes: [KernelShape] = [
    KernelShape(name: "mnv2 1x1 32>16 @112", input: [1, 32, 112, 112], out: 16),
    KernelShape(name: "mnv2 1x1 16>96 @112", input: [1, 16, 112, 112], out: 96),
    KernelShape(name: "mnv2 1x1 24>144 @56", input: [1, 24, 56, 56], out: 144),
    KernelShape(name: "mnv2 1x1 144>24 @56", input: [1, 144, 56, 56], out: 24),
    KernelShape(name: "mnv2 1x1 32>192 @28", input: [1, 32, 28, 28], out: 192),
    KernelShape(name: "mnv2 1x1 192>32 @28", input: [1, 192, 28, 28], out: 32),
    KernelShape(name: "mnv2 1x1 64>384 @14", input: [1, 64, 14, 14], out: 384),
    KernelShape(name: "mnv2 1x1 384>64 @14", input: [1, 384, 14, 14], out: 64),
    KernelShape(name: "mnv2 1x1 576>96 @14", input: [1, 576, 14, 14], out: 96),
    KernelShape(name: "mnv2 1x1 960>160 @7", input: [1, 960, 7, 7], out: 160),
    KernelShape(name: "mnv2 1x1 320>1280 @7", input: [1, 320, 7, 7], out: 1280),
    KernelShape(name: "mnv2 dw3x3 32 @112", input: [1, 32, 112, 112], out: 32, kernel: 3, depthwise: true),
    KernelShape(name: "mnv2 dw3x3/2 96 @112", input: [1, 96, 112, 112], out: 96, kernel: 3, stride: 2, depthwise: true),
    KernelShape(name: "mnv2 dw3x3 144 @56", input: [1, 144, 56, 56], out: 144, kernel: 3, depthwise: true),
    KernelShape(name: "mnv2 dw3x3/2 144 @56", input: [1, 144, 56, 56], out: 144, kernel: 3, stride: 2, depthwise: true),
    KernelShape(name: "mnv2 dw3x3 192 @28", input: [1, 192, 28, 28], out: 192, kernel: 3, depthwise: true),
    KernelShape(name: "mnv2 dw3x3/2 192 @28", input: [1, 192, 28, 28], out: 192, kernel: 3, stride: 2, depthwise: true),
    KernelShape(name: "mnv2 dw3x3/2 576 @14", input: [1, 576, 14, 14], out: 576, kernel: 3, stride: 2, depthwise: true),
    KernelShape(name: "mnv2 dw3x3 384 @14", input: [1, 384, 14, 14], out: 384, kernel: 3, depthwise: true),
    KernelShape(name: "mnv2 dw3x3 960 @7", input: [1, 960, 7, 7], out: 960, kernel: 3, depthwise: true),
    KernelShape(name: "mnv3 dw5x5 672 @14", input: [1, 672, 14, 14], out: 672, kernel: 5, depthwise: true),
    KernelShape(name: "mnv2 3x3/2 3>32 @224", input: [1, 3, 224, 224], out: 32, kernel: 3, stride: 2),
    KernelShape(name: "r18 7x7/2 3>64 @224", input: [1, 3, 224, 224], out: 64, kernel: 7, stride: 2),
    KernelShape(name: "r18 maxpool 3x3/2 64 @112", input: [1, 64, 112, 112], out: 64, kernel: 3, stride: 2, maxPool: true),
    KernelShape(name: "r18 1x1/2 64>128 @56", input: [1, 64, 56, 56], out: 128, kernel: 1, stride: 2),
    KernelShape(name: "r18 3x3 64>64 @56", input: [1, 64, 56, 56], out: 64, kernel: 3),
    KernelShape(name: "r18 3x3/2 64>128 @56", input: [1, 64, 56, 56], out: 128, kernel: 3, stride: 2),
    KernelShape(name: "r18 3x3 128>128 @28", input: [1, 128, 28, 28], out: 128, kernel: 3),
    KernelShape(name: "r18 3x3 256>256 @14", input: [1, 256, 14, 14], out: 256, kernel: 3),
    KernelShape(name: "r18 3x3 512>512 @7", input: [1, 512, 7, 7], out: 512, kernel: 3),
    KernelShape(name: "vit dense 197x192>576", input: [197, 192], out: 576, dense: true),
    KernelShape(name: "vit dense 197x192>768", input: [197, 192], out: 768, dense: true),
    KernelShape(name: "vit dense 197x768>192", input: [197, 768], out: 192, dense: true),
]

/// Each shape on OpenBLAS (with its epilogue pass), on what `.automatic` picks, and on the packed
/// kernels forced for every shape (`.avx2`), alternating in one process, plus a bare
/// `cblas_sgemm` of the same product (for depthwise shapes, where "OpenBLAS" means the Swift
/// SIMD rows and the packed builds the `CKernels` rows, that product has no meaning: a 1×k
/// filter per channel); the minimum over `iterations`
/// rounds of each, since this machine is shared and only the minimum is repeatable.
func kernels(_ o: Options) -> [String: Any] {
    var rows: [[String: Any]] = []
    for shape in kernelShapes where o.only.map({ shape.name.contains($0) }) ?? true {
        var b = GraphBuilder(name: shape.name)
        var pool = Attributes()
        pool["kernel"] = .ints([Int64(shape.kernel), Int64(shape.kernel)])
        pool["strides"] = .ints([Int64(shape.stride), Int64(shape.stride)])
        pool["pads"] = .ints([Int64](repeating: Int64(shape.kernel / 2), count: 4))
        guard let x = try? b.input("x", shape: shape.input),
            let y = try? shape.maxPool
                ? b.node(.maxPool, [x], pool)
                : shape.dense
                    ? b.dense(x, outFeatures: shape.out, activation: .relu)
                    : b.conv(
                        x, outChannels: shape.out, kernel: shape.kernel, stride: shape.stride, group: shape.depthwise ? shape.out : 1,
                        activation: .relu6)
        else { fail("cannot build \(shape.name)") }
        b.output(y)
        let outShape = b.shape(of: y)
        let m = shape.dense ? shape.input[0] : shape.out
        let n = shape.dense ? shape.out : outShape[2] * outShape[3]
        let k = shape.dense ? shape.input[1] : (shape.depthwise || shape.maxPool ? 1 : shape.input[1]) * shape.kernel * shape.kernel
        let flops = (shape.maxPool ? 1 : 2) * Double(m * n * k)
        let backends: [GemmBackend] = [.openBLAS, .automatic, .avx2]
        let executors = backends.map { Executor(graph: b.graph, threads: o.threads, gemm: $0) }
        for e in executors { e.fillInputsDeterministically() }
        let a = [Float](repeating: 0.5, count: m * k), bb = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        var best = [Int64](repeating: .max, count: 4)
        for _ in 0..<o.iterations {
            for (i, e) in executors.enumerated() {
                let t0 = Clock.monotonicNanoseconds()
                e.execute()
                best[i] = min(best[i], Clock.monotonicNanoseconds() - t0)
            }
            let t0 = Clock.monotonicNanoseconds()
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), bb, Int32(n), 0, &c, Int32(n))
            best[3] = min(best[3], Clock.monotonicNanoseconds() - t0)
        }
        rows.append([
            "name": shape.name, "m": m, "n": n, "k": k, "openBLASMicroseconds": Double(best[0]) / 1000,
            "automaticMicroseconds": Double(best[1]) / 1000, "packedMicroseconds": Double(best[2]) / 1000,
            "openBLASGflops": flops / Double(best[0]), "automaticGflops": flops / Double(best[1]), "packedGflops": flops / Double(best[2]),
            "sgemmGflops": flops / Double(best[3]),
        ])
    }
    return ["threads": o.threads, "iterations": o.iterations, "runtimeVersion": RuntimeInfo.version, "avx2": GemmBackend.isAVX2Available, "shapes": rows]
}

/// One network on every GEMM backend, alternating inference by inference in one process so the
/// machine's drift hits each alike: the whole-network A/B behind `GemmBackend.automatic`'s
/// choices. Medians and minima per backend.
func backends(_ path: String, _ o: Options) -> [String: Any] {
    guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read \(path)") }
    let graph: Graph
    do { graph = try PlanCodec.decode([UInt8](data)) } catch { fail("\(path): \(error.description)") }
    let choices: [GemmBackend] = [.openBLAS, .automatic, .avx2]
    let executors = choices.map { Executor(graph: graph, threads: o.threads, gemm: $0) }
    for e in executors {
        e.fillInputsDeterministically()
        for _ in 0..<max(o.warmup, 1) { e.execute() }
    }
    var samples = [[Int64]](repeating: [], count: executors.count)
    for _ in 0..<o.iterations {
        for (i, e) in executors.enumerated() {
            let t0 = Clock.monotonicNanoseconds()
            e.execute()
            samples[i].append(Clock.monotonicNanoseconds() - t0)
        }
    }
    let rows: [[String: Any]] = zip(choices, samples).map { backend, s in
        ["backend": "\(backend)", "medianNanoseconds": median(s), "minimumNanoseconds": s.min() ?? 0]
    }
    return ["plan": path, "threads": o.threads, "iterations": o.iterations, "runtimeVersion": RuntimeInfo.version, "backends": rows]
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
switch options.words.first {
case "calibrate":
    emit(calibrate(options))
case "kernels":
    emit(kernels(options))
case "backends":
    guard options.words.count == 2 else { fail(usage) }
    emit(backends(options.words[1], options))
case "overhead":
    emit(overhead(options))
case "store":
    emit(storeIngest(options))
case "run":
    guard options.words.count == 2 else { fail(usage) }
    emit(run(options.words[1], options))
default:
    fail(usage)
}
