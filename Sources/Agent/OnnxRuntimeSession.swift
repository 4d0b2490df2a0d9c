import BenchCore
import Probes

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The ONNX Runtime runner script running on the board with one model loaded
/// (`OnnxRuntimeScript`): the agent asks it for runs and inferences over a pipe.
final class OnnxRuntimeSession {
    let child: ChildProgram
    let argv: [String]
    let loadNanoseconds: Int64
    let version: String
    let provider: String
    /// Why the last `run` or `infer` returned nil.
    private(set) var failure: String?

    private init(child: ChildProgram, argv: [String], loadNanoseconds: Int64, version: String, provider: String) {
        (self.child, self.argv, self.loadNanoseconds, self.version, self.provider) = (child, argv, loadNanoseconds, version, provider)
    }

    private struct Config: Encodable {
        var model: String
        var threads: Int
        var graphOptimization: String?
        var executionProvider: String?
        var inputShapes: [String]?
    }

    /// Starts the script and waits until the model is loaded.
    static func start(python: String, model: String, threads: Int, runner: RunnerRequest, deadline: Double) -> Result<OnnxRuntimeSession, RunnerFailure> {
        let config = Config(
            model: model, threads: threads, graphOptimization: runner.graphOptimization, executionProvider: runner.executionProvider,
            inputShapes: runner.inputShapes)
        guard let json = try? JSONEncoder().encode(config) else { return .failure("onnxruntime runner: cannot encode its settings") }
        let argv = [python, "-c", OnnxRuntimeScript.source, String(decoding: json, as: UTF8.self)]
        let child: ChildProgram
        switch ChildProgram.start(argv, environment: runner.environment ?? [:], interactive: true) {
        case .success(let c): child = c
        case .failure(let message):
            return .failure(
                RunnerFailure("ONNX Runtime is not available: \(message); set pythonPath in the device file to a Python with the onnxruntime package"))
        }
        let shown = [python, "-c", "<runner script>", argv[3]]
        switch next(child, deadline: deadline) {
        case .success(let words):
            guard words.first == "ready", words.count >= 4, let load = Int64(words[1]) else {
                child.kill()
                return .failure(RunnerFailure("onnxruntime runner: unexpected answer \(words.joined(separator: " "))"))
            }
            return .success(OnnxRuntimeSession(child: child, argv: shown, loadNanoseconds: load, version: words[2], provider: words[3]))
        case .failure(let f):
            child.kill()
            return .failure(f)
        }
    }

    /// The next `BB` line's words (after "BB"); a `BB error`, the end of output or the deadline
    /// is the failure, described.
    private static func next(_ child: ChildProgram, deadline: Double) -> Result<[String], RunnerFailure> {
        while true {
            switch child.readLine(deadline: deadline) {
            case .line(let line):
                guard line.hasPrefix("BB ") else { continue }
                let words = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().map(String.init)
                if words.first == "error" {
                    let code = words.count > 1 ? words[1] : "error"
                    let message = words.dropFirst(2).joined(separator: " ")
                    child.finish(within: 2)
                    if code == "unavailable" {
                        return .failure(
                            RunnerFailure(
                                "ONNX Runtime is not available: \(message); install it (pip install onnxruntime) or set pythonPath in the device file"))
                    }
                    return .failure(RunnerFailure("onnxruntime runner (\(code)): \(message)"))
                }
                return .success(words)
            case .end:
                let exit = child.finish(within: 2)
                child.drainErrors(deadline: MonotonicClock.seconds() + 1)
                let tail = child.stderrTail
                return .failure(RunnerFailure("onnxruntime runner \(exit.problem ?? "ended")\(tail.isEmpty ? "" : ": \(tail)")"))
            case .timedOut:
                child.kill()
                return .failure(RunnerFailure("onnxruntime runner did not answer before the benchmark's time limit (0.9 × timeoutSeconds)"))
            }
        }
    }

    /// Runs the model `n` times back to back; their total time as the script measured it.
    func run(_ n: Int, deadline: Double) -> Int64? {
        guard child.send("run \(n)") else {
            failure = "onnxruntime runner: its input closed (it exited)"
            return nil
        }
        switch Self.next(child, deadline: deadline) {
        case .success(let words):
            guard words.count == 2, words[0] == "sample", let ns = Int64(words[1]), ns >= 0 else {
                failure = "onnxruntime runner: unexpected answer \(words.joined(separator: " "))"
                return nil
            }
            return ns
        case .failure(let f):
            failure = f.message
            return nil
        }
    }

    /// Runs the model once on `inputs` (in graph input order); its outputs as float32 tensors.
    func infer(_ inputs: [TensorPayload], deadline: Double) -> Result<[TensorPayload], RunnerFailure> {
        let base = "\(ExternalRunner.temporaryDirectory)/boardbench-infer-\(getpid())-\(Clock.monotonicNanoseconds())"
        let (inDir, outDir) = (base + "-in", base + "-out")
        guard mkdir(inDir, 0o700) == 0, mkdir(outDir, 0o700) == 0 else {
            return .failure(RunnerFailure("cannot create \(base)-in/out: \(String(cString: strerror(errno)))"))
        }
        defer {
            for dir in [inDir, outDir] {
                if let names = try? FileManager.default.contentsOfDirectory(atPath: dir) { for n in names { unlink("\(dir)/\(n)") } }
                rmdir(dir)
            }
        }
        for (i, payload) in inputs.enumerated() {
            guard let values = payload.values() else { return .failure("input \(payload.name): data is not float32 values") }
            let bytes = NPY.encode(NPYArray(shape: payload.shape, values: values))
            guard FileManager.default.createFile(atPath: "\(inDir)/\(i).npy", contents: Data(bytes)) else {
                return .failure(RunnerFailure("cannot write \(inDir)/\(i).npy"))
            }
        }
        guard child.send("infer \(inDir) \(outDir)") else { return .failure("onnxruntime runner: its input closed (it exited)") }
        let words: [String]
        switch Self.next(child, deadline: deadline) {
        case .success(let w): words = w
        case .failure(let f): return .failure(f)
        }
        guard words.count >= 2, words[0] == "outputs", let count = Int(words[1]), words.count == count + 2 else {
            return .failure(RunnerFailure("onnxruntime runner: unexpected answer \(words.joined(separator: " "))"))
        }
        var outputs: [TensorPayload] = []
        for i in 0..<count {
            guard let data = FileManager.default.contents(atPath: "\(outDir)/\(i).npy") else { return .failure("the runner wrote no output \(i)") }
            do {
                let a = try NPY.decode([UInt8](data))
                outputs.append(TensorPayload(name: words[2 + i], shape: a.shape, values: a.values))
            } catch { return .failure("output \(i) of the runner: \(error.description)") }
        }
        return .success(outputs)
    }

    /// Asks the script to end, then makes sure it has.
    func close() {
        _ = child.send("quit")
        child.closeInput()
        child.finish(within: 5)
    }
}
