import ModelPlan

/// Static parameters of data-movement ops, normalised from the ONNX forms of opsets 7 to 18.
/// Folding and lowering share them, so a folded node and a lowered one agree exactly.
extension Importer {
    /// Reshape's target with 0 (copy, unless allowzero) and −1 (infer) resolved.
    func reshapeTarget(_ n: ONNXNode, input: [Int], spec: [Int64]) throws(ImportError) -> [Int] {
        let allowZero = try int(n, "allowzero", 0) == 1
        var out: [Int] = []
        var inferAt: Int?
        for (i, d) in spec.enumerated() {
            if d == -1 {
                guard inferAt == nil else { throw fail(n, "shape \(spec) has more than one -1") }
                inferAt = i
                out.append(1)
            } else if d == 0 && !allowZero {
                guard i < input.count else { throw fail(n, "shape \(spec) copies dimension \(i) that the input \(input) lacks") }
                out.append(input[i])
            } else {
                guard d >= 0 else { throw fail(n, "shape \(spec) has a negative dimension") }
                out.append(Int(d))
            }
        }
        // The spec holds any Int64s from the model: products are overflow-checked.
        func product(_ dims: [Int]) throws(ImportError) -> Int {
            var p = 1
            for d in dims {
                let (next, overflow) = p.multipliedReportingOverflow(by: d)
                guard !overflow else { throw fail(n, "cannot reshape \(input) to \(spec)") }
                p = next
            }
            return p
        }
        let total = try product(input)
        if let at = inferAt {
            let known = try product(out)
            guard known > 0, total % known == 0 else { throw fail(n, "cannot reshape \(input) to \(spec)") }
            out[at] = total / known
        }
        guard try product(out) == total else { throw fail(n, "cannot reshape \(input) to \(spec)") }
        return out
    }

    /// Axes of Squeeze, Unsqueeze and ReduceMean: attribute before opset 13 (18 for
    /// ReduceMean), input after.
    func axesOperand(_ n: ONNXNode, inputSince: Int64) throws(ImportError) -> [Int64]? {
        if opset >= inputSince { return try constant(n, 1, "axes")?.ints }
        return try ints(n, "axes")
    }

    func squeezeTarget(_ n: ONNXNode, input: [Int]) throws(ImportError) -> [Int] {
        guard let axes = try axesOperand(n, inputSince: 13) else { return input.filter { $0 != 1 } }
        var drop = Set<Int>()
        for a in axes {
            let ax = try axis(n, a, rank: input.count)
            guard input[ax] == 1 else { throw fail(n, "cannot squeeze axis \(ax) of size \(input[ax])") }
            drop.insert(ax)
        }
        return input.indices.filter { !drop.contains($0) }.map { input[$0] }
    }

    func unsqueezeTarget(_ n: ONNXNode, input: [Int]) throws(ImportError) -> [Int] {
        guard let axes = try axesOperand(n, inputSince: 13) else { throw fail(n, "axes are missing") }
        let rank = input.count + axes.count
        var insert = Set<Int>()
        for a in axes { insert.insert(try axis(n, a, rank: rank)) }
        guard insert.count == axes.count else { throw fail(n, "axes \(axes) repeat") }
        var out: [Int] = []
        var next = 0
        for i in 0..<rank {
            if insert.contains(i) {
                out.append(1)
            } else {
                out.append(input[next])
                next += 1
            }
        }
        return out
    }

    func flattenTarget(_ n: ONNXNode, input: [Int]) throws(ImportError) -> [Int] {
        let raw = try int(n, "axis", 1)
        let r = Int64(input.count)
        guard -r <= raw, raw <= r else { throw fail(n, "axis \(raw) is out of range for rank \(input.count)") }
        let a = Int(raw < 0 ? raw + r : raw)
        return [input[..<a].elementCount, input[a...].elementCount]
    }

    func transposePerm(_ n: ONNXNode, rank: Int) throws(ImportError) -> [Int] {
        guard let p = try ints(n, "perm") else { return Array((0..<rank).reversed()) }
        let perm = p.map { Int($0) }
        guard perm.sorted() == Array(0..<rank) else { throw fail(n, "perm \(p) is not a permutation of rank \(rank)") }
        return perm
    }

