import ModelPlan

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Add, sub, mul, div and pow with NumPy broadcasting. The operand shapes are classified once
/// at load into a layout with its own loop; whatever fits no fast layout walks the collapsed
/// strides generically, with a contiguous inner loop per row.
struct BinaryKernel: Kernel {
    enum Operation { case add, sub, mul, div, pow }

    enum Layout {
        /// Same shape: one flat loop.
        case same(count: Int)
        /// One operand is a single value.
        case scalarA(count: Int), scalarB(count: Int)
        /// Full operand [outer, channels, inner] against a [channels] vector broadcast over
        /// `inner` (per-channel [C,1,1] against NCHW).
        case channel(outer: Int, channels: Int, inner: Int, vectorIsB: Bool)
        /// Full operand [rows, length] against a [length] vector (trailing-vector broadcast).
        case trailing(rows: Int, length: Int, vectorIsB: Bool)
        /// Anything else: rows of `outer`, each an inner loop of `inner` elements whose operand
        /// strides are 0 or 1.
        case strided(outer: OuterLoop, inner: Int, innerA: Int, innerB: Int)
    }

    let operation: Operation
    let layout: Layout
    let a, b, y: UnsafeMutablePointer<Float>

    init(_ r: NodeReader, _ operation: Operation) {
        self.operation = operation
        (a, b, y) = (r.input(0), r.input(1), r.output())
        layout = BinaryKernel.layout(r.inputShape(0), r.inputShape(1), r.outputShape())
    }

    static func layout(_ sa: [Int], _ sb: [Int], _ so: [Int]) -> Layout {
        let (d, s) = collapse(so, [broadcastStrides(sa, to: so), broadcastStrides(sb, to: so)])
        let (ta, tb) = (s[0], s[1])
        switch d.count {
        case 1 where ta == [1] && tb == [1]: return .same(count: d[0])
        case 1 where ta == [1]: return .scalarB(count: d[0])
        case 1 where tb == [1]: return .scalarA(count: d[0])
        case 2 where ta == [d[1], 1] && tb == [0, 1]: return .trailing(rows: d[0], length: d[1], vectorIsB: true)
        case 2 where tb == [d[1], 1] && ta == [0, 1]: return .trailing(rows: d[0], length: d[1], vectorIsB: false)
        case 2 where ta == [d[1], 1] && tb == [1, 0]: return .channel(outer: 1, channels: d[0], inner: d[1], vectorIsB: true)
        case 2 where tb == [d[1], 1] && ta == [1, 0]: return .channel(outer: 1, channels: d[0], inner: d[1], vectorIsB: false)
        case 3 where ta == [d[1] * d[2], d[2], 1] && tb == [0, 1, 0]:
            return .channel(outer: d[0], channels: d[1], inner: d[2], vectorIsB: true)
        case 3 where tb == [d[1] * d[2], d[2], 1] && ta == [0, 1, 0]:
            return .channel(outer: d[0], channels: d[1], inner: d[2], vectorIsB: false)
        default:
            let outer = OuterLoop(dims: Array(d.dropLast()), strideA: Array(ta.dropLast()), strideB: Array(tb.dropLast()))
            return .strided(outer: outer, inner: d[d.count - 1], innerA: ta[ta.count - 1], innerB: tb[tb.count - 1])
        }
    }

    func run(_ parallel: Parallel) {
        switch operation {
        case .add: run(AddOperator.self, parallel)
        case .sub: run(SubOperator.self, parallel)
        case .mul: run(MulOperator.self, parallel)
        case .div: run(DivOperator.self, parallel)
        case .pow: run(PowOperator.self, parallel)
        }
    }

