import ModelPlan
import Runtime
import Testing

@Suite struct PoolTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var h: Int, w: Int, k: (Int, Int), stride: (Int, Int), pads = [0, 0, 0, 0], dilation = (1, 1), ceil = false
        var testDescription: String { "\(h)x\(w) k\(k) s\(stride) p\(pads) d\(dilation) ceil \(ceil)" }
    }

    static let cases: [Case] = [
        Case(h: 8, w: 8, k: (2, 2), stride: (2, 2)),
        Case(h: 9, w: 11, k: (3, 3), stride: (2, 2), pads: [1, 1, 1, 1]),
        Case(h: 7, w: 10, k: (3, 3), stride: (2, 2), ceil: true),
        Case(h: 6, w: 9, k: (3, 2), stride: (2, 3), pads: [1, 0, 0, 1], ceil: true),
        Case(h: 5, w: 5, k: (2, 2), stride: (2, 2), pads: [1, 1, 1, 1], ceil: true),
        Case(h: 12, w: 13, k: (3, 3), stride: (1, 1), pads: [2, 2, 2, 2]),
    ]

    static let dilatedCases: [Case] = [
        Case(h: 9, w: 10, k: (3, 3), stride: (1, 1), pads: [1, 1, 1, 1], dilation: (2, 2)),
        Case(h: 10, w: 9, k: (2, 3), stride: (2, 1), pads: [0, 1, 1, 0], dilation: (3, 2), ceil: true),
    ]

    private func attributes(_ t: Case) -> Attributes {
        var a = Attributes()
        a["kernel"] = ints([t.k.0, t.k.1])
        a["strides"] = ints([t.stride.0, t.stride.1])
        a["pads"] = ints(t.pads)
        a["ceil"] = .int(t.ceil ? 1 : 0)
        return a
    }

    @Test(arguments: cases + dilatedCases)
    func maxPoolMatchesReference(_ t: Case) throws {
        var a = attributes(t)
        a["dilations"] = ints([t.dilation.0, t.dilation.1])
        let (inputs, got, ys) = try runSingle(.maxPool, inputs: [[2, 3, t.h, t.w]], a)
        let want = reference(inputs[0], planes: 6, t, ys) { taps, _ in taps.max() ?? -.greatestFiniteMagnitude }
        expectClose(got, want, t.testDescription)
    }

    @Test(arguments: cases, [false, true])
    func averagePoolMatchesReference(_ t: Case, _ includePad: Bool) throws {
        var a = attributes(t)
        a["countIncludePad"] = .int(includePad ? 1 : 0)
        let (inputs, got, ys) = try runSingle(.averagePool, inputs: [[2, 3, t.h, t.w]], a)
        let want = reference(inputs[0], planes: 6, t, ys) { taps, inPadded in
            // ONNX Runtime: the divisor counts taps inside the padded input (with the flag) or inside
            // the input (without); taps past the end padding, which ceil mode adds, never count.
            taps.isEmpty ? 0 : taps.reduce(0, +) / Float(includePad ? inPadded : taps.count)
        }
        expectClose(got, want, "\(t.testDescription) includePad \(includePad)")
    }

    /// Calls `reduce(taps inside the input, number of taps inside the padded input)` per output.
    private func reference(_ x: [Float], planes: Int, _ t: Case, _ ys: [Int], _ reduce: ([Float], Int) -> Float) -> [Float] {
        var out: [Float] = []
        for p in 0..<planes {
            for oy in 0..<ys[2] {
                for ox in 0..<ys[3] {
                    var taps: [Float] = []
                    var inPadded = 0
                    for ky in 0..<t.k.0 {
                        for kx in 0..<t.k.1 {
                            let iy = oy * t.stride.0 - t.pads[0] + ky * t.dilation.0
                            let ix = ox * t.stride.1 - t.pads[1] + kx * t.dilation.1
                            if iy >= -t.pads[0], iy < t.h + t.pads[2], ix >= -t.pads[1], ix < t.w + t.pads[3] { inPadded += 1 }
                            if iy >= 0, iy < t.h, ix >= 0, ix < t.w { taps.append(x[(p * t.h + iy) * t.w + ix]) }
                        }
                    }
                    out.append(reduce(taps, inPadded))
                }
            }
        }
        return out
    }

    @Test func ceilModeWindowPastTheEndPaddingCountsOnlyPaddedTaps() throws {
        // Width 7, right pad 1, kernel 3, stride 2, ceil: windows start at 0, 2, 4, 6; the last
        // covers column 6, the pad column 7 and column 8 outside the padded input.
        var a = Attributes()
        a["kernel"] = ints([1, 3])
        a["strides"] = ints([1, 2])
        a["pads"] = ints([0, 0, 0, 1])
        a["ceil"] = .int(1)
        let x = (0..<7).map { Float($0) }
        a["countIncludePad"] = .int(1)
        let (_, included, shape) = try runSingle(.averagePool, inputs: [[1, 1, 1, 7]], a, values: [x])
        #expect(shape == [1, 1, 1, 4])
        #expect(included == [1, 3, 5, 3])
        a["countIncludePad"] = .int(0)
        let (_, excluded, _) = try runSingle(.averagePool, inputs: [[1, 1, 1, 7]], a, values: [x])
        #expect(excluded == [1, 3, 5, 6])
    }

    @Test func globalAveragePoolIsThePlaneMean() throws {
        let (inputs, got, shape) = try runSingle(.globalAveragePool, inputs: [[2, 3, 7, 9]])
        #expect(shape == [2, 3, 1, 1])
        let want = (0..<6).map { p in Float(inputs[0][(p * 63)..<((p + 1) * 63)].reduce(0.0) { $0 + Double($1) } / 63) }
        expectClose(got, want)
    }
}
