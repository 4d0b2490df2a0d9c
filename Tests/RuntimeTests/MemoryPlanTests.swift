import ModelPlan
import Runtime
import Testing

@Suite struct MemoryPlanTests {
    /// x → relu → relu → … (`length` nodes), each [1, 1024]; every intermediate is a graph output
    /// only when `outputs` says so.
    private func chain(_ length: Int, alsoOutput: [Int] = []) throws -> (Graph, [Int]) {
        var b = GraphBuilder(name: "chain")
        var t = try b.input("x", shape: [1, 1024])
        var tensors = [t]
        for i in 0..<length {
            t = try b.node(i % 2 == 0 ? .relu : .sigmoid, [t])
            tensors.append(t)
        }
        b.output(t)
        for i in alsoOutput { b.output(tensors[i]) }
        return (b.graph, tensors)
    }

    @Test func disjointLifetimesShareBytes() throws {
        let (g, t) = try chain(4)
        let plan = Executor.memoryPlan(for: g)
        // t1 lives over nodes 0...1 and t3 over 2...3: the same offset serves both.
        #expect(plan.lifetimes[t[1]] == 0...1)
        #expect(plan.lifetimes[t[3]] == 2...3)
        #expect(plan.arenaOffset(of: t[1]) == plan.arenaOffset(of: t[3]))
        // The input lives through the whole run (it is set once, executed many times), the
        // output to the end: three buffers serve five tensors.
        #expect(plan.lifetimes[t[0]] == -1...4)
        #expect(plan.lifetimes[t[4]] == 3...4)
        #expect(plan.arenaBytes == 3 * 4096)
        #expect(plan.arenaBytes < t.count * 4096)
    }

    @Test(arguments: BuiltinModels.names)
    func overlappingLifetimesNeverShareBytes(_ name: String) throws {
        try expectNoConflicts(try BuiltinModels.graph(named: name))
    }

    @Test func branchingGraphHasNoConflicts() throws {
        var b = GraphBuilder(name: "branches")
        let x = try b.input("x", shape: [1, 8, 16, 16])
        let a = try b.conv(x, outChannels: 8, kernel: 3)
        let c = try b.conv(x, outChannels: 16, kernel: 1)
        let d = try b.conv(a, outChannels: 16, kernel: 3, stride: 2, pad: 1)
        let e = try b.node(.maxPool, [c], Attributes(["kernel": ints([2, 2]), "strides": ints([2, 2])]))
        let f = try b.node(.add, [d, e])
        let parts = try b.node(.split, [f], Attributes(["axis": .int(1), "splits": ints([4, 12])]), outputs: 2)
        let g = try b.node(.concat, [parts[1], parts[0]], Attributes(["axis": .int(1)]))
        b.output(g)
        b.output(a)
        try expectNoConflicts(b.graph)
    }

    private func expectNoConflicts(_ g: Graph) throws {
        let plan = Executor.memoryPlan(for: g)
        #expect(plan.placements.count == g.tensors.count)
        // Reshape and flatten outputs share their input's bytes on purpose.
        var group = Array(g.tensors.indices)
        for node in g.nodes where node.op == .reshape || node.op == .flatten { group[node.outputs[0]] = group[node.inputs[0]] }
        for i in g.tensors.indices {
            guard let oi = plan.arenaOffset(of: i), let li = plan.lifetimes[i] else { continue }
            #expect(oi % 64 == 0)
            #expect(oi + g.tensors[i].byteCount <= plan.arenaBytes)
            for j in g.tensors.indices where j > i && group[j] != group[i] {
                guard let oj = plan.arenaOffset(of: j), let lj = plan.lifetimes[j], li.overlaps(lj) else { continue }
                let disjoint = oi + g.tensors[i].byteCount <= oj || oj + g.tensors[j].byteCount <= oi
                #expect(disjoint, "\(g.tensors[i].name) \(li) and \(g.tensors[j].name) \(lj) share bytes")
            }
        }
    }