    private func run<Op: BinaryOperator>(_: Op.Type, _ parallel: Parallel) {
        let (a, b, y) = (self.a, self.b, self.y)
        let cost = Op.self == PowOperator.self ? 16 : 1
        switch layout {
        case .same(let count):
            parallel.forEach(count, cost: cost) { r in Op.vv(a + r.lowerBound, b + r.lowerBound, y + r.lowerBound, r.count) }
        case .scalarB(let count):
            // x^2 as x·x, as ONNX Runtime does.
            if Op.self == PowOperator.self, b[0] == 2 {
                parallel.forEach(count, cost: 1) { r in MulOperator.vv(a + r.lowerBound, a + r.lowerBound, y + r.lowerBound, r.count) }
            } else {
                parallel.forEach(count, cost: cost) { r in Op.vs(a + r.lowerBound, b[0], y + r.lowerBound, r.count) }
            }
        case .scalarA(let count):
            parallel.forEach(count, cost: cost) { r in Op.sv(a[0], b + r.lowerBound, y + r.lowerBound, r.count) }
        case .channel(let outer, let channels, let inner, let vectorIsB):
            parallel.forEach(outer * channels, cost: inner * cost) { planes in
                for plane in planes {
                    let o = plane * inner, c = plane % channels
                    if vectorIsB { Op.vs(a + o, b[c], y + o, inner) } else { Op.sv(a[c], b + o, y + o, inner) }
                }
            }
        case .trailing(let rows, let length, let vectorIsB):
            parallel.forEach(rows, cost: length * cost) { range in
                for row in range {
                    let o = row * length
                    if vectorIsB { Op.vv(a + o, b, y + o, length) } else { Op.vv(a, b + o, y + o, length) }
                }
            }
        case .strided(let outer, let inner, let innerA, let innerB):
            parallel.forEach(outer.count, cost: inner * cost) { rows in
                outer.forEach(rows) { row, oa, ob in
                    let out = y + row * inner
                    switch (innerA, innerB) {
                    case (1, 1): Op.vv(a + oa, b + ob, out, inner)
                    case (1, _): Op.vs(a + oa, b[ob], out, inner)
                    case (_, 1): Op.sv(a[oa], b + ob, out, inner)
                    default: out.update(repeating: Op.scalar(a[oa], b[ob]), count: inner)
                    }
                }
            }
        }
    }
}

/// Element strides of `shape` read as the (right-aligned) broadcast `target`: 0 where it repeats.
func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
    let padded = [Int](repeating: 1, count: target.count - shape.count) + shape
    var strides = contiguousStrides(padded)
    for i in padded.indices where padded[i] == 1 { strides[i] = 0 }
    return strides
}

protocol BinaryOperator {
    static func scalar(_ a: Float, _ b: Float) -> Float
    static func vector(_ a: Float8, _ b: Float8) -> Float8
}

extension BinaryOperator {
    @inline(__always)
    static func vv(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        var i = 0
        while i + 8 <= n {
            y.store8(vector(a.load8(i), b.load8(i)), i)
            i += 8
        }
        while i < n {
            y[i] = scalar(a[i], b[i])
            i += 1
        }
    }

    @inline(__always)
    static func vs(_ a: UnsafeMutablePointer<Float>, _ s: Float, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let v = Float8(repeating: s)
        var i = 0
        while i + 8 <= n {
            y.store8(vector(a.load8(i), v), i)
            i += 8
        }
        while i < n {
            y[i] = scalar(a[i], s)
            i += 1
        }
    }

    @inline(__always)
    static func sv(_ s: Float, _ b: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        let v = Float8(repeating: s)
        var i = 0
        while i + 8 <= n {
            y.store8(vector(v, b.load8(i)), i)
            i += 8
        }
        while i < n {
            y[i] = scalar(s, b[i])
            i += 1
        }
    }
}

enum AddOperator: BinaryOperator {
    @inline(__always) static func scalar(_ a: Float, _ b: Float) -> Float { a + b }
    @inline(__always) static func vector(_ a: Float8, _ b: Float8) -> Float8 { a + b }
}

enum SubOperator: BinaryOperator {
    @inline(__always) static func scalar(_ a: Float, _ b: Float) -> Float { a - b }
    @inline(__always) static func vector(_ a: Float8, _ b: Float8) -> Float8 { a - b }
}

enum MulOperator: BinaryOperator {
    @inline(__always) static func scalar(_ a: Float, _ b: Float) -> Float { a * b }
    @inline(__always) static func vector(_ a: Float8, _ b: Float8) -> Float8 { a * b }
}

enum DivOperator: BinaryOperator {
    @inline(__always) static func scalar(_ a: Float, _ b: Float) -> Float { a / b }
    @inline(__always) static func vector(_ a: Float8, _ b: Float8) -> Float8 { a / b }
}

/// powf per element (no vector pow exists in the standard library).
enum PowOperator: BinaryOperator {
    @inline(__always) static func scalar(_ a: Float, _ b: Float) -> Float { powf(a, b) }
    @inline(__always) static func vector(_ a: Float8, _ b: Float8) -> Float8 {
        var r = Float8()
        for i in 0..<8 { r[i] = powf(a[i], b[i]) }
        return r
    }
}
