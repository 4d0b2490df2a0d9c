import ModelPlan
import Runtime
import Testing

/// Data movement ops against index arithmetic over multi-indices.
@Suite struct ShapeOpTests {
    @Test(arguments: [0, 1, 2, 3])
    func concatAlongEachAxis(_ axis: Int) throws {
        let shapes = [[2, 3, 4, 5], [2, 3, 4, 5], [2, 3, 4, 5]].enumerated().map { i, s in
            var s = s
            s[axis] = i + 1
            return s
        }
        let (inputs, got, out) = try runSingle(.concat, inputs: shapes, Attributes(["axis": .int(Int64(axis))]))
        let want = (0..<out.reduce(1, *)).map { flat -> Float in
            var idx = multiIndex(flat, out)
            var k = 0
            while idx[axis] >= shapes[k][axis] {
                idx[axis] -= shapes[k][axis]
                k += 1
            }
            return inputs[k][flatIndex(idx, shapes[k])]
        }
        #expect(got == want)
    }

    @Test(arguments: [0, 1, 3])
    func splitAlongAnAxis(_ axis: Int) throws {
        let shape = [3, 4, 2, 6]
        let splits = axis == 0 ? [1, 2] : (axis == 1 ? [1, 1, 2] : [2, 3, 1])
        var b = GraphBuilder(name: "split")
        let x = try b.input("x", shape: shape)
        let outs = try b.node(.split, [x], Attributes(["axis": .int(Int64(axis)), "splits": ints(splits)]), outputs: splits.count)
        outs.forEach { b.output($0) }
        let xv = random(shape.reduce(1, *), seed: 4)
        let got = try run(b.graph, [xv])
        var start = 0
        for (k, size) in splits.enumerated() {
            var s = shape
            s[axis] = size
            let want = (0..<s.reduce(1, *)).map { flat -> Float in
                var idx = multiIndex(flat, s)
                idx[axis] += start
                return xv[flatIndex(idx, shape)]
            }
            #expect(got[k] == want, "output \(k)")
            start += size
        }
    }

    struct SliceCase: CustomTestStringConvertible, Sendable {
        var shape: [Int], starts: [Int], steps: [Int], sizes: [Int]
        var testDescription: String { "\(shape) starts \(starts) steps \(steps) sizes \(sizes)" }
    }

    static let sliceCases = [
        SliceCase(shape: [4, 6, 5], starts: [1, 0, 0], steps: [1, 1, 1], sizes: [2, 6, 5]),
        SliceCase(shape: [4, 6, 5], starts: [3, 5, 4], steps: [-1, -2, -1], sizes: [4, 3, 5]),
        SliceCase(shape: [2, 9, 11], starts: [0, 8, 1], steps: [1, -3, 3], sizes: [2, 3, 4]),
        SliceCase(shape: [3, 7], starts: [2, 6], steps: [-2, -1], sizes: [2, 7]),
        SliceCase(shape: [2, 3, 8, 8], starts: [0, 1, 2, 0], steps: [1, 1, 1, 2], sizes: [2, 2, 5, 4]),
    ]

    @Test(arguments: sliceCases)
    func sliceWithNegativeSteps(_ t: SliceCase) throws {
        let a = Attributes(["starts": ints(t.starts), "steps": ints(t.steps), "sizes": ints(t.sizes)])
        let (inputs, got, _) = try runSingle(.slice, inputs: [t.shape], a)
        let want = (0..<t.sizes.reduce(1, *)).map { flat -> Float in
            let idx = multiIndex(flat, t.sizes)
            return inputs[0][flatIndex(idx.indices.map { t.starts[$0] + idx[$0] * t.steps[$0] }, t.shape)]
        }
        #expect(got == want)
    }

    @Test(arguments: [[0, 2, 3, 1], [0, 3, 1, 2], [3, 2, 1, 0], [1, 0, 3, 2], [0, 1, 3, 2], [2, 0, 1, 3], [0, 1, 2, 3]])
    func transpose4D(_ perm: [Int]) throws {
        let shape = [2, 3, 9, 10]
        let (inputs, got, out) = try runSingle(.transpose, inputs: [shape], Attributes(["perm": ints(perm)]))
        let want = (0..<out.reduce(1, *)).map { flat -> Float in
            let idx = multiIndex(flat, out)
            var src = [Int](repeating: 0, count: 4)
            for (i, p) in perm.enumerated() { src[p] = idx[i] }
            return inputs[0][flatIndex(src, shape)]
        }
        #expect(got == want, "perm \(perm)")
    }

    @Test func transpose2DAndLarge() throws {
        for shape in [[13, 29], [64, 70]] {
            let (inputs, got, _) = try runSingle(.transpose, inputs: [shape], Attributes(["perm": ints([1, 0])]))
            let want: [Float] = (0..<(shape[0] * shape[1])).map { (f: Int) -> Float in inputs[0][(f % shape[0]) * shape[1] + f / shape[0]] }
            #expect(got == want, "\(shape)")
        }
    }

