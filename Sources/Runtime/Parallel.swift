import Dispatch

/// The runtime's own parallel loops. OpenBLAS runs its GEMMs on its own threads; these loops
/// cover the kernels that do not call BLAS (depthwise conv, elementwise, pooling, im2col).
struct Parallel {
    /// Below this many units of work a loop runs inline: waking threads would cost more.
    static let minimumWork = 1 << 15

    let threads: Int

    /// Calls `body` on contiguous sub-ranges of `0..<count` that together cover it once.
    /// `cost` is the work of one item in rough element operations. With one thread, or little
    /// work, `body` runs inline on the whole range.
    @inline(__always)
    func forEach(_ count: Int, cost: Int, _ body: (Range<Int>) -> Void) {
        guard threads > 1, count > 1, count.multipliedReportingOverflow(by: max(cost, 1)).partialValue >= Parallel.minimumWork else {
            body(0..<count)
            return
        }
        let chunks = min(threads, count)
        withoutActuallyEscaping(body) { body in
            // Chunks write disjoint ranges of their outputs, so sharing `body` across threads is safe.
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                shared.value((count * chunk / chunks)..<(count * (chunk + 1) / chunks))
            }
        }
    }
}

/// Carries a value the compiler cannot prove thread-safe into concurrent code that is.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
