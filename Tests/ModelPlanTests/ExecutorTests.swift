import ModelPlan
import Runtime
import Testing

/// Kernels against straightforward reference loops (the golden ONNX Runtime comparison is
/// the job of the ONNX front end's tests).
@Suite struct ExecutorTests {
    struct ConvCase: CustomTestStringConvertible, Sendable {
        var c, m, h, w, k, stride, pad, group, dilation: Int
        var testDescription: String { "c\(c) m\(m) \(h)x\(w) k\(k) s\(stride) p\(pad) g\(group) d\(dilation)" }
    }

    static let convCases = [
        ConvCase(c: 3, m: 8, h: 9, w: 7, k: 3, stride: 1, pad: 1, group: 1, dilation: 1),
        ConvCase(c: 4, m: 6, h: 8, w: 8, k: 3, stride: 2, pad: 1, group: 2, dilation: 1),
        ConvCase(c: 5, m: 5, h: 7, w: 9, k: 3, stride: 1, pad: 1, group: 5, dilation: 1),
        ConvCase(c: 6, m: 6, h: 11, w: 10, k: 5, stride: 2, pad: 2, group: 6, dilation: 1),
        ConvCase(c: 8, m: 4, h: 6, w: 6, k: 1, stride: 1, pad: 0, group: 1, dilation: 1),
        ConvCase(c: 3, m: 4, h: 10, w: 10, k: 3, stride: 1, pad: 2, group: 1, dilation: 2),
        ConvCase(c: 2, m: 3, h: 5, w: 5, k: 1, stride: 2, pad: 0, group: 1, dilation: 1),
    ]

    @Test(arguments: convCases)
    func convMatchesReference(_ t: ConvCase) throws {
        var b = GraphBuilder(name: "conv", seed: 3)
        let x = try b.input("x", shape: [2, t.c, t.h, t.w])
        var a = Attributes()
        a["strides"] = .ints([Int64(t.stride), Int64(t.stride)])
        a["pads"] = .ints([Int64(t.pad), Int64(t.pad), Int64(t.pad), Int64(t.pad)])
        a["dilations"] = .ints([Int64(t.dilation), Int64(t.dilation)])
        a["group"] = .int(Int64(t.group))
        a.values.merge(Activation.relu.attributes) { $1 }
        let wShape = [t.m, t.c / t.group, t.k, t.k]
        let w = try b.randomConstant("w", shape: wShape, fanIn: 9)
        let bias = try b.randomConstant("b", shape: [t.m], fanIn: 3)
        let y = try b.node(.conv, [x, w, bias], a)
        b.output(y)
        let g = try PlanCodec.decode(try PlanCodec.encode(b.graph))
        let exec = Executor(graph: g)
        var rng = SeededRandom(seed: 11)
        let input = (0..<(2 * t.c * t.h * t.w)).map { _ in rng.nextFloat(bound: 1) }
        try exec.setInput(0, input)
        exec.execute()
        let got = exec.output(0)

        let wv = floats(g, w), bv = floats(g, bias)
        let ys = g.tensors[y].shape
        let cg = t.c / t.group, mg = t.m / t.group
        var want = [Float](repeating: 0, count: got.count)
        for n in 0..<2 {
            for oc in 0..<t.m {
                let grp = oc / mg
                for oy in 0..<ys[2] {
                    for ox in 0..<ys[3] {
                        var acc = bv[oc]
                        for ic in 0..<cg {
                            for ky in 0..<t.k {
                                for kx in 0..<t.k {
                                    let iy = oy * t.stride - t.pad + ky * t.dilation, ix = ox * t.stride - t.pad + kx * t.dilation
                                    guard iy >= 0, iy < t.h, ix >= 0, ix < t.w else { continue }
                                    let xi = ((n * t.c + grp * cg + ic) * t.h + iy) * t.w + ix
                                    acc += input[xi] * wv[((oc * cg + ic) * t.k + ky) * t.k + kx]
                                }
                            }
                        }
                        want[((n * t.m + oc) * ys[2] + oy) * ys[3] + ox] = max(acc, 0)
                    }
                }
            }
        }
        for i in 0..<got.count {
            #expect(abs(got[i] - want[i]) <= 1e-5 + 1e-4 * abs(want[i]), "element \(i)")
        }
    }

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
