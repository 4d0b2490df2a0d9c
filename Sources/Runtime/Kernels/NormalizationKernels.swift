import CKernels
import ModelPlan

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// y = x·scale[c] + shift[c] over X[N, C, ...], then the fused activation.
struct BatchNormKernel: Kernel {
    let n, c, inner: Int
    let x, scale, shift, y: UnsafeMutablePointer<Float>
    let activation: Activation

    init(_ r: NodeReader) {
        let s = r.inputShape(0)
        (n, c, inner) = (s[0], s[1], s.dropFirst(2).reduce(1, *))
        (x, scale, shift, y, activation) = (r.input(0), r.input(1), r.input(2), r.output(), r.activation)
    }

    func run(_ parallel: Parallel) {
        let (x, y, scale, shift, c, inner, activation) = (self.x, self.y, self.scale, self.shift, self.c, self.inner, self.activation)
        if inner == 1 {
            // [N, C]: each row is a vector against the scale and shift vectors.
            parallel.forEach(n, cost: c) { rows in
                for row in rows {
                    let src = x + row * c, dst = y + row * c
                    var i = 0
                    while i + 8 <= c {
                        dst.store8(src.load8(i) * scale.load8(i) + shift.load8(i), i)
                        i += 8
                    }
                    while i < c {
                        dst[i] = src[i] * scale[i] + shift[i]
                        i += 1
                    }
                    activation.run(dst, dst, count: c)
                }
            }
            return
        }
        parallel.forEach(n * c, cost: inner) { planes in
            for plane in planes {
                let src = x + plane * inner, dst = y + plane * inner
                let a = scale[plane % c], b = shift[plane % c]
                let va = Float8(repeating: a), vb = Float8(repeating: b)
                var i = 0
                while i + 8 <= inner {
                    dst.store8(src.load8(i) * va + vb, i)
                    i += 8
                }
                while i < inner {
                    dst[i] = src[i] * a + b
                    i += 1
                }
                activation.run(dst, dst, count: inner)
            }
        }
    }
}

/// LayerNormalization over the trailing axes: per row, mean and population variance (two
/// passes), then (x − mean) / sqrt(var + ε) · scale + bias.
struct LayerNormKernel: Kernel {
    let rows, size: Int
    let epsilon: Float
    let x, scale, y: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>?

    init(_ r: NodeReader) {
        let s = r.inputShape(0), axis = r.int("axis", r.inputShape(0).count - 1)
        (rows, size) = (s[..<axis].reduce(1, *), s[axis...].reduce(1, *))
        epsilon = r.float("epsilon", 1e-5)
        (x, scale, y, bias) = (r.input(0), r.input(1), r.output(), r.optionalInput(2))
    }

    func run(_ parallel: Parallel) {
        let (x, y, scale, bias, size, epsilon) = (self.x, self.y, self.scale, self.bias, self.size, self.epsilon)
        parallel.forEach(rows, cost: 4 * size) { range in
            for row in range {
                let src = x + row * size, dst = y + row * size
                let mean = sum(src, size) / Float(size)
                let vm = Float8(repeating: mean)
                var acc = Float8()
                var i = 0
                while i + 8 <= size {
                    let d = src.load8(i) - vm
                    acc += d * d
                    i += 8
                }
                var squares = acc.laneSum
                while i < size {
                    let d = src[i] - mean
                    squares += d * d
                    i += 1
                }
                let inv = 1 / (squares / Float(size) + epsilon).squareRoot()
                let vi = Float8(repeating: inv)
                i = 0
                while i + 8 <= size {
                    var v = (src.load8(i) - vm) * vi * scale.load8(i)
                    if let bias { v += bias.load8(i) }
                    dst.store8(v, i)
                    i += 8
                }
                while i < size {
                    dst[i] = (src[i] - mean) * inv * scale[i] + (bias?[i] ?? 0)
                    i += 1
                }
            }
        }
    }
}

/// Softmax along one axis of X viewed as [outer, axis, inner]: y = exp(x − max) / Σ exp(x − max).
/// With inner > 1 the axis is strided; eight neighbouring columns are reduced together in
/// registers, so no scratch is needed.
struct SoftmaxKernel: Kernel {
    let outer, length, inner: Int
    let x, y: UnsafeMutablePointer<Float>

    init(_ r: NodeReader) {
        let s = r.inputShape(0).isEmpty ? [1] : r.inputShape(0), axis = r.int("axis", s.count - 1)
        (outer, length, inner) = (s[..<axis].reduce(1, *), s[axis], s[(axis + 1)...].reduce(1, *))
        (x, y) = (r.input(0), r.output())
    }

