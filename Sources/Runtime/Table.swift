/// A read-only buffer a kernel tabulates at load (indices, weights, offsets) and reads with
/// no bounds checks or reference counting in its loops. Freed with the kernel.
final class Table<Element> {
    let base: UnsafeMutablePointer<Element>
    let count: Int

    init(_ values: [Element]) {
        count = values.count
        base = UnsafeMutablePointer<Element>.allocate(capacity: max(values.count, 1))
        values.withUnsafeBufferPointer { if let p = $0.baseAddress { base.initialize(from: p, count: values.count) } }
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }
}
