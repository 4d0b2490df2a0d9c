import CKernels
import ModelPlan

/// Depthwise convolution (one input channel per group, any depth multiplier), computed
/// directly. Each input plane is first copied into a zero-padded scratch plane, so every
/// output is an interior one: output rows then run eight columns at a time over all taps in
/// registers, with no bounds checks, and bias and activation applied before the single store.
/// For horizontal stride s the padded row is split into s phases (column c goes to phase
/// c mod s, slot c / s), so strided taps read contiguous lanes too. Planes run in parallel,
/// each thread in its own slice of the executor's scratch: nothing is allocated per run.
/// With the packed kernels (`GemmBackend` other than `.openBLAS`) and output rows of eight or
/// more, the rows run in `CKernels` (AVX2+FMA where the CPU has it, sixteen columns at a time);
/// narrower planes run eight channels at a time in `CKernels_depthwise8`, the channels in the
/// lanes; with OpenBLAS every plane runs in Swift SIMD.
struct DepthwiseConvKernel: Kernel {
    let p: ConvGeometry
    let x, weights, y: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>?
    let padded: PaddedPlane
    /// The executor's scratch: chunk c's padded plane starts `c * padded.scratchStride` floats in.
    let scratch: UnsafeMutablePointer<Float>
    /// Offset in the padded plane of each tap (ky, kx), row-major, from output (0, 0)'s window.
    let tapOffsets: Table<Int>
    /// The `CKernels` build the rows run in, nil for the Swift kernels.
    let isa: Int32?
    let cActivation: CKernels_Activation
    /// Eight channels at a time (`CKernels_depthwise8`) rather than plane by plane, for small
    /// planes with the packed kernels' builds: weights and biases interleaved per group of eight
    /// output channels (zero in unused lanes).
    let channelBlocks: (weights: Table<Float>, bias: Table<Float>)?

    /// Output planes at most this wide run eight channels at a time, those narrower than one
    /// vector: 960 channels at 7×7 took 92–96 µs against 124–126 µs plane by plane, while at 14×14
    /// the `CKernels` rows stay ahead (106–113 µs against 115–124) and at 28×28 far ahead
    /// (`boardbench-bench kernels`, docs/performance.md).
    static let channelBlockMaxWidth = 7
    /// Strided planes pay for splitting their padded rows into phases plane by plane, so they
    /// take eight channels at a time up to 14 columns: 192 channels 28×28 → 14×14 took 110–124 µs
    /// against 127–145 µs (`boardbench-bench kernels`); at 28 columns the two were within noise.
    static let channelBlockMaxStridedWidth = 14

    /// Whether `p` runs eight channels at a time when the packed kernels' builds are in use.
    static func blocksChannels(_ p: ConvGeometry, packedKernels: Bool) -> Bool {
        packedKernels && (p.outW <= channelBlockMaxWidth || p.strideW > 1 && p.outW <= channelBlockMaxStridedWidth)
    }

    /// Floats between two threads' slices of scratch on the eight-channel path, whole lines.
    static func channelBlockScratchStride(_ p: ConvGeometry) -> Int {
        var window = CKernels_Window(p)
        return (CKernels_depthwise8ScratchFloats(&window) + 15) / 16 * 16
    }

    init(_ r: NodeReader, _ p: ConvGeometry, scratch: UnsafeMutablePointer<Float>, isa: Int32? = nil) {
        self.p = p
        self.scratch = scratch
        (x, weights, y, bias) = (r.input(0), r.input(1), r.output(), r.optionalInput(2))
        padded = PaddedPlane(p)
        var offsets: [Int] = []
        for ky in 0..<p.kh {
            for kx in 0..<p.kw {
                offsets.append(padded.offset(row: ky * p.dilH, column: kx * p.dilW))
            }
        }
        tapOffsets = Table(offsets)
        // Planes narrower than one vector gain nothing from the C rows (960 channels at 7×7:
        // 122 µs against Swift's 115 µs, `boardbench-bench kernels`).
        let blocked = isa != nil && DepthwiseConvKernel.blocksChannels(p, packedKernels: true)
        self.isa = p.outW >= 8 || blocked ? isa : nil
        let a = p.activation
        cActivation = CKernels_Activation(kind: Int32(a.kind.rawValue), min: a.min, max: a.max, alpha: a.alpha, beta: a.beta)
        if blocked {
            let taps = p.kh * p.kw, groups = (p.m + 7) / 8
            var w = [Float](repeating: 0, count: groups * taps * 8), b = [Float](repeating: 0, count: groups * 8)
            for oc in 0..<p.m {
                let (g, lane) = (oc / 8, oc % 8)
                for t in 0..<taps { w[(g * taps + t) * 8 + lane] = weights[oc * taps + t] }
                b[g * 8 + lane] = bias?[oc] ?? 0
            }
            channelBlocks = (Table(w), Table(b))
        } else {
            channelBlocks = nil
        }
    }

