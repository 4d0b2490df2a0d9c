/// The FILL section of a version 2 plan (layout in `PlanFormat`): generated weights stored
/// as seeds, and WGHT packed down to the bytes outside them.
extension PlanCodec {
    static func encodeFills(_ g: Graph) -> [UInt8] {
        var w = ByteWriter()
        w.u64(UInt64(g.weights.count))
        w.count(g.generatedWeights.count)
        w.u32(0)
        for f in g.generatedWeights {
            w.u64(UInt64(f.offset))
            w.u64(UInt64(f.count))
            w.u64(f.seed)
            w.f32(f.bound)
            w.u32(0)
        }
        return w.bytes
    }

    /// The weight bytes outside every fill, in order.
    static func storedWeights(_ g: Graph) -> [UInt8] {
        var out: [UInt8] = []
        var cursor = 0
        for f in g.generatedWeights {
            out.append(contentsOf: g.weights[cursor..<f.offset])
            cursor = f.byteRange.upperBound
        }
        out.append(contentsOf: g.weights[cursor...])
        return out
    }

    /// A fill whose bytes are not what its seed generates would decode to other weights, so
    /// the graph cannot be stored that way (a pass edited generated weights after building).
    static func checkFillsMatchWeights(_ g: Graph) throws(PlanError) {
        for f in g.generatedWeights where !f.matches(g.weights) {
            throw .invalidGraph(
                "weights \(f.byteRange) differ from the values seed \(f.seed) generates; remove that entry from generatedWeights to store the bytes")
        }
    }

    /// Checks the fills against the section's size and the stored bytes before allocating,
    /// then rebuilds the full weights: stored bytes between fills, regenerated values in them.
    static func decodeFills(_ section: ArraySlice<UInt8>, stored: ArraySlice<UInt8>) throws(PlanError) -> (weights: [UInt8], fills: [WeightFill]) {
        var r = ByteReader(section, context: "FILL section")
        let total = try r.u64()
        let count = Int(try r.u32())
        guard try r.u32() == 0 else { throw .malformed("FILL section: reserved field is not zero") }
        guard total <= UInt64(PlanFormat.maxWeightsSize) else {
            throw .malformed("FILL section: weights of \(total) bytes exceed the limit of \(PlanFormat.maxWeightsSize) bytes")
        }
        guard count >= 1 else { throw .malformed("FILL section lists no fills (a plan without generated weights is version 1)") }
        guard r.remaining == count * PlanFormat.fillEntrySize else {
            throw .malformed(
                "FILL section holds \(r.remaining) bytes of entries, \(count) fills need \(count * PlanFormat.fillEntrySize); the section is truncated or padded"
            )
        }
        let size = Int(total)
        var fills: [WeightFill] = []
        for i in 0..<count {
            let offset = try r.u64(), values = try r.u64(), seed = try r.u64(), bound = try r.f32()
            guard try r.u32() == 0 else { throw .malformed("FILL section: weight fill \(i) has a non-zero reserved field") }
            guard offset <= total, values <= total else {
                throw .malformed("weight fill \(i) (offset \(offset), \(values) values) lies outside the \(total) bytes of weights")
            }
            fills.append(WeightFill(offset: Int(offset), count: Int(values), seed: seed, bound: bound))
        }
        if let problem = WeightFill.firstProblem(in: fills, weightsSize: size) { throw .malformed(problem) }
        let generated = fills.reduce(0) { $0 + $1.byteCount }
        guard stored.count == size - generated else {
            throw .malformed("WGHT holds \(stored.count) bytes, but FILL leaves \(size - generated) of the \(size) weight bytes to it")
        }

        var weights = [UInt8](repeating: 0, count: size)
        var from = stored.startIndex
        var cursor = 0
        for f in fills {
            let gap = f.offset - cursor
            weights[cursor..<f.offset] = stored[from..<(from + gap)]
            from += gap
            f.write(into: &weights)
            cursor = f.byteRange.upperBound
        }
        weights[cursor...] = stored[from...]
        return (weights, fills)
    }
}
