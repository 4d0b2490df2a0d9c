import ModelPlan
import Runtime
import Testing

@Suite struct ResizeTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var input: [Int], output: [Int]
        var scales: [Float]? = nil
        var testDescription: String { "\(input) → \(output) scales \(scales ?? [])" }
        var effectiveScales: [Float] { scales ?? (0..<4).map { Float(output[$0]) / Float(input[$0]) } }
    }

    static let shapes: [Case] = [
        Case(input: [1, 2, 5, 7], output: [1, 2, 9, 4]),
        Case(input: [2, 1, 4, 6], output: [2, 1, 8, 12]),
        Case(input: [1, 1, 5, 5], output: [1, 1, 7, 2], scales: [1, 1, 1.5, 0.45]),
        Case(input: [1, 2, 3, 8], output: [1, 2, 3, 3]),
        Case(input: [1, 1, 6, 5], output: [1, 1, 1, 1]),
    ]

    static let coordinateModes = ResizeCoordinateMode.allCases.filter { $0 != .tfCropAndResize }

    @Test(arguments: shapes, coordinateModes)
    func nearestEveryRounding(_ t: Case, _ coordinate: ResizeCoordinateMode) throws {
        for rounding in ResizeNearestMode.allCases {
            try check(t, .nearest, coordinate, rounding)
        }
    }

    @Test(arguments: shapes, coordinateModes)
    func linear(_ t: Case, _ coordinate: ResizeCoordinateMode) throws {
        try check(t, .linear, coordinate, .roundPreferFloor)
    }

    @Test(arguments: [ResizeMode.nearest, .linear])
    func cropAndResizeExtrapolates(_ mode: ResizeMode) throws {
        let roi: [Float] = [0, 0, 0.2, -0.3, 1, 1, 0.9, 1.25]
        for t in [Self.shapes[0], Self.shapes[1], Case(input: [1, 1, 4, 4], output: [1, 1, 1, 1])] {
            try check(t, mode, .tfCropAndResize, .roundPreferCeil, roi: roi, extrapolation: 7.5)
        }
    }

    private func check(
        _ t: Case, _ mode: ResizeMode, _ coordinate: ResizeCoordinateMode, _ rounding: ResizeNearestMode,
        roi: [Float] = [0, 0, 0, 0, 1, 1, 1, 1], extrapolation: Float = 0
    ) throws {
        var a = Attributes()
        a["sizes"] = ints(t.output)
        a["scales"] = .floats(t.effectiveScales)
        a["mode"] = .int(mode.rawValue)
        a["coordinateMode"] = .int(coordinate.rawValue)
        a["nearestMode"] = .int(rounding.rawValue)
        if coordinate == .tfCropAndResize {
            a["roi"] = .floats(roi)
            a["extrapolation"] = .float(extrapolation)
        }
        let (inputs, got, _) = try runSingle(.resize, inputs: [t.input], a)
        let x = inputs[0]
        let (h, w, oh, ow) = (t.input[2], t.input[3], t.output[2], t.output[3])
        let s = t.effectiveScales
        var want: [Float] = []
        for plane in 0..<(t.input[0] * t.input[1]) {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let fy = original(coordinate, oy, scale: s[2], resized: oh, length: h, roi: (roi[2], roi[6]))
                    let fx = original(coordinate, ox, scale: s[3], resized: ow, length: w, roi: (roi[3], roi[7]))
                    if coordinate == .tfCropAndResize, fy < 0 || fy > Float(h - 1) || fx < 0 || fx > Float(w - 1) {
                        want.append(extrapolation)
                        continue
                    }
                    let at = { (y: Int, x0: Int) in x[(plane * h + y) * w + x0] }
                    if mode == .nearest {
                        want.append(at(pick(fy, rounding, h), pick(fx, rounding, w)))
                    } else {
                        let (y0, y1, wy) = neighbours(fy, h), (x0, x1, wx) = neighbours(fx, w)
                        let top = Double(at(y0, x0)) * (1 - wx) + Double(at(y0, x1)) * wx
                        let bottom = Double(at(y1, x0)) * (1 - wx) + Double(at(y1, x1)) * wx
                        want.append(Float(top * (1 - wy) + bottom * wy))
                    }
                }
            }
        }
        expectClose(got, want, "\(mode) \(coordinate) \(rounding) \(t.testDescription)")
    }

    /// The ONNX Resize coordinate transforms (float arithmetic, as ONNX Runtime). ONNX Runtime
    /// maps an axis whose scale is exactly 1 straight through, whatever the mode.
    private func original(_ mode: ResizeCoordinateMode, _ o: Int, scale: Float, resized: Int, length: Int, roi: (Float, Float)) -> Float {
        let x = Float(o), lr = Float(resized), lo = Float(length)
        if scale == 1 { return x }
        switch mode {
        case .halfPixel: return (x + 0.5) / scale - 0.5
        case .halfPixelSymmetric:
            let adjustment = lr / (scale * lo)
            let offset = lo / 2 * (1 - adjustment)
            return Float(Double(offset) + (Double(x) + 0.5) / Double(scale) - 0.5)
        case .pytorchHalfPixel: return resized > 1 ? (x + 0.5) / scale - 0.5 : 0
        case .alignCorners: return resized == 1 ? 0 : x * (lo - 1) / (lr - 1)
        case .asymmetric: return x / scale
        case .tfHalfPixelForNearest: return (x + 0.5) / scale
        case .tfCropAndResize:
            return resized > 1
                ? roi.0 * (lo - 1) + (x * (roi.1 - roi.0) * (lo - 1)) / (lr - 1) : Float(0.5 * Double(roi.0 + roi.1) * Double(lo - 1))
        }
    }

    /// Nearest pixel: the rounding mode, then clamped into the axis.
    private func pick(_ v: Float, _ rounding: ResizeNearestMode, _ length: Int) -> Int {
        let i: Float
        switch rounding {
        case .roundPreferFloor: i = v - v.rounded(.down) == 0.5 ? v.rounded(.down) : v.rounded(.toNearestOrAwayFromZero)
        case .roundPreferCeil: i = v - v.rounded(.down) == 0.5 ? v.rounded(.up) : v.rounded(.toNearestOrAwayFromZero)
        case .floor: i = v.rounded(.down)
        case .ceil: i = v.rounded(.up)
        }
        return min(max(Int(i), 0), length - 1)
    }

    /// Bilinear neighbours of a coordinate clamped into the axis, and the weight of the second.
    private func neighbours(_ v: Float, _ length: Int) -> (Int, Int, Double) {
        let c = min(max(v, 0), Float(length - 1))
        let i0 = Int(c.rounded(.down)), i1 = min(i0 + 1, length - 1)
        return (i0, i1, Double(c) - Double(i0))
    }
}
