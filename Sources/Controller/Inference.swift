import BenchCore
import Foundation
import ModelPlan
import Runtime

/// Runs a compiled model once on given inputs, here or on a device through its agent.
public enum Inference {
    /// Checks `inputs` against the graph's inputs: one array per input, shapes equal (a
    /// leading 1 may be omitted or added, as NumPy users often do), float32 values.
    public static func bind(_ inputs: [NPYArray], to graph: Graph) throws(ControllerError) -> [NPYArray] {
        guard inputs.count == graph.inputs.count else {
            let names = graph.inputs.map { "\(graph.tensors[$0].name) \(graph.tensors[$0].shape)" }.joined(separator: ", ")
            throw .invalidArgument("the model has \(graph.inputs.count) input(s) (\(names)); \(inputs.count) --input file(s) given")
        }
        var out: [NPYArray] = []
        for (i, a) in inputs.enumerated() {
            let t = graph.tensors[graph.inputs[i]]
            let squeezed = { (s: [Int]) in Array(s.drop { $0 == 1 }) }
            guard a.shape == t.shape || (squeezed(a.shape) == squeezed(t.shape) && a.values.count == t.elementCount) else {
                throw .invalidArgument("input \(i + 1) (\(t.name)) must have shape \(t.shape); the file holds \(a.shape)")
            }
            out.append(NPYArray(shape: t.shape, values: a.values))
        }
        return out
    }

    /// Executes on this machine with the built-in runtime.
    public static func local(_ model: CompiledModel, inputs: [NPYArray], threads: Int = 1) throws(ControllerError) -> [(name: String, array: NPYArray)] {
        let graph = model.graph
        let bound = try bind(inputs, to: graph)
        let executor = Executor(graph: graph, threads: threads)
        for (i, a) in bound.enumerated() {
            do { try executor.setInput(i, a.values) } catch { throw .invalidArgument("input \(i + 1): \(error)") }
        }
        executor.execute()
        return graph.outputs.indices.map { i in
            let t = graph.tensors[graph.outputs[i]]
            return (t.name, NPYArray(shape: t.shape, values: executor.output(i)))
        }
    }

    /// Executes on an enrolled device: deploys the agent and the plan if missing, sends the
    /// inputs, and returns the outputs the board computed. With `onnxRuntime` (the `.onnx`
    /// file `model` was compiled from, `CompiledModel.file`), ONNX Runtime on the board
    /// computes them instead, through the `onnxruntime` runner: the same inputs, bound against
    /// `model`'s graph, so the two runtimes' outputs can be compared. `model` may be the file
    /// itself (`ModelCompiler.file`, for a model BoardBench cannot import): the inputs then go
    /// as they are, by position, and ONNX Runtime checks them.
    public static func remote(
        _ model: CompiledModel, inputs: [NPYArray], device: String, workspace: Workspace, agentPath: String?, threads: Int = 1,
        onnxRuntime: CompiledModel? = nil, inputShapes: [String] = []
    ) throws(ControllerError) -> [(name: String, array: NPYArray)] {
        // A model file as it is has no graph here (CompiledModel.file).
        let graphKnown = !(model.graph.inputs.isEmpty && model.graph.nodes.isEmpty)
        let bound = graphKnown ? try bind(inputs, to: model.graph) : inputs
        let config = try DeviceFile.load(device, in: workspace)
        let binary = try AgentBinary.locate(explicit: agentPath)
        if let facts = config.facts, facts.architecture != binary.architecture {
            throw .agentArchitecture(device: config.name, board: facts.architecture, agent: binary.architecture, path: binary.path)
        }
        let transport = try DeviceConnector.connect(config)
        let pushed = onnxRuntime ?? model
        let prepared = try Deployment.prepare(transport, config: config, probes: config.sensorPaths, binary: binary, plans: [pushed])
        let client = prepared.client
        try Deployment.pushPlans([pushed], present: prepared.presentPlans, to: transport, config: config)
        let payloads = bound.enumerated().map { i, a in
            TensorPayload(name: graphKnown ? model.graph.tensors[model.graph.inputs[i]].name : "input\(i)", shape: a.shape, values: a.values)
        }
        let request = AgentRequest(
            command: .infer,
            infer: InferRequest(
                planPath: config.modelPath(pushed) ?? "", planHash: pushed.hash, threads: threads, inputs: payloads,
                runner: onnxRuntime.map { _ in
                    RunnerRequest(kind: .onnxruntime, python: config.pythonPath, inputShapes: inputShapes.isEmpty ? nil : inputShapes)
                }))
        var outputs: [(String, NPYArray)] = []
        do {
            try client.send(request) { message in
                guard case .tensor(let t) = message else { return }
                guard let values = t.values() else {
                    throw ControllerError.agentProtocol(device: device, reason: "output \(t.name) does not hold \(t.shape) float32 values")
                }
                outputs.append((t.name, NPYArray(shape: t.shape, values: values)))
            }
        } catch let e as ControllerError {
            throw e
        } catch {
            throw .agentFailed(device: device, reason: "\(error)")
        }
        guard !graphKnown || outputs.count == model.graph.outputs.count else {
            throw .agentProtocol(device: device, reason: "returned \(outputs.count) outputs, the plan has \(model.graph.outputs.count)")
        }
        return outputs
    }
}
