import ModelPlan

/// Where every tensor lives during execution, computed once per graph. Activations share one
/// arena: two tensors get overlapping bytes only when their lifetimes are disjoint. Reshape and
/// flatten outputs alias their input (same bytes, same offset), so those nodes copy nothing.
public struct MemoryPlan: Sendable, Equatable {
    public enum Placement: Sendable, Equatable {
        /// A constant, or an alias of one: byte offset into `Graph.weights`.
        case weights(offset: Int)
        /// An activation: byte offset into the arena (64-byte aligned).
        case arena(offset: Int)
    }

    /// One entry per tensor of the graph.
    public var placements: [Placement]
    /// Per tensor, the nodes during which its bytes must stay intact: from the node producing it
    /// to the last node reading it. Graph inputs span −1...`nodes.count` (callers set them once
    /// and execute many times), graph outputs end at `nodes.count`. An alias carries the
    /// lifetime of its whole alias group. Nil for tensors in the weights.
    public var lifetimes: [ClosedRange<Int>?]
    /// Bytes of the activation arena.
    public var arenaBytes: Int
    /// Bytes of the scratch buffer shared by im2col and col2im (the largest need of any node).
    public var scratchBytes: Int

    public var totalBytes: Int { arenaBytes + scratchBytes }

    /// Arena byte offset of `tensor`, nil when it lives in the weights.
    public func arenaOffset(of tensor: Int) -> Int? {
        if case .arena(let offset) = placements[tensor] { return offset }
        return nil
    }

    static let alignment = 64

    /// Greedy by size: the largest alias groups are placed first, each at the lowest 64-byte
    /// aligned offset where it overlaps no already placed group whose lifetime intersects its own.
    init(graph g: Graph, scratchFloats: (Node) -> Int) {
        let count = g.tensors.count
        let end = g.nodes.count

        // Alias groups: reshape and flatten outputs join their input's group.
        var root = Array(0..<count)
        for node in g.nodes where node.op == .reshape || node.op == .flatten {
            root[node.outputs[0]] = root[node.inputs[0]]
        }

        // Lifetime of each group, accumulated on its root.
        var first = [Int](repeating: Int.max, count: count)
        var last = [Int](repeating: Int.min, count: count)
        func touch(_ t: Int, _ at: Int) {
            let r = root[t]
            first[r] = min(first[r], at)
            last[r] = max(last[r], at)
        }
        // Inputs are set once and read by every later `execute()`, so no node may reuse them.
        for t in g.inputs {
            touch(t, -1)
            touch(t, end)
        }
        for (i, node) in g.nodes.enumerated() {
            for t in node.inputs { touch(t, i) }
            for t in node.outputs { touch(t, i) }
        }
        for t in g.outputs { touch(t, end) }

        // Roots that need arena bytes, largest first.
        var groups: [(root: Int, bytes: Int)] = []
        for t in 0..<count where root[t] == t && g.tensors[t].constant == nil && first[t] <= last[t] {
            groups.append((t, MemoryPlan.aligned(g.tensors[t].byteCount)))
        }
        groups.sort { ($0.bytes, first[$1.root], $1.root) > ($1.bytes, first[$0.root], $0.root) }

        var offsets = [Int](repeating: 0, count: count)
        var placed: [(offset: Int, bytes: Int, first: Int, last: Int)] = []
        var arena = 0
        for (r, bytes) in groups {
            let live = placed.filter { $0.first <= last[r] && first[r] <= $0.last }.sorted { $0.offset < $1.offset }
            var offset = 0
            for p in live {
                if offset + bytes <= p.offset { break }
                offset = max(offset, p.offset + p.bytes)
            }
            offsets[r] = offset
            placed.append((offset, bytes, first[r], last[r]))
            arena = max(arena, offset + bytes)
        }

        var placements: [Placement] = []
        var lifetimes: [ClosedRange<Int>?] = []
        placements.reserveCapacity(count)
        lifetimes.reserveCapacity(count)
        for t in 0..<count {
            let r = root[t]
            if let c = g.tensors[r].constant {
                placements.append(.weights(offset: c.offset))
                lifetimes.append(nil)
            } else {
                placements.append(.arena(offset: offsets[r]))
                lifetimes.append(first[r] <= last[r] ? first[r]...last[r] : nil)
            }
        }
        self.placements = placements
        self.lifetimes = lifetimes
        arenaBytes = arena
        scratchBytes = MemoryPlan.aligned((g.nodes.map(scratchFloats).max() ?? 0) * MemoryLayout<Float>.stride)
    }

    static func aligned(_ bytes: Int) -> Int { (bytes + alignment - 1) / alignment * alignment }
}