    @Test func gatherScalarAndVectorIndices() throws {
        let shape = [3, 5, 4]
        // Scalar index on axis 1 drops the axis.
        let (x1, scalar, s1) = try runSingle(.gather, inputs: [shape], Attributes(["axis": .int(1), "indices": ints([3]), "indicesShape": ints([])]))
        #expect(s1 == [3, 4])
        let wantScalar: [Float] = (0..<12).map { (f: Int) -> Float in x1[0][(f / 4 * 5 + 3) * 4 + f % 4] }
        #expect(scalar == wantScalar)
        // Vector indices (repeated, out of order) on the last axis.
        let idx = [3, 0, 3, 1, 2]
        let (x2, vector, s2) = try runSingle(.gather, inputs: [shape], Attributes(["axis": .int(2), "indices": ints(idx), "indicesShape": ints([5])]))
        #expect(s2 == [3, 5, 5])
        let wantVector: [Float] = (0..<75).map { (f: Int) -> Float in x2[0][f / 5 * 4 + idx[f % 5]] }
        #expect(vector == wantVector)
        // 2-D indices on axis 0.
        let (x3, matrix, s3) = try runSingle(
            .gather, inputs: [shape], Attributes(["axis": .int(0), "indices": ints([2, 0, 1, 2]), "indicesShape": ints([2, 2])]))
        #expect(s3 == [2, 2, 5, 4])
        let wantMatrix: [Float] = [2, 0, 1, 2].flatMap { (i: Int) -> [Float] in Array(x3[0][(i * 20)..<(i * 20 + 20)]) }
        #expect(matrix == wantMatrix)
    }

    @Test(arguments: [([3, 1], [2, 3, 4]), ([1, 5], [4, 5]), ([2, 1, 3], [2, 4, 3]), ([1], [2, 3]), ([4, 1, 1], [4, 3, 2])])
    func expandBroadcasts(_ from: [Int], _ to: [Int]) throws {
        let (inputs, got, _) = try runSingle(.expand, inputs: [from], Attributes(["shape": ints(to)]))
        let want: [Float] = (0..<to.reduce(1, *)).map { (f: Int) -> Float in broadcastRead(inputs[0], from, at: multiIndex(f, to)) }
        #expect(got == want)
    }

    @Test func reshapeAndFlattenKeepTheData() throws {
        var b = GraphBuilder(name: "reshape")
        let x = try b.input("x", shape: [2, 3, 4])
        let r = try b.node(.reshape, [x], Attributes(["shape": ints([4, 6])]))
        let f = try b.node(.flatten, [r], Attributes(["axis": .int(0)]))
        let y = try b.node(.relu, [f])
        b.output(y)
        b.output(r)
        let xv = random(24, seed: 3)
        let got = try run(b.graph, [xv])
        #expect(got[0] == xv.map { max($0, 0) })
        #expect(got[1] == xv)
    }

    struct PadCase: CustomTestStringConvertible, Sendable {
        var shape: [Int], pads: [Int], mode: PadMode
        var testDescription: String { "\(mode) \(shape) pads \(pads)" }
    }

    static let padCases = [
        PadCase(shape: [2, 3, 4, 5], pads: [0, 0, 1, 2, 0, 0, 2, 1], mode: .constant),
        PadCase(shape: [2, 3, 4, 5], pads: [1, 0, 0, 3, 0, 2, 1, 0], mode: .constant),
        PadCase(shape: [3, 7], pads: [-1, 2, 0, -3], mode: .constant),
        PadCase(shape: [2, 4, 6], pads: [0, 3, 5, 0, 2, 4], mode: .reflect),
        PadCase(shape: [2, 4, 6], pads: [1, 3, 5, 1, 2, 4], mode: .edge),
        PadCase(shape: [5], pads: [7, 9], mode: .edge),
    ]

    @Test(arguments: padCases)
    func padModes(_ t: PadCase) throws {
        let a = Attributes(["pads": ints(t.pads), "mode": .int(t.mode.rawValue), "value": .float(2.5)])
        let (inputs, got, out) = try runSingle(.pad, inputs: [t.shape], a)
        let r = t.shape.count
        let want = (0..<out.reduce(1, *)).map { flat -> Float in
            let idx = multiIndex(flat, out)
            var src: [Int] = []
            for d in 0..<r {
                let (i, n) = (idx[d] - t.pads[d], t.shape[d])
                switch t.mode {
                case .constant:
                    guard i >= 0, i < n else { return 2.5 }
                    src.append(i)
                case .reflect: src.append(i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i))
                case .edge: src.append(min(max(i, 0), n - 1))
                }
            }
            return inputs[0][flatIndex(src, t.shape)]
        }
        #expect(got == want)
    }
}
