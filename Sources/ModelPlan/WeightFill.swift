/// A run of float32 weights that a plan stores as a seed instead of bytes: `count` values
/// of `SeededRandom(seed: seed).nextFloat(bound: bound)`, little-endian, starting at byte
/// `offset` of `Graph.weights`. Latency does not depend on the values, so block plans for
/// latency tables ship seeds and the board regenerates the bytes at decode time.
public struct WeightFill: Sendable, Equatable {
    /// Byte offset into `Graph.weights`; a multiple of 4.
    public var offset: Int
    /// Number of float32 values.
    public var count: Int
    public var seed: UInt64
    /// Values are uniform in [-bound, bound).
    public var bound: Float

    public init(offset: Int, count: Int, seed: UInt64, bound: Float) {
        self.offset = offset
        self.count = count
        self.seed = seed
        self.bound = bound
    }

    public var byteCount: Int { count * 4 }

    /// The bytes of `Graph.weights` the fill covers; callers rely on validation having bounded it.
    public var byteRange: Range<Int> { offset..<(offset + byteCount) }

    /// The values the seed generates, in order.
    public func values() -> [Float] {
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { _ in rng.nextFloat(bound: bound) }
    }

    /// Writes the values little-endian over `byteRange` of `weights`, which must hold it.
    func write(into weights: inout [UInt8]) {
        var rng = SeededRandom(seed: seed)
        weights.withUnsafeMutableBytes { raw in
            for i in 0..<count {
                raw.storeBytes(of: rng.nextFloat(bound: bound).bitPattern.littleEndian, toByteOffset: offset + 4 * i, as: UInt32.self)
            }
        }
    }

    /// Whether `weights` holds exactly the values the seed generates over `byteRange`.
    func matches(_ weights: [UInt8]) -> Bool {
        var rng = SeededRandom(seed: seed)
        return weights.withUnsafeBytes { raw in
            (0..<count).allSatisfy { i in
                raw.loadUnaligned(fromByteOffset: offset + 4 * i, as: UInt32.self) == rng.nextFloat(bound: bound).bitPattern.littleEndian
            }
        }
    }

    /// Why `fills` is not a valid list for `weightsSize` bytes of weights, or nil. Fills are
    /// sorted by offset, 4-byte aligned, non-empty, inside the weights and non-overlapping,
    /// with a finite non-negative bound: one canonical list per graph, so a decoded plan
    /// encodes back to the same bytes.
    static func firstProblem(in fills: [WeightFill], weightsSize: Int) -> String? {
        var end = 0
        for (i, f) in fills.enumerated() {
            let fill = "weight fill \(i) (offset \(f.offset), \(f.count) values)"
            guard f.offset >= 0, f.offset % 4 == 0 else { return "\(fill) is not 4-byte aligned" }
            guard f.count >= 1 else { return "\(fill) is empty" }
            guard f.offset <= weightsSize, f.count <= (weightsSize - f.offset) / 4 else {
                return "\(fill) lies outside the \(weightsSize) bytes of weights"
            }
            guard f.offset >= end else { return "\(fill) overlaps the previous fill or is out of order (fills are sorted by offset)" }
            guard f.bound.isFinite, f.bound >= 0 else { return "\(fill) has bound \(f.bound) (must be finite and non-negative)" }
            end = f.offset + f.byteCount
        }
        return nil
    }
}
