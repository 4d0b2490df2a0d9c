import BenchCore
import Foundation
import ONNX
import Runners

/// The host's side of external runners (docs/formats.md, "Runners"): checks a benchmark's
/// runner fields and turns its model reference into what is pushed to the boards.
public enum RunnerModels {
    /// Model references naming a file already on the board, which is never pushed.
    public static let boardPrefix = "board:"

    /// The first problem with `b`'s runner fields, as "field X: why", or nil.
    public static func problem(_ b: BenchmarkSpec) -> String? {
        let kind: RunnerRequest.Kind?
        switch b.runner {
        case nil, "builtin": kind = nil
        case let name?:
            guard let k = RunnerRequest.Kind(rawValue: name) else {
                return "field runner: \(name.debugDescription) is not one of builtin, \(RunnerRequest.Kind.allCases.map(\.rawValue).joined(separator: ", "))"
            }
            kind = k
        }
        let commandOnly: [(String, Bool)] = [
            ("command", b.command != nil), ("output", b.output != nil), ("select", b.select != nil), ("sampleMetric", b.sampleMetric != nil),
        ]
        let onnxOnly: [(String, Bool)] = [("graphOptimization", b.graphOptimization != nil), ("executionProvider", b.executionProvider != nil)]
        let runnerName = b.runner ?? "builtin"
        func misplaced(_ fields: [(String, Bool)], _ owner: String) -> String? {
            fields.first { $0.1 }.map { "field \($0.0): only for runner \(owner), not \(runnerName)" }
        }
        let onBoard = b.model.hasPrefix(boardPrefix)
        if onBoard {
            guard kind != nil else { return "field model: \(boardPrefix)PATH names a file on the board, which only runners onnxruntime and command read" }
            guard b.model.dropFirst(boardPrefix.count).hasPrefix("/") else { return "field model: \(b.model) must be an absolute path on the board" }
        }
        switch kind {
        case nil:
            if let m = misplaced(commandOnly, "command") ?? misplaced(onnxOnly, "onnxruntime") { return m }
            if b.environment != nil { return "field environment: only for runners command and onnxruntime" }
        case .onnxruntime?:
            if let m = misplaced(commandOnly, "command") { return m }
            guard b.model.lowercased().hasSuffix(".onnx") else { return "field model: runner onnxruntime needs an ONNX model (.onnx), got \(b.model)" }
            if let level = b.graphOptimization, !RunnerRequest.graphOptimizationLevels.contains(level) {
                return "field graphOptimization: \(level.debugDescription) is not one of \(RunnerRequest.graphOptimizationLevels.joined(separator: ", "))"
            }
        case .command?:
            if let m = misplaced(onnxOnly, "onnxruntime") { return m }
            if b.inputShapes != nil { return "field inputShapes: runner command passes no shapes; put them in the command" }
            guard let argv = b.command, let first = argv.first, !first.isEmpty else {
                return "field command: runner command needs the program and its arguments, e.g. [llama-bench, -m, \"{model}\", -t, \"{threads}\"]"
            }
            for argument in argv {
                if let name = RunnerRequest.unknownPlaceholder(in: argument) {
                    return
                        "field command: unknown placeholder {\(name)} in \(argument.debugDescription); known: \(RunnerRequest.placeholders.map { "{\($0)}" }.joined(separator: ", "))"
                }
            }
            if let format = b.output {
                guard RunnerFormat(rawValue: format) != nil else {
                    return "field output: \(format.debugDescription) is not one of \(RunnerFormat.allCases.map(\.rawValue).joined(separator: ", "))"
                }
            } else {
                if argv.contains(where: { $0.contains("{output}") }) { return "field command: {output} needs an output format (field output)" }
                if b.select != nil { return "field select: needs an output format (field output)" }
                if b.sampleMetric != nil { return "field sampleMetric: needs an output format (field output)" }
            }
        }
        return nil
    }

    /// The runner request of `b` (nil: the builtin runtime), without the per-device parts
    /// (`python`). Pure: the fields were checked by `problem`.
    static func request(_ b: BenchmarkSpec) -> RunnerRequest? {
        guard let kind = b.runner.flatMap(RunnerRequest.Kind.init(rawValue:)) else { return nil }
        var runner = RunnerRequest(kind: kind, environment: b.environment)
        switch kind {
        case .onnxruntime:
            (runner.graphOptimization, runner.executionProvider, runner.inputShapes) = (b.graphOptimization, b.executionProvider, b.inputShapes)
        case .command:
            (runner.command, runner.format, runner.select, runner.sampleMetric) = (b.command, b.output, b.select, b.sampleMetric)
        }
        if b.model.hasPrefix(boardPrefix) { runner.modelPath = String(b.model.dropFirst(boardPrefix.count)) }
        return runner
    }

    /// The model `b` measures: compiled for the builtin runtime; for an external runner the
    /// file as it is (pushed by content), or a model already on the board, never pushed, named
    /// by the runner request.
    static func model(_ b: BenchmarkSpec, runner: RunnerRequest?, relativeTo directory: URL?) throws(ControllerError) -> CompiledModel {
        guard let runner else { return try ModelCompiler.compile(b.model, relativeTo: directory, inputShapes: b.inputShapes ?? []) }
        if runner.modelPath != nil {
            return CompiledModel.onBoard(reference: b.model, identity: PlanIdentity.hash(Data(RunCoordinator.json(runner).utf8)))
        }
        let bytes = try ModelCompiler.read(b.model, directory)
        guard !bytes.isEmpty else { throw .model(path: b.model, reason: "the file is empty") }
        if runner.kind == .onnxruntime {
            // Refuse a file that is not an ONNX model here, not as a runner error on every board.
            do { _ = try ONNXModel(bytes: bytes) } catch { throw .model(path: b.model, reason: "not a readable ONNX model: \(error.description)") }
        }
        return CompiledModel.file(reference: b.model, bytes: bytes, extension: URL(fileURLWithPath: b.model).pathExtension.lowercased())
    }
}
