import ModelPlan

/// Pad (constant, reflect, edge; negative pads crop). Each output coordinate of each axis is
/// mapped at load to its source coordinate, or to −1 for the constant. Rows of the last axis
/// then copy their one contiguous middle run and fill or map the ends.
struct PadKernel: Kernel {
    let rank, rows: Int
    let outShape: [Int]
    /// Per axis (at `mapStart[axis]`), the input coordinate of each output coordinate or −1.
    let map: Table<Int>
    let mapStart: [Int]
    let inStrides: [Int]
    /// Output columns [lo, hi) of the last axis whose source is column − begin (a plain copy).
    let copyLo, copyHi, begin: Int
    let value: Float
    let x, y: UnsafeMutablePointer<Float>

    init(_ r: NodeReader) {
        // A rank-0 tensor pads like a one-element vector with no padding.
        let xs = r.inputShape(0).isEmpty ? [1] : r.inputShape(0), ys = r.outputShape().isEmpty ? [1] : r.outputShape()
        let pads = r.inputShape(0).isEmpty ? [0, 0] : r.ints("pads", [Int](repeating: 0, count: 2 * xs.count))
        let mode = PadMode(rawValue: Int64(r.int("mode", 0))) ?? .constant
        rank = xs.count
        outShape = ys
        rows = ys.dropLast().reduce(1, *)
        var map: [Int] = [], starts: [Int] = []
        for a in 0..<rank {
            starts.append(map.count)
            let n = xs[a]
            for o in 0..<ys[a] {
                let i = o - pads[a]
                switch mode {
                case .constant: map.append(i >= 0 && i < n ? i : -1)
                case .reflect: map.append(i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i))
                case .edge: map.append(min(max(i, 0), n - 1))
                }
            }
        }
        self.map = Table(map)
        mapStart = starts
        inStrides = contiguousStrides(xs)
        begin = pads[rank - 1]
        copyLo = min(max(begin, 0), ys[rank - 1])
        copyHi = max(min(begin + xs[rank - 1], ys[rank - 1]), copyLo)
        value = r.float("value", 0)
        (x, y) = (r.input(0), r.output())
    }

    func run(_ parallel: Parallel) {
        let width = outShape[rank - 1]
        let lastMap = map.base + mapStart[rank - 1]
        var index = SIMD8<Int>(repeating: 0)
        for row in 0..<rows {
            let dst = y + row * width
            // Source row offset; an outer coordinate in the constant padding makes the row constant.
            var offset = 0, constantRow = false
            for a in 0..<(rank - 1) {
                let i = map.base[mapStart[a] + index[a]]
                if i < 0 {
                    constantRow = true
                    break
                }
                offset += i * inStrides[a]
            }
            if constantRow {
                dst.update(repeating: value, count: width)
            } else {
                let src = x + offset
                for o in 0..<copyLo { dst[o] = lastMap[o] < 0 ? value : src[lastMap[o]] }
                (dst + copyLo).update(from: src + copyLo - begin, count: copyHi - copyLo)
                for o in copyHi..<width { dst[o] = lastMap[o] < 0 ? value : src[lastMap[o]] }
            }
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                if index[d] < outShape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
    }
}
