import ModelPlan

/// Max and average pooling over 2-D windows, planes in parallel. Each output's window is
/// clipped to the input once (per row and per column), so the tap loops carry no checks.
///
/// Average divisors follow ONNX Runtime: with `countIncludePad` the window counts every tap
/// inside the padded input (taps past the end padding, which ceil mode can create, do not
/// count); without it only taps inside the input count. A window holding no input element
/// gives 0 (average) or −FLT_MAX (max), as ONNX Runtime's loops do.
struct PoolKernel: Kernel {
    let isMax: Bool
    let planes, h, w, outH, outW: Int
    let strideH, strideW, padTop, padLeft, dilH, dilW: Int
    /// Valid kernel rows per output row and columns per output column (see `tapTable`).
    let rowTaps, colTaps: Table<Int>
    /// Average divisor factors per output row and column: taps counted by the divisor.
    let rowCount, colCount: Table<Float>
    let x, y: UnsafeMutablePointer<Float>

    init(_ r: NodeReader) {
        let xs = r.inputShape(0), ys = r.outputShape()
        let kernel = r.ints("kernel", [1, 1]), strides = r.ints("strides", [1, 1])
        let pads = r.ints("pads", [0, 0, 0, 0]), dil = r.ints("dilations", [1, 1])
        isMax = r.node.op == .maxPool
        (planes, h, w, outH, outW) = (xs[0] * xs[1], xs[2], xs[3], ys[2], ys[3])
        (strideH, strideW, padTop, padLeft, dilH, dilW) = (strides[0], strides[1], pads[0], pads[1], dil[0], dil[1])
        rowTaps = tapTable(outputs: outH, stride: strideH, pad: padTop, size: h, kernel: kernel[0], dilation: dilH)
        colTaps = tapTable(outputs: outW, stride: strideW, pad: padLeft, size: w, kernel: kernel[1], dilation: dilW)
        // With countIncludePad a window counts its taps inside the padded input (ONNX Runtime
        // clips the window end to input + end pad); otherwise its taps inside the input.
        let includePad = r.int("countIncludePad", 0) == 1
        func counts(_ outputs: Int, _ stride: Int, _ pad: Int, _ padEnd: Int, _ size: Int, _ k: Int, _ d: Int, _ taps: Table<Int>) -> Table<Float> {
            Table(
                (0..<outputs).map { o in
                    let start = o * stride - pad
                    let padded = 1 + (min(start + k * d, size + padEnd) - start - 1) / d
                    return Float(includePad ? padded : taps.base[2 * o + 1] - taps.base[2 * o])
                })
        }
        rowCount = counts(outH, strideH, padTop, pads[2], h, kernel[0], dilH, rowTaps)
        colCount = counts(outW, strideW, padLeft, pads[3], w, kernel[1], dilW, colTaps)
        (x, y) = (r.input(0), r.output())
    }

