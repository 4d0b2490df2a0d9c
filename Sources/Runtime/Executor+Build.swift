import ModelPlan

extension Executor {
    /// The kernel for one node. Every op is listed: adding an op to `OpCode` fails to compile here.
    static func makeKernel(_ r: NodeReader, scratch: UnsafeMutablePointer<Float>, gemm: PackedGemm?) -> any Kernel {
        switch r.node.op {
        case .conv:
            let p = ConvGeometry(r)
            if p.isDepthwise { return DepthwiseConvKernel(r, p, scratch: scratch, isa: gemm?.isa) }
            return ConvKernel(r, p, scratch: scratch, gemm: gemm)
        case .convTranspose: return ConvTransposeKernel(r, scratch: scratch)
        case .dense: return DenseKernel(r, scratch: scratch, gemm: gemm)
        case .matMul: return MatMulKernel(r, scratch: scratch, gemm: gemm)
        case .relu: return UnaryKernel(r, .activation(.relu))
        case .clip: return UnaryKernel(r, .activation(Activation(kind: .clip, min: r.float("min", -.infinity), max: r.float("max", .infinity))))
        case .leakyRelu: return UnaryKernel(r, .activation(Activation(kind: .leakyRelu, alpha: r.float("alpha", 0.01))))
        case .hardSigmoid:
            return UnaryKernel(r, .activation(Activation(kind: .hardSigmoid, alpha: r.float("alpha", 0.2), beta: r.float("beta", 0.5))))
        case .hardSwish: return UnaryKernel(r, .activation(.hardSwish))
        case .sigmoid: return UnaryKernel(r, .activation(Activation(kind: .sigmoid)))
        case .tanh: return UnaryKernel(r, .tanh)
        case .erf: return UnaryKernel(r, .erf)
        case .sqrt: return UnaryKernel(r, .sqrt)
        case .gelu: return UnaryKernel(r, r.int("approximate", 0) == 1 ? .geluTanh : .gelu)
        case .add: return BinaryKernel(r, .add)
        case .sub: return BinaryKernel(r, .sub)
        case .mul: return BinaryKernel(r, .mul)
        case .div: return BinaryKernel(r, .div)
        case .pow: return BinaryKernel(r, .pow)
        case .batchNorm: return BatchNormKernel(r)
        case .globalAveragePool: return GlobalAveragePoolKernel(r)
        case .maxPool, .averagePool: return PoolKernel(r)
        case .resize: return ResizeKernel(r)
        case .concat: return ConcatKernel(r)
        case .split: return SplitKernel(r)
        case .slice: return StridedCopyKernel(slice: r)
        case .transpose: return StridedCopyKernel(transpose: r)
        case .expand: return StridedCopyKernel(expand: r)
        case .reshape, .flatten: return NoOpKernel()
        case .gather: return GatherKernel(r)
        case .softmax: return SoftmaxKernel(r)
        case .reduceMean: return ReduceMeanKernel(r)
        case .layerNorm: return LayerNormKernel(r)
        case .pad: return PadKernel(r)
        }
    }

    /// Floats of scratch a node needs with `threads` threads (im2col columns unless the packed
    /// kernels read convolutions' inputs implicitly, col2im columns, a
    /// dense layer's or a matmul's packed input, one padded plane per thread of a depthwise convolution);
    /// zero for most ops.
    static func scratchFloats(_ node: Node, _ g: Graph, threads: Int, packedKernels: Bool) -> Int {
        let r = NodeReader(node: node, graph: g, pointers: [])
        switch node.op {
        case .conv:
            let p = ConvGeometry(r)
            if p.isDepthwise {
                guard p.outH > 0, p.outW > 0 else { return 0 }
                let perThread =
                    DepthwiseConvKernel.blocksChannels(p, packedKernels: packedKernels)
                    ? DepthwiseConvKernel.channelBlockScratchStride(p) : PaddedPlane(p).scratchStride
                return threads * perThread
            }
            return p.isPointwise || packedKernels ? 0 : p.kernelVolume * p.outH * p.outW
        case .convTranspose:
            let x = r.inputShape(0), w = r.inputShape(1)
            return w[1] * w[2] * w[3] * x[2] * x[3]
        case .dense:
            let x = r.inputShape(0), rows = x.dropLast().reduce(1, *), k = x[x.count - 1]
            return DenseKernel.packsInput(rows: rows) ? PackedGemm.packedCount(m: rows, k: k) : 0
        case .matMul:
            let a = r.inputShape(0)
            let (m, k) = (a[a.count - 2], a[a.count - 1])
            return packedKernels && MatMulKernel.packs(m: m) ? PackedGemm.packedCount(m: m, k: k) : 0
        case .relu, .clip, .leakyRelu, .hardSigmoid, .hardSwish, .sigmoid, .tanh, .gelu, .erf, .sqrt, .add,
            .sub, .mul, .div, .pow, .batchNorm, .globalAveragePool, .maxPool, .averagePool, .resize, .concat, .split, .slice,
            .transpose, .expand, .reshape, .flatten, .gather, .softmax, .reduceMean, .layerNorm, .pad:
            return 0
        }
    }
}
