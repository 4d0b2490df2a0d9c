extension PlanCodec {
    /// Decodes and fully validates a plan of any version this build reads. Any byte string
    /// yields either a graph that is safe to execute or a `PlanError`; nothing is allocated
    /// beyond what the input holds, except a version 2 plan's regenerated weights, which are
    /// checked first and capped at `PlanFormat.maxWeightsSize`.
    public static func decode(_ bytes: [UInt8]) throws(PlanError) -> Graph {
        guard bytes.count >= PlanFormat.headerSize, Array(bytes[0..<8]) == PlanFormat.magic else { throw .notAPlan }
        var h = ByteReader(bytes[8..<PlanFormat.headerSize], context: "header")
        let version = Int(try h.u16())
        guard (PlanFormat.storedWeightsVersion...PlanFormat.version).contains(version) else {
            throw .unsupportedVersion(found: version, supported: PlanFormat.version)
        }
        let flags = try h.u16()
        let sectionCount = Int(try h.u32())
        let fileSize = try h.u64()
        let headerCRC = try h.u32()
        let reserved = try h.u32()
        guard flags == 0, reserved == 0 else { throw .malformed("reserved header fields are not zero") }
        guard fileSize <= UInt64(PlanFormat.maxFileSize) else { throw .malformed("header claims \(fileSize) bytes (limit 2 GiB)") }
        guard Int(fileSize) == bytes.count else { throw .truncated(expected: Int(fileSize), actual: bytes.count) }
        guard sectionCount <= 16 else { throw .malformed("\(sectionCount) sections (at most 16)") }
        let tableEnd = PlanFormat.headerSize + sectionCount * PlanFormat.sectionEntrySize
        guard tableEnd <= bytes.count else { throw .malformed("section table runs past the end") }
        guard CRC32.checksum(bytes[0..<24] + bytes[PlanFormat.headerSize..<tableEnd]) == headerCRC else {
            throw .checksumMismatch(section: "header")
        }

        var sections: [PlanFormat.Section: ArraySlice<UInt8>] = [:]
        var covered: [Range<Int>] = [0..<tableEnd]
        var t = ByteReader(bytes[PlanFormat.headerSize..<tableEnd], context: "section table")
        for _ in 0..<sectionCount {
            let tag = try t.u32(), crc = try t.u32(), offset = try t.u64(), length = try t.u64()
            guard offset <= UInt64(bytes.count), length <= UInt64(bytes.count) - offset, Int(offset) >= tableEnd else {
                throw .malformed("section lies outside the file")
            }
            guard let kind = PlanFormat.Section.allCases.first(where: { $0.tag == tag }) else {
                throw .malformed("unknown section tag 0x\(String(tag, radix: 16))")
            }
            guard sections[kind] == nil else { throw .malformed("section \(kind.rawValue) appears twice") }
            guard Int(offset) % PlanFormat.alignment == 0 else { throw .malformed("section \(kind.rawValue) is misaligned") }
            let body = bytes[Int(offset)..<Int(offset + length)]
            guard CRC32.checksum(body) == crc else { throw .checksumMismatch(section: kind.rawValue) }
            sections[kind] = body
            covered.append(Int(offset)..<Int(offset + length))
        }
        try checkGaps(covered, in: bytes)
        guard let graphBytes = sections[.graph], let stored = sections[.weights] else {
            throw .malformed("missing a required section (GRPH, WGHT)")
        }
        var g = try decodeGraph(graphBytes)
        switch (version, sections[.fills]) {
        case (PlanFormat.generatedWeightsVersion, let fills?): (g.weights, g.generatedWeights) = try decodeFills(fills, stored: stored)
        case (PlanFormat.generatedWeightsVersion, nil): throw .malformed("a version 2 plan needs a FILL section")
        case (_, nil): g.weights = Array(stored)
        case (_, .some): throw .malformed("section FILL needs format version 2, the header says \(version)")
        }
        try GraphValidator.validate(g)
        return g
    }

    /// Sections must not overlap, and every byte outside them (alignment padding) must be
    /// zero: no byte of a plan escapes a check.
    private static func checkGaps(_ ranges: [Range<Int>], in bytes: [UInt8]) throws(PlanError) {
        var cursor = 0
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            guard r.lowerBound >= cursor else { throw .malformed("sections overlap") }
            guard bytes[cursor..<r.lowerBound].allSatisfy({ $0 == 0 }) else { throw .malformed("non-zero padding before offset \(r.lowerBound)") }
            cursor = r.upperBound
        }
        guard bytes[cursor...].allSatisfy({ $0 == 0 }) else { throw .malformed("non-zero bytes after the last section") }
    }

    private static func decodeGraph(_ bytes: ArraySlice<UInt8>) throws(PlanError) -> Graph {
        var r = ByteReader(bytes, context: "graph section")
        let name = try r.string()
        var metadata: [String: String] = [:]
        for _ in 0..<(try r.count(minimumItemSize: 8)) {
            let key = try r.string()
            metadata[key] = try r.string()
        }
        var tensors: [TensorInfo] = []
        for _ in 0..<(try r.count(minimumItemSize: 8)) {
            let tname = try r.string()
            let rawType = try r.u8(), rank = Int(try r.u8()), flags = try r.u8()
            _ = try r.u8()
            guard let type = DataType(rawValue: rawType) else { throw .malformed("tensor \(tname) has unknown data type \(rawType)") }
            guard rank <= 8, flags <= 1 else { throw .malformed("tensor \(tname) has rank \(rank) or flags \(flags)") }
            var shape: [Int] = []
            for _ in 0..<rank {
                let d = try r.i64()
                guard d >= 1, d <= Int64(ShapeInference.maxElements) else { throw .invalidGraph("tensor \(tname) has dimension \(d)") }
                shape.append(Int(d))
            }
            var constant: ByteRange?
            if flags == 1 {
                let off = try r.u64(), len = try r.u64()
                guard off <= UInt64(PlanFormat.maxFileSize), len <= UInt64(PlanFormat.maxFileSize) else {
                    throw .malformed("constant \(tname) has an impossible range")
                }
                constant = ByteRange(offset: Int(off), count: Int(len))
            }
            tensors.append(TensorInfo(name: tname, shape: shape, dataType: type, constant: constant))
        }
        let inputs = try indices(&r)
        let outputs = try indices(&r)
        var nodes: [Node] = []
        for _ in 0..<(try r.count(minimumItemSize: 18)) {
            let raw = try r.u16()
            let nname = try r.string()
            guard let op = OpCode(rawValue: raw) else { throw .malformed("node \(nname) has unknown op code \(raw)") }
            let ins = try indices(&r), outs = try indices(&r)
            var attrs = Attributes()
            for _ in 0..<(try r.count(minimumItemSize: 6, limit: 64)) {
                let key = try r.string()
                attrs[key] = try attribute(&r)
            }
            nodes.append(Node(op: op, name: nname, inputs: ins, outputs: outs, attributes: attrs))
        }
        guard r.remaining == 0 else { throw .malformed("\(r.remaining) trailing bytes in the graph section") }
        return Graph(name: name, metadata: metadata, tensors: tensors, nodes: nodes, inputs: inputs, outputs: outputs, weights: [])
    }

    private static func indices(_ r: inout ByteReader) throws(PlanError) -> [Int] {
        var out: [Int] = []
        for _ in 0..<(try r.count(minimumItemSize: 4)) { out.append(Int(try r.u32())) }
        return out
    }

    private static func attribute(_ r: inout ByteReader) throws(PlanError) -> Attributes.Value {
        let raw = try r.u8()
        switch AttributeTag(rawValue: raw) {
        case .int: return .int(try r.i64())
        case .float: return .float(try r.f32())
        case .string: return .string(try r.string())
        case .ints:
            var v: [Int64] = []
            for _ in 0..<(try r.count(minimumItemSize: 8, limit: 1 << 20)) { v.append(try r.i64()) }
            return .ints(v)
        case .floats:
            var v: [Float] = []
            for _ in 0..<(try r.count(minimumItemSize: 4, limit: 1 << 20)) { v.append(try r.f32()) }
            return .floats(v)
        case nil: throw .malformed("unknown attribute type \(raw)")
        }
    }
}