    /// Eight output channels per unit of work, each thread in its own slice of scratch.
    private func runChannelBlocks(_ parallel: Parallel, isa: Int32, weights8: Table<Float>, bias8: Table<Float>) {
        let groups = (p.m + 7) / 8, taps = p.kh * p.kw, multiplier = p.m / p.c
        let stride = DepthwiseConvKernel.channelBlockScratchStride(p)
        parallel.forEachChunk(p.n * groups, cost: p.outH * p.outW * taps * 8) { chunk, units in
            let scratch = self.scratch + chunk * stride
            var (activation, window) = (cActivation, CKernels_Window(p))
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: 8) { inputs in
                withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>?.self, capacity: 8) { outputs in
                    for unit in units {
                        let (b, g) = (unit / groups, unit % groups)
                        for lane in 0..<8 {
                            let oc = g * 8 + lane
                            let inside = oc < p.m
                            inputs[lane] = inside ? UnsafePointer(x + (b * p.c + oc / multiplier) * p.h * p.w) : nil
                            outputs[lane] = inside ? y + (b * p.m + oc) * p.outH * p.outW : nil
                        }
                        CKernels_depthwise8(
                            isa, inputs.baseAddress, weights8.base + g * taps * 8, bias8.base + g * 8, &activation, outputs.baseAddress,
                            &window, scratch)
                    }
                }
            }
        }
    }

    func run(_ parallel: Parallel) {
        guard p.outH > 0, p.outW > 0 else { return }
        if let isa, let blocks = channelBlocks {
            runChannelBlocks(parallel, isa: isa, weights8: blocks.weights, bias8: blocks.bias)
            return
        }
        let work = p.outH * p.outW * p.kh * p.kw
        parallel.forEachChunk(p.n * p.m, cost: work) { chunk, planes in
            // Other nodes share the scratch: the padding is zeroed on every run.
            let scratch = self.scratch + chunk * padded.scratchStride
            scratch.update(repeating: 0, count: padded.count)
            var filled = -1
            for plane in planes {
                let b = plane / p.m, oc = plane % p.m
                let channel = b * p.c + oc / (p.m / p.c)
                // Depth multipliers > 1 read one input plane several times in a row.
                if channel != filled {
                    padded.fill(scratch, from: x + channel * p.h * p.w, p)
                    filled = channel
                }
                let out = y + plane * p.outH * p.outW
                if let isa {
                    var activation = cActivation
                    CKernels_depthwisePlane(
                        isa, scratch, p.strideH * padded.rowStride, tapOffsets.base, Int32(p.kh * p.kw), weights + oc * p.kh * p.kw,
                        bias?[oc] ?? 0, &activation, out, Int32(p.outH), Int32(p.outW))
                } else {
                    rows(scratch, oc: oc, into: out)
                }
            }
        }
    }
}

extension CKernels_Window {
    init(_ p: ConvGeometry) {
        self.init(
            h: Int32(p.h), w: Int32(p.w), kh: Int32(p.kh), kw: Int32(p.kw), strideH: Int32(p.strideH), strideW: Int32(p.strideW),
            padTop: Int32(p.padTop), padLeft: Int32(p.padLeft), dilH: Int32(p.dilH), dilW: Int32(p.dilW), outH: Int32(p.outH), outW: Int32(p.outW))
    }
}

/// A zero-padded copy of one input plane: `rows` rows of `stride` phases of `phaseWidth`
/// floats. Wide enough that the last eight-column group of every output row reads inside it.
struct PaddedPlane {
    let rows, phases, phaseWidth: Int
    let padTop, padLeft: Int

    init(_ p: ConvGeometry) {
        let columns = (p.outW + 7) / 8 * 8
        phases = p.strideW
        phaseWidth = columns + (p.kw - 1) * p.dilW / p.strideW
        rows = (p.outH - 1) * p.strideH + (p.kh - 1) * p.dilH + 1
        (padTop, padLeft) = (p.padTop, p.padLeft)
    }

    var rowStride: Int { phases * phaseWidth }
    var count: Int { rows * rowStride }
    /// Floats between two threads' planes in shared scratch: `count` rounded up to whole
    /// 64-byte lines, so no two threads write the same cache line.
    var scratchStride: Int { (count + 15) / 16 * 16 }

    /// Where padded (row, column) lives.
    func offset(row: Int, column: Int) -> Int {
        row * rowStride + column % phases * phaseWidth + column / phases
    }

    /// Copies the image into the plane; the padding, zeroed once, is never written.
    func fill(_ dst: UnsafeMutablePointer<Float>, from src: UnsafeMutablePointer<Float>, _ p: ConvGeometry) {
        let rowRange = 0..<max(0, min(p.h, rows - padTop))
        // Columns whose padded slot exists (the rest are never read).
        let columnEnd = min(p.w, phases * phaseWidth - padLeft)
        guard columnEnd > 0 else { return }
        for iy in rowRange {
            let line = src + iy * p.w, out = dst + (iy + padTop) * rowStride
            switch phases {
            case 1: (out + padLeft).update(from: line, count: columnEnd)
            case 2: deinterleave(line, columnEnd, out)
            default:
                for ix in 0..<columnEnd {
                    let c = ix + padLeft
                    out[c % phases * phaseWidth + c / phases] = line[ix]
                }
            }
        }
    }

    /// Stride 2: even padded columns to phase 0, odd to phase 1.
    @inline(__always)
    private func deinterleave(_ line: UnsafeMutablePointer<Float>, _ count: Int, _ out: UnsafeMutablePointer<Float>) {
        // Start at an input column whose padded column is even so lanes split cleanly.
        var ix = padLeft & 1
        if ix == 1 { out[phaseWidth + padLeft / 2] = line[0] }
        let even = out + (ix + padLeft) / 2, odd = even + phaseWidth
        // Swift's `evenHalf`/`oddHalf` run lane by lane; the C loop shuffles.
        let pairs = (count - ix) / 2
        CKernels_deinterleave(line + ix, Int32(pairs), even, odd)
        ix += 2 * pairs
        var j = pairs
        while ix < count {
            even[j] = line[ix]
            if ix + 1 < count { odd[j] = line[ix + 1] }
            ix += 2
            j += 1
        }
    }
}
