import BenchCore
import ModelPlan
import Probes
import Runtime

/// Runs a plan once on the inputs the host sent and returns every graph output, so a board's
/// numerics (its CPU, its OpenBLAS kernels) can be compared with the host's or a framework's.
public enum InferenceRunner {
    public static func run(_ request: InferRequest) -> Result<[TensorPayload], AgentMessage.AgentFailure> {
        func failure(_ code: String, _ message: String) -> Result<[TensorPayload], AgentMessage.AgentFailure> {
            .failure(.init(code: code, message: message))
        }
        if let runner = request.runner { return external(request, runner: runner) }
        let bytes: [UInt8]
        switch BenchmarkRunner.readWholeFile(request.planPath) {
        case .success(let b): bytes = b
        case .failure(let message): return failure("plan-unreadable", message)
        }
        let graph: Graph
        do { graph = try PlanCodec.decode(bytes) } catch { return failure("plan-invalid", "plan \(request.planPath): \(error.description)") }
        guard request.threads >= 1, request.threads <= 1024 else { return failure("bad-request", "threads must be in 1...1024") }
        guard request.inputs.count == graph.inputs.count else {
            return failure("bad-request", "the plan has \(graph.inputs.count) inputs, the request \(request.inputs.count)")
        }
        let executor = Executor(graph: graph, threads: request.threads)
        for (i, payload) in request.inputs.enumerated() {
            let tensor = graph.tensors[graph.inputs[i]]
            guard payload.shape == tensor.shape else {
                return failure("bad-request", "input \(tensor.name) has shape \(tensor.shape), the request sent \(payload.shape)")
            }
            guard let values = payload.values() else {
                return failure("bad-request", "input \(tensor.name): data is not \(tensor.elementCount) float32 values")
            }
            do { try executor.setInput(i, values) } catch { return failure("bad-request", "\(error)") }
        }
        executor.execute()
        return .success(
            graph.outputs.indices.map { i in
                let t = graph.tensors[graph.outputs[i]]
                return TensorPayload(name: t.name, shape: t.shape, values: executor.output(i))
            })
    }

    /// The outputs of the model as ONNX Runtime on the board computes them.
    static func external(_ request: InferRequest, runner: RunnerRequest) -> Result<[TensorPayload], AgentMessage.AgentFailure> {
        guard runner.kind == .onnxruntime else {
            return .failure(.init(code: "bad-request", message: "only the onnxruntime runner computes outputs; \(runner.kind.rawValue) runners measure time"))
        }
        guard request.threads >= 1, request.threads <= 1024 else { return .failure(.init(code: "bad-request", message: "threads must be in 1...1024")) }
        let deadline = MonotonicClock.seconds() + 600
        let session: OnnxRuntimeSession
        switch OnnxRuntimeSession.start(
            python: runner.python ?? "python3", model: runner.modelPath ?? request.planPath, threads: request.threads, runner: runner, deadline: deadline)
        {
        case .success(let s): session = s
        case .failure(let f): return .failure(.init(code: "runner", message: f.message))
        }
        defer { session.close() }
        return session.infer(request.inputs, deadline: deadline).mapError { .init(code: "runner", message: $0.message) }
    }
}
