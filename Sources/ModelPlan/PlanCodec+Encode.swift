/// Encodes and decodes plans. Encoding is deterministic: the same graph always gives the
/// same bytes, so a plan's SHA-256 identifies it.
public enum PlanCodec {
    /// Writes version 1 for a graph without generated weights, version 2 (FILL section, packed
    /// WGHT) for one with them.
    public static func encode(_ g: Graph) throws(PlanError) -> [UInt8] {
        try GraphValidator.validate(g)
        let version: Int
        let sections: [(PlanFormat.Section, [UInt8])]
        if g.generatedWeights.isEmpty {
            version = PlanFormat.storedWeightsVersion
            sections = [(.graph, encodeGraph(g)), (.weights, g.weights)]
        } else {
            try checkFillsMatchWeights(g)
            version = PlanFormat.generatedWeightsVersion
            sections = [(.graph, encodeGraph(g)), (.fills, encodeFills(g)), (.weights, storedWeights(g))]
        }

        var offsets: [Int] = []
        var cursor = PlanFormat.headerSize + sections.count * PlanFormat.sectionEntrySize
        for (_, body) in sections {
            cursor = align(cursor)
            offsets.append(cursor)
            cursor += body.count
        }
        var table = ByteWriter()
        for ((kind, body), offset) in zip(sections, offsets) {
            table.u32(kind.tag)
            table.u32(CRC32.checksum(body))
            table.u64(UInt64(offset))
            table.u64(UInt64(body.count))
        }
        var header = ByteWriter()
        header.bytes.append(contentsOf: PlanFormat.magic)
        header.u16(UInt16(version))
        header.u16(0)
        header.count(sections.count)
        header.u64(UInt64(cursor))
        header.u32(CRC32.checksum(header.bytes + table.bytes))
        header.u32(0)

        var out = ByteWriter()
        out.bytes.reserveCapacity(cursor)
        out.bytes.append(contentsOf: header.bytes)
        out.bytes.append(contentsOf: table.bytes)
        for (_, body) in sections {
            out.pad(toMultipleOf: PlanFormat.alignment)
            out.bytes.append(contentsOf: body)
        }
        return out.bytes
    }

    static func align(_ n: Int) -> Int { (n + PlanFormat.alignment - 1) / PlanFormat.alignment * PlanFormat.alignment }

    private static func encodeGraph(_ g: Graph) -> [UInt8] {
        var w = ByteWriter()
        w.string(g.name)
        let meta = g.metadata.sorted { $0.key < $1.key }
        w.count(meta.count)
        for (k, v) in meta {
            w.string(k)
            w.string(v)
        }
        w.count(g.tensors.count)
        for t in g.tensors {
            w.string(t.name)
            w.u8(t.dataType.rawValue)
            w.u8(UInt8(t.shape.count))
            w.u8(t.constant == nil ? 0 : 1)
            w.u8(0)
            for d in t.shape { w.i64(Int64(d)) }
            if let c = t.constant {
                w.u64(UInt64(c.offset))
                w.u64(UInt64(c.count))
            }
        }
        w.count(g.inputs.count)
        for i in g.inputs { w.count(i) }
        w.count(g.outputs.count)
        for o in g.outputs { w.count(o) }
        w.count(g.nodes.count)
        for n in g.nodes {
            w.u16(n.op.rawValue)
            w.string(n.name)
            w.count(n.inputs.count)
            for i in n.inputs { w.count(i) }
            w.count(n.outputs.count)
            for o in n.outputs { w.count(o) }
            let attrs = n.attributes.values.sorted { $0.key < $1.key }
            w.count(attrs.count)
            for (key, value) in attrs {
                w.string(key)
                encode(value, into: &w)
            }
        }
        return w.bytes
    }

    private static func encode(_ value: Attributes.Value, into w: inout ByteWriter) {
        switch value {
        case .int(let v):
            w.u8(AttributeTag.int.rawValue)
            w.i64(v)
        case .ints(let v):
            w.u8(AttributeTag.ints.rawValue)
            w.count(v.count)
            v.forEach { w.i64($0) }
        case .float(let v):
            w.u8(AttributeTag.float.rawValue)
            w.f32(v)
        case .floats(let v):
            w.u8(AttributeTag.floats.rawValue)
            w.count(v.count)
            v.forEach { w.f32($0) }
        case .string(let v):
            w.u8(AttributeTag.string.rawValue)
            w.string(v)
        }
    }
}

enum AttributeTag: UInt8 {
    case int = 1, ints = 2, float = 3, floats = 4, string = 5
}
