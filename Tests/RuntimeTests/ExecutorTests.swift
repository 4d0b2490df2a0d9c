import ModelPlan
import Runtime
import Testing

/// Whole-graph behaviour of the executor (the golden ONNX Runtime comparison is the job of the
/// ONNX front end's tests).
@Suite struct ExecutorTests {
    @Test func denseAndPoolingMatchReference() throws {
        var b = GraphBuilder(name: "dense", seed: 5)
        let x = try b.input("x", shape: [1, 2, 4, 4])
        let mp = try b.node(.maxPool, [x], Attributes(["kernel": .ints([2, 2]), "strides": .ints([2, 2])]))
        let ap = try b.node(.averagePool, [mp], Attributes(["kernel": .ints([3, 3]), "pads": .ints([1, 1, 1, 1])]))
        let gap = try b.node(.globalAveragePool, [ap])
        let flat = try b.node(.flatten, [gap])
        let d = try b.dense(flat, outFeatures: 3)
        b.output(d)
        b.output(mp)
        let g = b.graph
        let exec = Executor(graph: g)
        let input = (0..<32).map { Float($0) }
        try exec.setInput(0, input)
        exec.execute()
        // Max pool of a ramp picks the bottom-right of each 2x2 window.
        #expect(exec.output(1) == [5, 7, 13, 15, 21, 23, 29, 31])
        // Average pool without padding counted keeps a 2x2 plane's mean everywhere; GAP gives it too.
        let means: [Float] = [10, 26]
        let wv = floats(g, g.nodes.last!.inputs[1]), bv = floats(g, g.nodes.last!.inputs[2])
        let want = (0..<3).map { j in bv[j] + means[0] * wv[j * 2] + means[1] * wv[j * 2 + 1] }
        for (got, w) in zip(exec.output(0), want) { #expect(abs(got - w) <= 1e-5 + 1e-4 * abs(w)) }
    }

    @Test func executorRejectsWrongInputSize() throws {
        let exec = Executor(graph: try BuiltinModels.graph(named: "mlp"))
        #expect(throws: RuntimeError.self) { try exec.setInput(0, [1, 2, 3]) }
    }

    @Test(arguments: BuiltinModels.names)
    func builtinModelsExecuteToFiniteOutputs(_ name: String) throws {
        let exec = Executor(graph: try BuiltinModels.graph(named: name), threads: 2)
        exec.fillInputsDeterministically()
        exec.execute()
        let out = exec.output(0)
        #expect(!out.isEmpty && out.allSatisfy(\.isFinite))
        #expect(out.contains { $0 != 0 })
        #expect(exec.activationBytes > 0)
    }

    private func floats(_ g: Graph, _ tensor: Int) -> [Float] {
        let c = g.tensors[tensor].constant!
        return stride(from: c.offset, to: c.offset + c.count, by: 4).map { (o: Int) -> Float in
            var bits: UInt32 = 0
            for i in 0..<4 { bits |= UInt32(g.weights[o + i]) << UInt32(8 * i) }
            return Float(bitPattern: bits)
        }
    }
}
