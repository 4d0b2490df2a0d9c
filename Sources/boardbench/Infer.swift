import ArgumentParser
import BenchCore
import Controller
import Foundation

struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model once on NumPy .npy inputs and write its outputs as .npy files.",
        discussion: """
            Inputs and outputs are float32 .npy arrays, so results can be compared with any framework. \
            With --device the plan runs on that board through its agent, so the board's numerics are checked too.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "builtin:NAME, a .plan file, an .onnx model or an architecture spec.") var model: String
    @Option(name: .customLong("input"), help: "An input .npy file, one per graph input in order.") var inputs: [String] = []
    @Option(name: .customLong("input-shape"), help: "Fix a dynamic input: 1x3x224x224 (first input) or NAME:1x3x224x224.") var inputShapes: [String] = []
    @Option(name: .shortAndLong, help: "Output .npy file (models with one output).") var output: String?
    @Option(name: .customLong("output-dir"), help: "Directory for <output name>.npy, one per graph output.") var outputDir: String?
    @Option(help: "Run on this enrolled device instead of this machine.") var device: String?
    @Option(help: "Agent executable to deploy if the device lacks this version.") var agent: String?
    @Option(help: "Threads for the runtime (OpenBLAS and its own loops).") var threads: Int = 1
    @Option(help: "builtin (BoardBench's runtime) or onnxruntime (ONNX Runtime on the board, with --device and an .onnx model).")
    var runner: String = "builtin"
    @Flag(
        name: .customLong("compare-runners"),
        help:
            "With --device and an .onnx model: run it on the board with both runtimes and report how far ONNX Runtime's outputs are from BoardBench's; exit 2 beyond --tolerance."
    )
    var compareRunners = false
    @Option(help: "With --compare-runners: the largest allowed difference, relative to the largest magnitude of each builtin output.")
    var tolerance: Double = 1e-4

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one --input FILE.npy") }
        if compareRunners {
            if device == nil { throw ValidationError("--compare-runners runs both runtimes on a board: give --device NAME") }
            if !model.lowercased().hasSuffix(".onnx") { throw ValidationError("--compare-runners needs an .onnx model") }
            if output != nil && outputDir != nil { throw ValidationError("give at most one of -o FILE.npy and --output-dir DIR") }
            if !(tolerance >= 0) { throw ValidationError("--tolerance must be 0 or more") }
        } else if (output == nil) == (outputDir == nil) {
            throw ValidationError("give exactly one of -o FILE.npy and --output-dir DIR")
        }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        guard runner == "builtin" || runner == "onnxruntime" else { throw ValidationError("--runner must be builtin or onnxruntime") }
        if runner == "onnxruntime" {
            if device == nil { throw ValidationError("--runner onnxruntime runs on a board: give --device NAME") }
            if !model.lowercased().hasSuffix(".onnx") { throw ValidationError("--runner onnxruntime needs an .onnx model") }
        }
    }

    func run() throws {
        let arrays = try boardbench.run { () throws(ControllerError) in try inputs.map { path throws(ControllerError) in try Self.read(path) } }
        // ONNX Runtime alone needs no import by BoardBench: a model it cannot compile still runs.
        let onnxRuntimeOnly = runner == "onnxruntime" && !compareRunners
        let compiled = try boardbench.run { () throws(ControllerError) in
            onnxRuntimeOnly ? try ModelCompiler.file(model) : try ModelCompiler.compile(model, relativeTo: nil, inputShapes: inputShapes)
        }
        if compareRunners, let device { return try compare(compiled, arrays, on: device) }
        let outputs = try boardbench.run { () throws(ControllerError) in
            if let device {
                try Inference.remote(
                    compiled, inputs: arrays, device: device, workspace: global.resolved, agentPath: agent, threads: threads,
                    onnxRuntime: onnxRuntimeOnly ? compiled : nil, inputShapes: inputShapes)
            } else {
                try Inference.local(compiled, inputs: arrays, threads: threads)
            }
        }
        try save(outputs)
        if !global.quiet {
            for o in outputs { printError("\(o.name): \(o.array.shape)") }
        }
    }

    /// `--compare-runners`: the builtin runtime and ONNX Runtime on the same board and inputs;
    /// one line per output with the largest absolute and relative difference.
    private func compare(_ compiled: CompiledModel, _ arrays: [NPYArray], on device: String) throws {
        let (builtin, ort) = try boardbench.run { () throws(ControllerError) in
            let b = try Inference.remote(compiled, inputs: arrays, device: device, workspace: global.resolved, agentPath: agent, threads: threads)
            let o = try Inference.remote(
                compiled, inputs: arrays, device: device, workspace: global.resolved, agentPath: agent, threads: threads,
                onnxRuntime: try ModelCompiler.file(model), inputShapes: inputShapes)
            return (b, o)
        }
        try save(runner == "onnxruntime" ? ort : builtin)
        var beyond = false
        for (b, o) in zip(builtin, ort) {
            guard b.array.shape == o.array.shape else {
                printOut("\(b.name): shapes differ: builtin \(b.array.shape), onnxruntime \(o.array.shape)")
                beyond = true
                continue
            }
            let scale = b.array.values.map { abs($0) }.max() ?? 0
            let worst = zip(b.array.values, o.array.values).map { abs($0 - $1) }.max() ?? 0
            let relative = scale > 0 ? Double(worst) / Double(scale) : Double(worst)
            let ok = relative <= tolerance
            beyond = beyond || !ok
            printOut(
                "\(b.name) \(b.array.shape): max |builtin − onnxruntime| \(String(format: "%.3g", Double(worst))), \(String(format: "%.3g", relative)) of max |builtin| \(String(format: "%.3g", Double(scale))): \(ok ? "agree" : "DIFFER") (tolerance \(tolerance))"
            )
        }
        if builtin.count != ort.count {
            printOut("the runtimes return \(builtin.count) and \(ort.count) outputs")
            beyond = true
        }
        if beyond { throw ExitCode(ExitStatus.regression.rawValue) }
    }

    private func save(_ outputs: [(name: String, array: NPYArray)]) throws {
        try boardbench.run { () throws(ControllerError) in
            if let output {
                guard outputs.count == 1 else {
                    throw .invalidArgument("the model has \(outputs.count) outputs (\(outputs.map(\.name).joined(separator: ", "))); use --output-dir")
                }
                try Self.write(outputs[0].array, to: output)
            } else if let outputDir {
                do { try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true) } catch {
                    throw .output(path: outputDir, reason: error.localizedDescription)
                }
                for o in outputs { try Self.write(o.array, to: URL(fileURLWithPath: outputDir).appendingPathComponent(Self.fileName(o.name)).path) }
            }
        }
    }

    /// A graph output name made safe as a file name.
    static func fileName(_ name: String) -> String {
        let safe = name.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" }
        return String(safe) + ".npy"
    }

    static func read(_ path: String) throws(ControllerError) -> NPYArray {
        guard let data = FileManager.default.contents(atPath: path) else { throw .fileNotFound(path: path, what: "input") }
        do { return try NPY.decode([UInt8](data)) } catch { throw .invalidArgument("\(path): \(error.description)") }
    }

    static func write(_ a: NPYArray, to path: String) throws(ControllerError) {
        do { try Data(NPY.encode(a)).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw .output(path: path, reason: error.localizedDescription)
        }
    }
}
