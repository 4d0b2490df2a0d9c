import CKernels
import ModelPlan

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Elementwise functions of one input, in parallel chunks. The activation-shaped ones reuse
/// the vectorised fused-activation code; erf and GELU run in `CKernels` (AVX2+FMA where the CPU
/// has it: a transformer's GELU is most of its time outside products); tanh calls libm.
struct UnaryKernel: Kernel {
    enum Function {
        case activation(Activation)
        case tanh, erf, sqrt, gelu, geluTanh
    }

    let function: Function
    let count: Int
    let x, y: UnsafeMutablePointer<Float>

    init(_ r: NodeReader, _ function: Function) {
        self.function = function
        count = r.graph.tensors[r.node.outputs[0]].elementCount
        (x, y) = (r.input(0), r.output())
    }

    func run(_ parallel: Parallel) {
        let (x, y, function) = (self.x, self.y, self.function)
        parallel.forEach(count, cost: 8) { range in
            UnaryKernel.apply(function, x + range.lowerBound, y + range.lowerBound, range.count)
        }
    }

    static func apply(_ f: Function, _ x: UnsafeMutablePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        switch f {
        case .activation(let a): a.run(x, y, count: n)
        case .tanh: for i in 0..<n { y[i] = tanhf(x[i]) }
        case .erf: CKernels_erf(GemmBackend.elementwiseISA, x, y, Int32(n))
        case .sqrt:
            var i = 0
            while i + 8 <= n {
                y.store8(x.load8(i).squareRoot(), i)
                i += 8
            }
            while i < n {
                y[i] = x[i].squareRoot()
                i += 1
            }
        case .gelu: CKernels_gelu(GemmBackend.elementwiseISA, x, y, Int32(n))
        case .geluTanh:
            let k = Float((2 / Double.pi).squareRoot())
            for i in 0..<n {
                let v = x[i]
                y[i] = 0.5 * v * (1 + tanhf(k * (v + 0.044715 * v * v * v)))
            }
        }
    }
}
