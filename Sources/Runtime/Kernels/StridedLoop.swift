/// The outer dimensions of a strided loop nest (at most 8) with the element strides of two
/// operands. Kernels walk it row by row and run a contiguous inner loop per row; the index
/// lives in a SIMD register-sized value, so walking allocates nothing.
struct OuterLoop {
    private(set) var dims = SIMD8<Int>(repeating: 1)
    private(set) var strideA = SIMD8<Int>(repeating: 0)
    private(set) var strideB = SIMD8<Int>(repeating: 0)
    let rank: Int
    /// Number of rows (product of the dimensions).
    let count: Int

    init(dims: [Int], strideA: [Int], strideB: [Int]? = nil) {
        rank = dims.count
        count = dims.reduce(1, *)
        for i in dims.indices {
            self.dims[i] = dims[i]
            self.strideA[i] = strideA[i]
            self.strideB[i] = strideB?[i] ?? 0
        }
    }

    /// Calls `body(row, offsetA, offsetB)` for each row in `rows`, in order.
    @inline(__always)
    func forEach(_ rows: Range<Int>, _ body: (_ row: Int, _ offsetA: Int, _ offsetB: Int) -> Void) {
        var index = SIMD8<Int>(repeating: 0)
        var rest = rows.lowerBound, oa = 0, ob = 0
        var d = rank - 1
        while d >= 0 {
            index[d] = rest % dims[d]
            rest /= dims[d]
            oa += index[d] * strideA[d]
            ob += index[d] * strideB[d]
            d -= 1
        }
        for row in rows {
            body(row, oa, ob)
            var d = rank - 1
            while d >= 0 {
                index[d] += 1
                oa += strideA[d]
                ob += strideB[d]
                if index[d] < dims[d] { break }
                oa -= strideA[d] * dims[d]
                ob -= strideB[d] * dims[d]
                index[d] = 0
                d -= 1
            }
        }
    }
}

/// Drops size-1 dimensions and merges neighbours that are contiguous for every operand
/// (stride of the outer = stride of the inner · size of the inner), so loops run over as few
/// and as long dimensions as possible. Never returns an empty shape.
func collapse(_ dims: [Int], _ strides: [[Int]]) -> (dims: [Int], strides: [[Int]]) {
    var outDims: [Int] = []
    var outStrides = [[Int]](repeating: [], count: strides.count)
    for i in dims.indices.reversed() where dims[i] != 1 {
        if let last = outDims.last,
            strides.indices.allSatisfy({ strides[$0][i] == outStrides[$0].last! * last })
        {
            // The merged dimension keeps its innermost stride.
            outDims[outDims.count - 1] *= dims[i]
        } else {
            outDims.append(dims[i])
            for k in strides.indices { outStrides[k].append(strides[k][i]) }
        }
    }
    if outDims.isEmpty { return ([1], strides.map { _ in [1] }) }
    return (outDims.reversed(), outStrides.map { $0.reversed() })
}