    /// Slice bounds per axis of the input: (starts, steps, sizes).
    func sliceParameters(_ n: ONNXNode, input: [Int]) throws(ImportError) -> (starts: [Int], steps: [Int], sizes: [Int]) {
        let starts: [Int64], ends: [Int64], axes: [Int64]?, steps: [Int64]?
        if opset >= 10 {
            guard let s = try constant(n, 1, "starts"), let e = try constant(n, 2, "ends") else { throw fail(n, "starts and ends are required") }
            starts = s.ints
            ends = e.ints
            axes = try constant(n, 3, "axes")?.ints
            steps = try constant(n, 4, "steps")?.ints
        } else {
            guard let s = try ints(n, "starts"), let e = try ints(n, "ends") else { throw fail(n, "starts and ends are required") }
            starts = s
            ends = e
            axes = try ints(n, "axes")
            steps = nil
        }
        let ax = axes ?? (0..<Int64(starts.count)).map { $0 }
        let st = steps ?? [Int64](repeating: 1, count: starts.count)
        guard ends.count == starts.count, ax.count == starts.count, st.count == starts.count else {
            throw fail(n, "starts, ends, axes and steps differ in length")
        }
        var outStarts = [Int](repeating: 0, count: input.count)
        var outSteps = [Int](repeating: 1, count: input.count)
        var sizes = input
        var seen = Set<Int>()
        for i in 0..<starts.count {
            let a = try axis(n, ax[i], rank: input.count)
            guard seen.insert(a).inserted else { throw fail(n, "axis \(a) is sliced twice") }
            guard st[i] != 0 else { throw fail(n, "step 0") }
            guard let (s, size) = Layout.sliceBounds(start: starts[i], end: ends[i], step: st[i], dim: input[a]) else {
                throw fail(n, "slice of axis \(a) is empty; empty tensors are not supported")
            }
            outStarts[a] = s
            outSteps[a] = Int(st[i])
            sizes[a] = size
        }
        return (outStarts, outSteps, sizes)
    }

    /// Split sizes from the attribute (opset < 13), the input (13+), num_outputs (18+) or
    /// an even split.
    func splitSizes(_ n: ONNXNode, input: [Int], axis a: Int) throws(ImportError) -> [Int] {
        let given: [Int64]? = opset >= 13 ? try constant(n, 1, "split")?.ints : try ints(n, "split")
        let count = n.outputs.count
        let dim = input[a]
        if let given {
            // Summed with overflow checks: the sizes come from the file as any Int64s.
            let (total, overflow) = given.reduce((Int64(0), false)) { acc, size in
                let (sum, o) = acc.0.addingReportingOverflow(size)
                return (sum, acc.1 || o)
            }
            guard given.count == count, given.allSatisfy({ $0 > 0 }), !overflow, total == Int64(dim) else {
                throw fail(n, "split \(given) does not partition \(dim) into \(count) non-empty parts")
            }
            return given.map { Int($0) }
        }
        let parts = opset >= 18 ? Int(try int(n, "num_outputs", Int64(count))) : count
        guard parts == count, parts >= 1 else { throw fail(n, "num_outputs differs from the number of outputs") }
        let chunk = (dim + parts - 1) / parts
        var sizes = [Int](repeating: chunk, count: parts)
        sizes[parts - 1] = dim - chunk * (parts - 1)
        guard sizes.allSatisfy({ $0 > 0 }) else { throw fail(n, "cannot split \(dim) into \(parts) non-empty parts") }
        return sizes
    }

    func gatherParameters(_ n: ONNXNode, input: [Int], indices: ConstTensor) throws(ImportError) -> (axis: Int, indices: [Int]) {
        // ONNX: the data of a Gather has rank at least 1 (a scalar has no axis to index).
        guard !input.isEmpty else { throw fail(n, "cannot gather from a scalar (the data must have rank 1 or more)") }
        let a = try axis(n, try int(n, "axis", 0), rank: input.count)
        var out: [Int] = []
        for i in indices.ints {
            let k = i < 0 ? i + Int64(input[a]) : i
            guard 0 <= k, k < Int64(input[a]) else { throw fail(n, "index \(i) is outside axis \(a) of size \(input[a])") }
            out.append(Int(k))
        }
        return (a, out)
    }

    func expandTarget(_ n: ONNXNode, input: [Int], spec: [Int64]) throws(ImportError) -> [Int] {
        guard spec.allSatisfy({ $0 >= 1 }), let out = ShapeInference.broadcast(input, spec.map { Int($0) }) else {
            throw fail(n, "cannot expand \(input) to \(spec)")
        }
        return out
    }

    /// ReduceMean axes (sorted, non-negative) or nil for "leave the input as it is".
    func reduceAxes(_ n: ONNXNode, rank: Int) throws(ImportError) -> [Int]? {
        let given = try axesOperand(n, inputSince: 18)
        if given == nil || given!.isEmpty {
            let noop = try int(n, "noop_with_empty_axes", 0)
            if opset >= 18 && noop == 1 { return nil }
            return Array(0..<rank)
        }
        var axes = Set<Int>()
        for a in given! { axes.insert(try axis(n, a, rank: rank)) }
        return axes.sorted()
    }
}