    func run(_ parallel: Parallel) {
        let (x, y, length, inner) = (self.x, self.y, self.length, self.inner)
        if inner == 1 {
            parallel.forEach(outer, cost: 8 * length) { rows in
                for row in rows { SoftmaxKernel.contiguous(x + row * length, y + row * length, length) }
            }
            return
        }
        // Units of work: eight neighbouring columns (or the last, shorter group) of one block.
        let groups = (inner + 7) / 8
        parallel.forEach(outer * groups, cost: 64 * length) { units in
            for unit in units {
                let block = unit / groups, j = unit % groups * 8
                let src = x + block * length * inner, dst = y + block * length * inner
                if j + 8 <= inner {
                    SoftmaxKernel.columns8(src + j, dst + j, length, inner)
                } else {
                    for column in j..<inner { SoftmaxKernel.column(src + column, dst + column, length, inner) }
                }
            }
        }
    }

    /// Softmax of eight neighbouring columns at once, the axis running with stride `inner`.
    private static func columns8(_ src: UnsafeMutablePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ length: Int, _ inner: Int) {
        var m = src.load8(0)
        for a in 1..<length { m = lanesMax(m, src.load8(a * inner)) }
        var total = Float8()
        for a in 0..<length {
            let d = src.load8(a * inner) - m
            let e = VectorMath.exp(d)
            dst.store8(e, a * inner)
            total += e
        }
        let r = 1 / total
        for a in 0..<length { dst.store8(dst.load8(a * inner) * r, a * inner) }
    }

    private static func column(_ src: UnsafeMutablePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ length: Int, _ inner: Int) {
        var m = src[0]
        for a in 1..<length { m = max(m, src[a * inner]) }
        var total: Float = 0
        for a in 0..<length {
            let e = expf(src[a * inner] - m)
            dst[a * inner] = e
            total += e
        }
        let r = 1 / total
        for a in 0..<length { dst[a * inner] *= r }
    }

    /// One contiguous row, in `CKernels` (the exp of `VectorMath.exp`, eight lanes of AVX2 where
    /// the CPU has it).
    static func contiguous(_ src: UnsafeMutablePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        CKernels_softmaxRow(GemmBackend.elementwiseISA, src, dst, Int32(n))
    }
}

/// Mean over any set of axes. Dimensions collapse into alternating runs of kept and reduced
/// axes; the input is walked once in order, each innermost run either summed into one output
/// (reduced) or added element-wise into a row of outputs (kept); then every output is divided.
struct ReduceMeanKernel: Kernel {
    let outer: OuterLoop
    let inner: Int
    let innerReduced: Bool
    let inputCount, outputCount, reducedCount: Int
    let x, y: UnsafeMutablePointer<Float>

    init(_ r: NodeReader) {
        let s = r.inputShape(0), axes = Set(r.ints("axes", []))
        // Merge neighbours of the same kind; output strides are zero along reduced axes.
        var dims: [Int] = [], reduced: [Bool] = []
        for (i, d) in s.enumerated() where d != 1 {
            let isReduced = axes.contains(i)
            if reduced.last == isReduced {
                dims[dims.count - 1] *= d
            } else {
                dims.append(d)
                reduced.append(isReduced)
            }
        }
        if dims.isEmpty { (dims, reduced) = ([1], [false]) }
        var outStrides = [Int](repeating: 0, count: dims.count)
        var stride = 1
        for i in dims.indices.reversed() where !reduced[i] {
            outStrides[i] = stride
            stride *= dims[i]
        }
        let inStrides = contiguousStrides(dims)
        outer = OuterLoop(dims: Array(dims.dropLast()), strideA: Array(inStrides.dropLast()), strideB: Array(outStrides.dropLast()))
        (inner, innerReduced) = (dims[dims.count - 1], reduced[reduced.count - 1])
        inputCount = s.reduce(1, *)
        outputCount = r.graph.tensors[r.node.outputs[0]].elementCount
        reducedCount = inputCount / outputCount
        (x, y) = (r.input(0), r.output())
    }

    func run(_ parallel: Parallel) {
        let (x, y, inner) = (self.x, self.y, self.inner)
        y.update(repeating: 0, count: outputCount)
        outer.forEach(0..<outer.count) { _, ox, oy in
            if innerReduced {
                y[oy] += sum(x + ox, inner)
            } else {
                AddOperator.vv(y + oy, x + ox, y + oy, inner)
            }
        }
        let divisor = Float(reducedCount)
        for i in 0..<outputCount { y[i] /= divisor }
    }
}
