import ModelPlan

extension FuzzTarget {
    static func plan(_ bytes: [UInt8]) -> Outcome {
        var outcome = planOnce(bytes)
        // Random mutations almost never keep a CRC right, so the same input is decoded a second
        // time with every checksum and the file size made to agree: that reaches the section,
        // graph and fill decoders and the validator.
        if let resealed = PlanSeal.resealed(bytes) {
            let second = planOnce(resealed)
            if case .rejected = outcome { outcome = second }
            if case .broken = second { outcome = second }
        }
        return outcome
    }

    /// Decodes; an accepted plan must encode again, and that encoding must decode and re-encode
    /// to the same bytes (the agent and the host agree on every plan the host can write).
    private static func planOnce(_ bytes: [UInt8]) -> Outcome {
        let graph: Graph
        do { graph = try PlanCodec.decode(bytes) } catch { return .rejected(error.description) }
        return roundTrip(graph, what: "decoded plan")
    }

    /// `graph` came out of a parser that validated it, so the encoder must take it and the
    /// decoder must take the encoding back.
    static func roundTrip(_ graph: Graph, what: String) -> Outcome {
        do {
            let encoded = try PlanCodec.encode(graph)
            let again = try PlanCodec.encode(try PlanCodec.decode(encoded))
            guard again == encoded else { return .broken("\(what): encode(decode(encode(g))) differs from encode(g)") }
            return .accepted
        } catch {
            return .broken("\(what) does not survive encode and decode: \(error.description)")
        }
    }
}

/// Recomputes a plan's CRCs and file size in place (layout in `PlanFormat`'s doc comment; the
/// offsets are repeated here because `PlanFormat` keeps them internal).
enum PlanSeal {
    static let headerSize = 32
    static let entrySize = 24
    static let maxSections = 16

    /// The bytes with a consistent header, or nil when there is no section table to seal or
    /// the seal changes nothing.
    static func resealed(_ original: [UInt8]) -> [UInt8]? {
        guard original.count >= headerSize else { return nil }
        var b = original
        let count = Int(read(b, at: 12, size: 4))
        let tableEnd = headerSize + count * entrySize
        guard count <= maxSections, tableEnd <= b.count else { return nil }
        write(&b, UInt64(b.count), at: 16, size: 8)
        for i in 0..<count {
            let entry = headerSize + i * entrySize
            let offset = read(b, at: entry + 8, size: 8), length = read(b, at: entry + 16, size: 8)
            guard offset <= UInt64(b.count), length <= UInt64(b.count) - offset else { continue }
            let crc = CRC32.checksum(b[Int(offset)..<Int(offset + length)])
            write(&b, UInt64(crc), at: entry + 4, size: 4)
        }
        write(&b, UInt64(CRC32.checksum(b[0..<24] + b[headerSize..<tableEnd])), at: 24, size: 4)
        return b == original ? nil : b
    }

    private static func read(_ b: [UInt8], at offset: Int, size: Int) -> UInt64 {
        (0..<size).reduce(0) { v, i in v | UInt64(b[offset + i]) << (8 * i) }
    }

    private static func write(_ b: inout [UInt8], _ value: UInt64, at offset: Int, size: Int) {
        for i in 0..<size { b[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    }
}