    func run(_ parallel: Parallel) {
        if isMax && dilH == 1 && dilW == 1 {
            let w = self.w
            parallel.forEach(planes, cost: outH * outW * 4) { range in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: w) { rowMax in
                    for p in range { maxPlane(x + p * h * w, y + p * outH * outW, rowMax.baseAddress!) }
                }
            }
            return
        }
        parallel.forEach(planes, cost: outH * outW * 4) { range in
            for p in range { plane(x + p * h * w, y + p * outH * outW) }
        }
    }

    /// Undilated max pooling in two passes per output row: the maximum down the window's rows,
    /// eight columns at a time, into `rowMax` (one input row), then across each window's
    /// columns. Max is exact whatever the order, so this equals the tap-by-tap loop of `plane`.
    private func maxPlane(_ src: UnsafeMutablePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ rowMax: UnsafeMutablePointer<Float>) {
        let (rowBounds, colBounds, w) = (rowTaps.base, colTaps.base, self.w)
        for oy in 0..<outH {
            let kyLo = rowBounds[2 &* oy], kyHi = rowBounds[2 &* oy &+ 1]
            let line = dst + oy &* outW
            guard kyLo < kyHi else {
                line.update(repeating: -Float.greatestFiniteMagnitude, count: outW)
                continue
            }
            let top = src + (oy &* strideH &- padTop) &* w
            rowMax.update(from: top + kyLo &* w, count: w)
            var ky = kyLo &+ 1
            while ky < kyHi {
                let row = top + ky &* w
                var i = 0
                while i &+ 8 <= w {
                    rowMax.store8(lanesMax(rowMax.load8(i), row.load8(i)), i)
                    i &+= 8
                }
                while i < w {
                    rowMax[i] = max(rowMax[i], row[i])
                    i &+= 1
                }
                ky &+= 1
            }
            for ox in 0..<outW {
                let origin = rowMax + (ox &* strideW &- padLeft)
                var m = -Float.greatestFiniteMagnitude
                var kx = colBounds[2 &* ox]
                let kxHi = colBounds[2 &* ox &+ 1]
                while kx < kxHi {
                    let v = origin[kx]
                    m = v > m ? v : m
                    kx &+= 1
                }
                line[ox] = m
            }
        }
    }

    private func plane(_ src: UnsafeMutablePointer<Float>, _ dst: UnsafeMutablePointer<Float>) {
        let (rowBounds, colBounds, rowN, colN) = (rowTaps.base, colTaps.base, rowCount.base, colCount.base)
        let (w, dilH, dilW) = (self.w, self.dilH, self.dilW)
        for oy in 0..<outH {
            let kyLo = rowBounds[2 &* oy], kyHi = rowBounds[2 &* oy &+ 1]
            let top = src + (oy &* strideH &- padTop) &* w
            let line = dst + oy &* outW
            for ox in 0..<outW {
                let kxLo = colBounds[2 &* ox], kxHi = colBounds[2 &* ox &+ 1]
                let origin = top + (ox &* strideW &- padLeft)
                var ky = kyLo
                if isMax {
                    var m = -Float.greatestFiniteMagnitude
                    while ky < kyHi {
                        let row = origin + ky &* dilH &* w
                        var kx = kxLo
                        while kx < kxHi {
                            m = max(m, row[kx &* dilW])
                            kx &+= 1
                        }
                        ky &+= 1
                    }
                    line[ox] = m
                } else {
                    var sum: Float = 0
                    while ky < kyHi {
                        let row = origin + ky &* dilH &* w
                        var kx = kxLo
                        while kx < kxHi {
                            sum += row[kx &* dilW]
                            kx &+= 1
                        }
                        ky &+= 1
                    }
                    // A window with no input element gives 0, as ONNX Runtime's loop does.
                    line[ox] = kyLo < kyHi && kxLo < kxHi ? sum / (rowN[oy] * colN[ox]) : 0
                }
            }
        }
    }
}

/// Mean of each (n, c) plane.
struct GlobalAveragePoolKernel: Kernel {
    let planes, size: Int
    let x, y: UnsafeMutablePointer<Float>

    init(_ r: NodeReader) {
        let s = r.inputShape(0)
        (planes, size) = (s[0] * s[1], s.dropFirst(2).reduce(1, *))
        (x, y) = (r.input(0), r.output())
    }

    func run(_ parallel: Parallel) {
        let (x, y, size) = (self.x, self.y, self.size)
        parallel.forEach(planes, cost: size) { range in
            for p in range { y[p] = sum(x + p * size, size) / Float(size) }
        }
    }
}

/// Sum of `n` contiguous floats, eight partial sums at a time.
@inline(__always)
func sum(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
    var acc = Float8()
    var i = 0
    while i + 8 <= n {
        acc += p.load8(i)
        i += 8
    }
    var s = acc.laneSum
    while i < n {
        s += p[i]
        i += 1
    }
    return s
}