    @Test func outputsAndInputsSurviveReuse() throws {
        // An early intermediate is also a graph output: the later nodes reuse buffers around it.
        let (g, t) = try chain(12, alsoOutput: [1, 5])
        let plan = Executor.memoryPlan(for: g)
        #expect(plan.arenaBytes < t.count * 4096)
        let x = random(1024, seed: 5, bound: 3)
        var want = [x]
        for i in 0..<12 { want.append(want[i].map { i % 2 == 0 ? max($0, 0) : Float(1 / (1 + _exp(-Double($0)))) }) }
        let exec = Executor(graph: g)
        try exec.setInput(0, x)
        for _ in 0..<2 {
            // Twice without setting the input again: the input must still hold x.
            exec.execute()
            expectClose(exec.output(0), want[12], "final")
            expectClose(exec.output(1), want[1], "early output")
            expectClose(exec.output(2), want[5], "middle output")
        }
    }

    @Test func reshapeAliasesItsInput() throws {
        var b = GraphBuilder(name: "alias")
        let x = try b.input("x", shape: [2, 64])
        let r = try b.node(.relu, [x])
        let s = try b.node(.reshape, [r], Attributes(["shape": ints([4, 32])]))
        let f = try b.node(.flatten, [s], Attributes(["axis": .int(1)]))
        let y = try b.node(.sigmoid, [f])
        b.output(y)
        let plan = Executor.memoryPlan(for: b.graph)
        #expect(plan.arenaOffset(of: s) == plan.arenaOffset(of: r))
        #expect(plan.arenaOffset(of: f) == plan.arenaOffset(of: r))
        // The alias group lives from relu to sigmoid, so sigmoid's output gets other bytes.
        #expect(plan.lifetimes[r] == 0...3)
        #expect(plan.arenaOffset(of: y) != plan.arenaOffset(of: r))
        let xv = random(128, seed: 8)
        let got = try run(b.graph, [xv])[0]
        expectClose(got, xv.map { Float(1 / (1 + _exp(-Double(max($0, 0))))) })
    }

    @Test func executorReportsThePlan() throws {
        let g = try BuiltinModels.graph(named: "tiny-cnn")
        let exec = Executor(graph: g)
        #expect(exec.memoryPlan == Executor.memoryPlan(for: g))
        #expect(exec.arenaBytes == exec.memoryPlan.arenaBytes)
        #expect(exec.activationBytes == exec.arenaBytes + exec.scratchBytes)
        // Convolutions through OpenBLAS lower their input to im2col columns in scratch; the
        // packed kernels gather it straight into their strips and need none.
        let lowered = Executor(graph: g, gemm: .openBLAS), implicit = Executor(graph: g, gemm: .avx2)
        #expect(lowered.memoryPlan == Executor.memoryPlan(for: g, gemm: .openBLAS))
        #expect(lowered.scratchBytes > 0)
        #expect(implicit.scratchBytes < lowered.scratchBytes)
        let sum = g.tensors.filter { $0.constant == nil }.reduce(0) { $0 + $1.byteCount }
        #expect(exec.arenaBytes < sum)
    }

    @Test func twoThreadsGiveTheSameResultsAsOne() throws {
        // Large enough that every parallel loop actually splits.
        var b = GraphBuilder(name: "threads", seed: 9)
        let x = try b.input("x", shape: [1, 16, 48, 48])
        var y = try b.conv(x, outChannels: 32, kernel: 3, activation: .relu)
        y = try b.conv(y, outChannels: 32, kernel: 3, group: 32, activation: .relu6)
        y = try b.conv(y, outChannels: 32, kernel: 5, stride: 2, group: 32)
        y = try b.node(.hardSwish, [y])
        let pooled = try b.node(.averagePool, [y], Attributes(["kernel": ints([3, 3]), "pads": ints([1, 1, 1, 1])]))
        y = try b.node(.mul, [y, pooled])
        y = try b.node(.maxPool, [y], Attributes(["kernel": ints([3, 3]), "strides": ints([1, 1]), "pads": ints([1, 1, 1, 1])]))
        let scale = try b.constant("s", shape: [32, 1, 1], values: random(32, seed: 1))
        y = try b.node(.add, [y, scale])
        y = try b.node(.resize, [y], Attributes(["sizes": ints([1, 32, 48, 48]), "scales": .floats([1, 1, 2, 2]), "mode": .int(1)]))
        y = try b.node(.softmax, [y], Attributes(["axis": .int(1)]))
        b.output(y)
        let xv = random(16 * 48 * 48, seed: 3)
        let one = try run(b.graph, [xv], threads: 1)[0]
        let two = try run(b.graph, [xv], threads: 2)[0]
        expectClose(two, one, "threads 2 vs 1")
        #expect(one.contains { $0 != one[0] })
    }
}
