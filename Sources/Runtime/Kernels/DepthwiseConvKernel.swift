import ModelPlan

/// Depthwise convolution (one input channel per group, any depth multiplier), computed
/// directly. Each output row splits into a border, where taps may fall outside the image and
/// are clipped with tables built at load, and an interior, where every tap is inside and the
/// loops run eight outputs at a time (SIMD8) with no checks. Planes run in parallel.
struct DepthwiseConvKernel: Kernel {
    let p: ConvGeometry
    let x, weights, y: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>?
    /// Interior output columns: every tap of the row lies inside the input.
    let interior: Range<Int>
    /// Valid kernel rows per output row and valid kernel columns per output column.
    let rowTaps, colTaps: Table<Int>

    init(_ r: NodeReader, _ p: ConvGeometry) {
        self.p = p
        (x, weights, y, bias) = (r.input(0), r.input(1), r.output(), r.optionalInput(2))
        let lo = min(ceilDiv(p.padLeft, p.strideW), p.outW)
        let hi = min(floorDiv(p.w - 1 + p.padLeft - (p.kw - 1) * p.dilW, p.strideW) + 1, p.outW)
        interior = lo..<max(hi, lo)
        rowTaps = tapTable(outputs: p.outH, stride: p.strideH, pad: p.padTop, size: p.h, kernel: p.kh, dilation: p.dilH)
        colTaps = tapTable(outputs: p.outW, stride: p.strideW, pad: p.padLeft, size: p.w, kernel: p.kw, dilation: p.dilW)
    }

    func run(_ parallel: Parallel) {
        let work = p.outH * p.outW * p.kh * p.kw
        parallel.forEach(p.n * p.m, cost: work) { planes in
            for plane in planes { self.plane(plane) }
        }
    }

    private func plane(_ plane: Int) {
        let p = self.p
        let b = plane / p.m, oc = plane % p.m
        let src = x + (b * p.c + oc / (p.m / p.c)) * p.h * p.w
        let dst = y + plane * p.outH * p.outW
        let k = weights + oc * p.kh * p.kw
        let b0 = bias?[oc] ?? 0
        let rowBounds = rowTaps.base
        for oy in 0..<p.outH {
            let iy0 = oy &* p.strideH &- p.padTop
            let rows = rowBounds[2 &* oy]..<rowBounds[2 &* oy &+ 1]
            let line = dst + oy &* p.outW
            for ox in 0..<interior.lowerBound { line[ox] = border(ox, src, iy0, rows, k, b0) }
            interiorRun(line, src + (iy0 &* p.w &- p.padLeft), rows, k, b0)
            for ox in interior.upperBound..<p.outW { line[ox] = border(ox, src, iy0, rows, k, b0) }
            p.activation.run(line, line, count: p.outW)
        }
    }

    /// One output with clipped columns (rows are clipped by the caller).
    @inline(__always)
    private func border(
        _ ox: Int, _ src: UnsafeMutablePointer<Float>, _ iy0: Int, _ rows: Range<Int>, _ k: UnsafeMutablePointer<Float>, _ b0: Float
    ) -> Float {
        let p = self.p
        let ix0 = ox &* p.strideW &- p.padLeft
        let lo = colTaps.base[2 &* ox], hi = colTaps.base[2 &* ox &+ 1]
        var acc = b0
        for ky in rows {
            let row = src + ((iy0 &+ ky &* p.dilH) &* p.w &+ ix0)
            let taps = k + ky &* p.kw
            var kx = lo
            while kx < hi {
                acc += taps[kx] * row[kx &* p.dilW]
                kx &+= 1
            }
        }
        return acc
    }

    /// The interior columns of one output row. `origin` points at input (iy0, −padLeft), so
    /// output column ox, tap (ky, kx) reads origin[(ky·dilH)·w + ox·strideW + kx·dilW].
    @inline(__always)
    private func interiorRun(
        _ line: UnsafeMutablePointer<Float>, _ origin: UnsafeMutablePointer<Float>, _ rows: Range<Int>,
        _ k: UnsafeMutablePointer<Float>, _ b0: Float
    ) {
        if p.strideW == 1 {
            interiorUnitStride(line, origin, rows, k, b0)
        } else {
            interiorStrided(line, origin, rows, k, b0)
        }
    }

    /// Stride 1: the row accumulates in the output line (in L1) one kernel row at a time, with
    /// that row's taps broadcast once outside the column loop.
    @inline(__always)
    private func interiorUnitStride(
        _ line: UnsafeMutablePointer<Float>, _ origin: UnsafeMutablePointer<Float>, _ rows: Range<Int>,
        _ k: UnsafeMutablePointer<Float>, _ b0: Float
    ) {
        let (dw, dhw, kw) = (p.dilW, p.dilH &* p.w, p.kw)
        let lo = interior.lowerBound, end = interior.upperBound
        let vectorEnd = lo &+ (end &- lo) / 8 &* 8
        (line + lo).update(repeating: b0, count: end &- lo)
        for ky in rows {
            let row = origin + ky &* dhw, taps = k + ky &* kw
            if kw == 3 {
                let t0 = Float8(repeating: taps[0]), t1 = Float8(repeating: taps[1]), t2 = Float8(repeating: taps[2])
                var ox = lo
                while ox < vectorEnd {
                    let r = row + ox
                    line.store8(line.load8(ox) + r.load8(0) * t0 + r.load8(dw) * t1 + r.load8(2 &* dw) * t2, ox)
                    ox &+= 8
                }
            } else {
                for kx in 0..<kw {
                    let t = Float8(repeating: taps[kx]), r = row + kx &* dw
                    var ox = lo
                    while ox < vectorEnd {
                        line.store8(line.load8(ox) + r.load8(ox) * t, ox)
                        ox &+= 8
                    }
                }
            }
            var ox = vectorEnd
            while ox < end {
                var acc = line[ox]
                for kx in 0..<kw { acc += taps[kx] * row[ox &+ kx &* dw] }
                line[ox] = acc
                ox &+= 1
            }
        }
    }

    /// Other strides: eight outputs accumulate in a register over all taps, reading strided lanes.
    @inline(__always)
    private func interiorStrided(
        _ line: UnsafeMutablePointer<Float>, _ origin: UnsafeMutablePointer<Float>, _ rows: Range<Int>,
        _ k: UnsafeMutablePointer<Float>, _ b0: Float
    ) {
        let (sw, dw, dhw, kw) = (p.strideW, p.dilW, p.dilH &* p.w, p.kw)
        var ox = interior.lowerBound
        let end = interior.upperBound
        while ox &+ 8 <= end {
            var acc = Float8(repeating: b0)
            for ky in rows {
                let row = origin + (ky &* dhw &+ ox &* sw), taps = k + ky &* kw
                var kx = 0
                while kx < kw {
                    acc += row.gather8(kx &* dw, stride: sw) * taps[kx]
                    kx &+= 1
                }
            }
            line.store8(acc, ox)
            ox &+= 8
        }
        while ox < end {
            var acc = b0
            for ky in rows {
                let row = origin + (ky &* dhw &+ ox &* sw), taps = k + ky &* kw
                var kx = 0
                while kx < kw {
                    acc += taps[kx] * row[kx &* dw]
                    kx &+= 1
                }
            }
            line[ox] = acc
            ox &+= 1
        }
    }
}
