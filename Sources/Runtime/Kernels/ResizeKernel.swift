import ModelPlan

/// Resize of the last two axes, nearest or bilinear, with ONNX Runtime's arithmetic (see
/// `ResizeTransform`). Per output row and column the source indices, weights and the
/// extrapolation flag are tabulated at load; planes run in parallel.
struct ResizeKernel: Kernel {
    let planes, h, w, outH, outW: Int
    let linear: Bool
    let extrapolation: Float
    let rows, cols: ResizeAxis
    let x, y: UnsafeMutablePointer<Float>

    init(_ r: NodeReader) {
        let xs = r.inputShape(0), ys = r.outputShape()
        (planes, h, w, outH, outW) = (xs[0] * xs[1], xs[2], xs[3], ys[2], ys[3])
        let scales = r.floats("scales", [1, 1, 1, 1]), roi = r.floats("roi", [0, 0, 0, 0, 1, 1, 1, 1])
        let transform = ResizeTransform(
            coordinate: ResizeCoordinateMode(rawValue: Int64(r.int("coordinateMode", 0))) ?? .halfPixel,
            nearest: ResizeNearestMode(rawValue: Int64(r.int("nearestMode", 0))) ?? .roundPreferFloor,
            linear: ResizeMode(rawValue: Int64(r.int("mode", 0))) == .linear)
        linear = transform.linear
        extrapolation = r.float("extrapolation", 0)
        rows = transform.axis(input: h, output: outH, scale: scales[2], roiStart: roi[2], roiEnd: roi[6])
        cols = transform.axis(input: w, output: outW, scale: scales[3], roiStart: roi[3], roiEnd: roi[7])
        (x, y) = (r.input(0), r.output())
    }

    func run(_ parallel: Parallel) {
        parallel.forEach(planes, cost: outH * outW * (linear ? 4 : 1)) { range in
            for p in range { plane(x + p * h * w, y + p * outH * outW) }
        }
    }

    private func plane(_ src: UnsafeMutablePointer<Float>, _ dst: UnsafeMutablePointer<Float>) {
        let (r1, r2, rw1, rw2, rx) = (rows.first.base, rows.second.base, rows.weightFirst.base, rows.weightSecond.base, rows.outside.base)
        let (c1, c2, cw1, cw2, cx) = (cols.first.base, cols.second.base, cols.weightFirst.base, cols.weightSecond.base, cols.outside.base)
        for oy in 0..<outH {
            let line = dst + oy * outW
            if rx[oy] {
                line.update(repeating: extrapolation, count: outW)
                continue
            }
            let top = src + r1[oy] * w
            if !linear {
                for ox in 0..<outW { line[ox] = cx[ox] ? extrapolation : top[c1[ox]] }
                continue
            }
            let bottom = src + r2[oy] * w
            let dy1 = rw1[oy], dy2 = rw2[oy]
            for ox in 0..<outW {
                if cx[ox] {
                    line[ox] = extrapolation
                    continue
                }
                let i1 = c1[ox], i2 = c2[ox], dx1 = cw1[ox], dx2 = cw2[ox]
                // As ONNX Runtime: d1 is the distance to the first sample, so it weighs the second.
                line[ox] = dx2 * dy2 * top[i1] + dx1 * dy2 * top[i2] + dx2 * dy1 * bottom[i1] + dx1 * dy1 * bottom[i2]
            }
        }
    }
}

/// Tabulated mapping of one output axis onto the input axis.
struct ResizeAxis {
    /// Source indices (`second` equals `first` for nearest).
    let first, second: Table<Int>
    /// Distances of the original coordinate to `first` and `second` (linear only).
    let weightFirst, weightSecond: Table<Float>
    /// The original coordinate lies outside the input: the output is the extrapolation value.
    let outside: Table<Bool>
}

/// ONNX Resize coordinate transforms and nearest rounding, step for step as ONNX Runtime
/// computes them (float arithmetic, double where ORT uses double literals).
struct ResizeTransform {
    let coordinate: ResizeCoordinateMode
    let nearest: ResizeNearestMode
    let linear: Bool

    /// The input coordinate of output coordinate `x`.
    func original(_ x: Float, scale: Float, resized: Float, original length: Float, roiStart: Float, roiEnd: Float) -> Float {
        switch coordinate {
        case .halfPixel: return ((x + 0.5) / scale) - 0.5
        case .halfPixelSymmetric:
            let adjustment = resized / (scale * length)
            let offset = length / 2 * (1 - adjustment)
            return Float(Double(offset) + (Double(x) + 0.5) / Double(scale) - 0.5)
        case .pytorchHalfPixel: return resized > 1 ? (x + 0.5) / scale - 0.5 : 0
        case .alignCorners: return resized == 1 ? 0 : x * (length - 1) / (resized - 1)
        case .asymmetric: return x / scale
        case .tfHalfPixelForNearest: return (x + 0.5) / scale
        case .tfCropAndResize:
            if resized > 1 { return roiStart * (length - 1) + (x * (roiEnd - roiStart) * (length - 1)) / (resized - 1) }
            return Float(0.5 * Double(roiStart + roiEnd) * Double(length - 1))
        }
    }

    func nearestIndex(_ v: Float) -> Int {
        switch nearest {
        case .roundPreferFloor: return v == Float(Int(v)) + 0.5 ? Int(v.rounded(.down)) : Int(v.rounded())
        case .roundPreferCeil: return Int(v.rounded())
        case .floor: return Int(v.rounded(.down))
        case .ceil: return Int(v.rounded(.up))
        }
    }

    func axis(input: Int, output: Int, scale: Float, roiStart: Float, roiEnd: Float) -> ResizeAxis {
        var first: [Int] = [], second: [Int] = [], w1: [Float] = [], w2: [Float] = [], outside: [Bool] = []
        let extrapolates = coordinate == .tfCropAndResize
        for o in 0..<output {
            // An axis scaled by exactly 1 maps straight through (ORT skips the transform).
            let v =
                scale == 1
                ? Float(o)
                : original(Float(o), scale: scale, resized: Float(output), original: Float(input), roiStart: roiStart, roiEnd: roiEnd)
            outside.append(extrapolates && (v < 0 || v > Float(input - 1)))
            if linear {
                let c = max(0, min(v, Float(input - 1)))
                let i1 = min(Int(c), input - 1), i2 = min(i1 + 1, input - 1)
                first.append(i1)
                second.append(i2)
                w1.append(i1 == i2 ? 0.5 : abs(c - Float(i1)))
                w2.append(i1 == i2 ? 0.5 : abs(c - Float(i2)))
            } else {
                let i = outside.last! ? 0 : min(max(nearestIndex(v), 0), input - 1)
                first.append(i)
                second.append(i)
                w1.append(0)
                w2.append(0)
            }
        }
        return ResizeAxis(first: Table(first), second: Table(second), weightFirst: Table(w1), weightSecond: Table(w2), outside: Table(outside))
    }
}
