import ModelPlan

/// Concat along `axis`: per outer index, each input contributes one contiguous block.
struct ConcatKernel: Kernel {
    let outer: Int
    let blocks: [(source: UnsafeMutablePointer<Float>, count: Int)]
    let y: UnsafeMutablePointer<Float>

    init(_ r: NodeReader) {
        let axis = r.int("axis", 0), s = r.outputShape()
        outer = s[..<axis].reduce(1, *)
        let inner = s[(axis + 1)...].reduce(1, *)
        blocks = r.node.inputs.indices.map { (r.input($0), r.inputShape($0)[axis] * inner) }
        y = r.output()
    }

    func run(_ parallel: Parallel) {
        var dst = y
        for o in 0..<outer {
            for (source, count) in blocks {
                dst.update(from: source + o * count, count: count)
                dst += count
            }
        }
    }
}

/// Split along `axis`: the inverse walk of concat.
struct SplitKernel: Kernel {
    let outer: Int
    let blocks: [(target: UnsafeMutablePointer<Float>, count: Int)]
    let x: UnsafeMutablePointer<Float>

    init(_ r: NodeReader) {
        let axis = r.int("axis", 0), s = r.inputShape(0)
        outer = s[..<axis].reduce(1, *)
        let inner = s[(axis + 1)...].reduce(1, *)
        blocks = r.node.outputs.indices.map { (r.output($0), r.outputShape($0)[axis] * inner) }
        x = r.input(0)
    }

    func run(_ parallel: Parallel) {
        var src = x
        for o in 0..<outer {
            for (target, count) in blocks {
                (target + o * count).update(from: src, count: count)
                src += count
            }
        }
    }
}

/// Gather with constant indices: per outer index and index, one contiguous block of `inner`.
struct GatherKernel: Kernel {
    let outer, axisLength, inner: Int
    let indices: Table<Int>
    let x, y: UnsafeMutablePointer<Float>

    init(_ r: NodeReader) {
        let s = r.inputShape(0), axis = r.int("axis", 0)
        (outer, axisLength, inner) = (s[..<axis].reduce(1, *), s[axis], s[(axis + 1)...].reduce(1, *))
        indices = Table(r.ints("indices", []))
        (x, y) = (r.input(0), r.output())
    }

    func run(_ parallel: Parallel) {
        let n = indices.count, idx = indices.base
        for o in 0..<outer {
            let src = x + o * axisLength * inner, dst = y + o * n * inner
            if inner == 1 {
                for k in 0..<n { dst[k] = src[idx[k]] }
            } else {
                for k in 0..<n { (dst + k * inner).update(from: src + idx[k] * inner, count: inner) }
            }
        }
    }
}

/// Slice, transpose and expand: the output (contiguous) reads the input through per-axis
/// strides (a step times the input stride, a permuted input stride, or zero where a dimension
/// is broadcast). Dimensions collapse first; then each output row is a contiguous copy, a fill,
/// a strided gather or, when the two innermost axes are swapped, a tiled 2-D transpose.
struct StridedCopyKernel: Kernel {
    enum Inner {
        /// Each row copies `length` elements that are `stride` apart in the input.
        case rows(length: Int, stride: Int)
        /// Each outer index transposes an input matrix [cols, rows] (row stride `rows`) into a
        /// contiguous output matrix [rows, cols].
        case transpose(rows: Int, cols: Int)
    }

    let outer: OuterLoop
    let inner: Inner
    let base: Int
    let x, y: UnsafeMutablePointer<Float>

    init(slice r: NodeReader) {
        let inStrides = contiguousStrides(r.inputShape(0))
        let starts = r.ints("starts", []), steps = r.ints("steps", [])
        let strides = inStrides.indices.map { steps[$0] * inStrides[$0] }
        let base = inStrides.indices.reduce(0) { $0 + starts[$1] * inStrides[$1] }
        self.init(r, shape: r.outputShape(), strides: strides, base: base)
    }

    init(transpose r: NodeReader) {
        let inStrides = contiguousStrides(r.inputShape(0)), perm = r.ints("perm", [])
        self.init(r, shape: r.outputShape(), strides: perm.map { inStrides[$0] }, base: 0)
    }

    init(expand r: NodeReader) {
        self.init(r, shape: r.outputShape(), strides: broadcastStrides(r.inputShape(0), to: r.outputShape()), base: 0)
    }

    private init(_ r: NodeReader, shape: [Int], strides: [Int], base: Int) {
        let (d, s) = collapse(shape, [strides])
        let t = s[0], n = d.count
        if n >= 2, t[n - 2] == 1, t[n - 1] == d[n - 2], d[n - 1] > 1 {
            inner = .transpose(rows: d[n - 2], cols: d[n - 1])
            outer = OuterLoop(dims: Array(d.dropLast(2)), strideA: Array(t.dropLast(2)))
        } else {
            inner = .rows(length: d[n - 1], stride: t[n - 1])
            outer = OuterLoop(dims: Array(d.dropLast()), strideA: Array(t.dropLast()))
        }
        self.base = base
        (x, y) = (r.input(0), r.output())
    }

    func run(_ parallel: Parallel) {
        let src = x + base, y = self.y
        switch inner {
        case .rows(let length, let stride):
            parallel.forEach(outer.count, cost: length) { rows in
                outer.forEach(rows) { row, offset, _ in
                    let dst = y + row * length, from = src + offset
                    switch stride {
                    case 1: dst.update(from: from, count: length)
                    case 0: dst.update(repeating: from[0], count: length)
                    default: for i in 0..<length { dst[i] = from[i * stride] }
                    }
                }
            }
        case .transpose(let rows, let cols):
            parallel.forEach(outer.count, cost: rows * cols) { range in
                outer.forEach(range) { index, offset, _ in
                    StridedCopyKernel.transpose(src + offset, y + index * rows * cols, rows: rows, cols: cols)
                }
            }
        }
    }

    /// dst[i][j] = src[j][i] for dst [rows, cols] and src [cols, rows], in 8x8 tiles so both
    /// sides stay in cache.
    static func transpose(_ src: UnsafeMutablePointer<Float>, _ dst: UnsafeMutablePointer<Float>, rows: Int, cols: Int) {
        let tile = 8
        var i0 = 0
        while i0 < rows {
            let i1 = min(i0 + tile, rows)
            var j0 = 0
            while j0 < cols {
                let j1 = min(j0 + tile, cols)
                for i in i0..<i1 {
                    let line = dst + i * cols
                    for j in j0..<j1 { line[j] = src[j * rows + i] }
                }
                j0 = j1
            }
            i0 = i1
        }
    }
}
