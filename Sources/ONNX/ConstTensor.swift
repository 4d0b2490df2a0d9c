import ModelPlan

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A tensor known at compile time: an initializer, a Constant, or the folded result of a node
/// whose inputs are all known. Shape arithmetic is int64 and must stay exact (Slice ends are
/// often INT64_MAX), so integers and floats are kept apart rather than both as Double.
struct ConstTensor: Equatable {
    enum Values: Equatable {
        case float([Float])
        /// int64, int32, bool (0/1) and every other integer type.
        case int([Int64])
    }

    var shape: [Int]
    var values: Values

    init(shape: [Int], values: Values) {
        self.shape = shape
        self.values = values
    }

    init(floats: [Float], shape: [Int]) { self.init(shape: shape, values: .float(floats)) }
    init(ints: [Int64], shape: [Int]) { self.init(shape: shape, values: .int(ints)) }

    var count: Int {
        switch values {
        case .float(let v): v.count
        case .int(let v): v.count
        }
    }

    /// Whether the values fill the shape exactly (no negative dimension, no overflow).
    var isConsistent: Bool {
        var needed = 1
        for d in shape {
            let (product, overflow) = needed.multipliedReportingOverflow(by: d)
            guard d >= 0, !overflow else { return false }
            needed = product
        }
        return needed == count
    }

    var isFloat: Bool {
        if case .float = values { return true }
        return false
    }

    var floats: [Float] {
        switch values {
        case .float(let v): v
        case .int(let v): v.map { Float($0) }
        }
    }

    var ints: [Int64] {
        switch values {
        case .int(let v): v
        case .float(let v): v.map(Self.saturating)
        }
    }

    /// A float as the nearest int64 within range, and 0 for NaN and infinities (never a trap).
    static func saturating(_ x: Float) -> Int64 { x.isFinite ? Int64(max(min(x, 9.2e18), -9.2e18)) : 0 }

    /// Element `i` of `self` for every index in `map`: the shared engine of every
    /// data-movement op (reshape, transpose, slice, gather, expand, concat, split).
    func gathering(_ map: [Int], shape: [Int]) -> ConstTensor {
        switch values {
        case .float(let v): ConstTensor(floats: map.map { v[$0] }, shape: shape)
        case .int(let v): ConstTensor(ints: map.map { v[$0] }, shape: shape)
        }
    }

    func reshaped(_ shape: [Int]) -> ConstTensor { ConstTensor(shape: shape, values: values) }
}

extension Sequence<Int> {
    /// The element count of a shape: 0 when any extent is 0, else the product, saturating at
    /// `Int.max` (shapes come from the file; a caller's size limit then refuses them).
    var elementCount: Int {
        var product = 1
        var saturated = false
        for extent in self {
            if extent == 0 { return 0 }
            let (p, overflow) = product.multipliedReportingOverflow(by: extent)
            if overflow { saturated = true } else { product = p }
        }
        return saturated ? Int.max : product
    }
}

/// Row-major index helpers shared by folding and lowering.
enum Layout {
    /// Row-major strides. They saturate instead of trapping: a shape with a zero extent may
    /// have others whose product overflows, and an empty tensor's strides are never used.
    static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            s[i] = acc
            let (product, overflow) = acc.multipliedReportingOverflow(by: shape[i])
            acc = overflow ? Int.max : product
        }
        return s
    }

    /// Calls `body` with each multi-index of `shape` in row-major order and its flat index.
    static func forEachIndex(_ shape: [Int], _ body: ([Int], Int) -> Void) {
        let total = shape.elementCount
        guard total > 0 else { return }
        var index = [Int](repeating: 0, count: shape.count)
        for flat in 0..<total {
            body(index, flat)
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < shape[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
    }

    /// For each element of `out` (a broadcast of `shape`), the flat index into `shape`.
    static func broadcastMap(from shape: [Int], to out: [Int]) -> [Int] {
        let offset = out.count - shape.count
        let st = strides(shape)
        var map: [Int] = []
        map.reserveCapacity(min(out.elementCount, Importer.maxFoldedElements))
        forEachIndex(out) { idx, _ in
            var f = 0
            for i in 0..<shape.count where shape[i] != 1 { f += idx[i + offset] * st[i] }
            map.append(f)
        }
        return map
    }

    static func transposeMap(_ shape: [Int], perm: [Int]) -> (map: [Int], shape: [Int]) {
        let st = strides(shape)
        let outShape = perm.map { shape[$0] }
        var map: [Int] = []
        map.reserveCapacity(min(shape.elementCount, Importer.maxFoldedElements))
        forEachIndex(outShape) { idx, _ in
            var f = 0
            for (o, p) in perm.enumerated() { f += idx[o] * st[p] }
            map.append(f)
        }
        return (map, outShape)
    }

    static func sliceMap(_ shape: [Int], starts: [Int], steps: [Int], sizes: [Int]) -> [Int] {
        let st = strides(shape)
        var map: [Int] = []
        map.reserveCapacity(min(sizes.elementCount, Importer.maxFoldedElements))
        forEachIndex(sizes) { idx, _ in
            var f = 0
            for a in 0..<shape.count { f += (starts[a] + idx[a] * steps[a]) * st[a] }
            map.append(f)
        }
        return map
    }

    static func gatherMap(_ shape: [Int], axis: Int, indices: [Int], indicesShape: [Int]) -> (map: [Int], shape: [Int]) {
        let outer = shape[..<axis].elementCount, inner = shape[(axis + 1)...].elementCount
        var map: [Int] = []
        map.reserveCapacity(min([outer, indices.count, inner].elementCount, Importer.maxFoldedElements))
        for o in 0..<outer {
            for i in indices {
                for k in 0..<inner { map.append((o * shape[axis] + i) * inner + k) }
            }
        }
        return (map, Array(shape[..<axis]) + indicesShape + Array(shape[(axis + 1)...]))
    }

    /// Normalises ONNX Slice bounds for one axis (clamping as the spec says); nil when empty.
    static func sliceBounds(start: Int64, end: Int64, step: Int64, dim: Int) -> (start: Int, size: Int)? {
        let d = Int64(dim)
        var s = start < 0 ? start &+ d : start
        var e = end < 0 ? end &+ d : end
        if step > 0 {
            s = min(max(s, 0), d)
            e = min(max(e, 0), d)
            guard e > s else { return nil }
            // ceil((e - s) / step) without `e - s + step`, which overflows for a huge step.
            return (Int(s), Int((UInt64(e - s) - 1) / step.magnitude + 1))
        } else {
            s = min(max(s, -1), d - 1)
            e = min(max(e, -1), d - 1)
            guard s > e else { return nil }
            return (Int(s), Int((UInt64(s - e) - 1) / step.magnitude + 1))
        }
    }
}

/// Scalar math used by constant folding; the runtime's kernels follow the same formulas.
enum ScalarMath {
    static func erf(_ x: Float) -> Float { erff(x) }
    static func sqrt(_ x: Float) -> Float { sqrtf(x) }
    static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
    static func tanh(_ x: Float) -> Float { tanhf(x) }
    static func exp(_ x: Float) -> Float { expf(x) }
    static func floor(_ x: Float) -> Float { floorf(x) }
    static func ceil(_ x: Float) -> Float { ceilf(x) }
}
