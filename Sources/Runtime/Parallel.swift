import COpenBLAS
import Dispatch

/// The runtime's parallel loops, GEMMs included. OpenBLAS is kept single-threaded and each
/// GEMM is split into column or row blocks run on these threads: OpenBLAS's own threads
/// busy-wait between calls, and on a small board they fought the runtime's loops for the same
/// cores (ResNet-18 at 2 threads ran slower than at 1 before this; docs/performance.md).
struct Parallel {
    /// Below this many units of work a loop runs inline: waking threads would cost more.
    static let minimumWork = 1 << 15

    let threads: Int

    /// Calls `body` on contiguous sub-ranges of `0..<count` that together cover it once.
    /// `cost` is the work of one item in rough element operations. With one thread, or little
    /// work, `body` runs inline on the whole range.
    @inline(__always)
    func forEach(_ count: Int, cost: Int, _ body: (Range<Int>) -> Void) {
        forEachChunk(count, cost: cost) { _, range in body(range) }
    }

    /// `forEach` that also passes the chunk's index, below `threads`: no two chunks running at
    /// once share an index, so a chunk may use per-thread workspace by it.
    @inline(__always)
    func forEachChunk(_ count: Int, cost: Int, _ body: (Int, Range<Int>) -> Void) {
        guard threads > 1, count > 1, count.multipliedReportingOverflow(by: max(cost, 1)).partialValue >= Parallel.minimumWork else {
            body(0, 0..<count)
            return
        }
        let chunks = min(threads, count)
        withoutActuallyEscaping(body) { body in
            // Chunks write disjoint ranges of their outputs, so sharing `body` across threads is safe.
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                shared.value(chunk, (count * chunk / chunks)..<(count * (chunk + 1) / chunks))
            }
        }
    }
}

extension Parallel {
    /// C[m, n] = op(A)[m, k] · op(B)[k, n], row-major, split over the larger of n (column blocks)
    /// and m (row blocks). Each element is computed by one single-threaded `cblas_sgemm` over
    /// the whole k, so its arithmetic does not depend on the thread count.
    @inline(__always)
    func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>,
        ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans
        if n >= m {
            forEach(n, cost: m * k) { cols in
                let bBlock = transB ? b + cols.lowerBound * ldb : b + cols.lowerBound
                cblas_sgemm(
                    CblasRowMajor, ta, tb, Int32(m), Int32(cols.count), Int32(k), 1, a, Int32(lda), bBlock, Int32(ldb), 0, c + cols.lowerBound,
                    Int32(ldc))
            }
        } else {
            forEach(m, cost: n * k) { rows in
                let aBlock = transA ? a + rows.lowerBound : a + rows.lowerBound * lda
                cblas_sgemm(
                    CblasRowMajor, ta, tb, Int32(rows.count), Int32(n), Int32(k), 1, aBlock, Int32(lda), b, Int32(ldb), 0,
                    c + rows.lowerBound * ldc, Int32(ldc))
            }
        }
    }
}

/// Carries a value the compiler cannot prove thread-safe into concurrent code that is.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
