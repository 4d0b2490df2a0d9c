import Spaces

/// The `ofa-yaml` export: Once-for-All's lookup tables (`ofa/nas/efficiency_predictor/
/// latency_lookup_table.py`), keyed exactly as `MBv3LatencyTable.query` (mobilenet-v3 spaces)
/// and `ProxylessNASLatencyTable.query` (mobilenet-v2 spaces) build keys, so OFA's
/// `predict_network_latency_given_config` sums our measurements.
extension TableExporter {
    enum OFAFlavour {
        case mbv3
        case proxyless
    }

    /// Where a layer sits in OFA's network layout, which decides its OFA type.
    enum OFARole {
        case firstConv, block, beforePool, pool, afterPool, classifier
    }

    /// One OFA key and the table entries it sums (one, or ProxylessNAS's pool and classifier).
    struct OFAPart {
        var key: String
        var tableKeys: [String]
    }

    static func ofaYAML(_ table: LatencyTable, space: SearchSpace) throws(TableError) -> [ExportedFile] {
        let flavour: OFAFlavour
        switch space.family {
        case .mobilenetV3: flavour = .mbv3
        case .mobilenetV2: flavour = .proxyless
        case .resnet, .vit:
            throw .invalidArgument(
                "Once-for-All defines no lookup-table format for \(space.family.rawValue) spaces (its YAML tables cover MobileNetV3 and "
                    + "ProxylessNAS/MobileNetV2 only); export \(space.name) with --format json or --format fbnet-jsonl instead")
        }
        let roles = try ofaRoles(space, flavour)
        var layersByResolution: [(Int, [ResolvedLayer])] = []
        var resolutionsOfKey: [String: Int] = [:]
        for r in space.resolutions {
            do { layersByResolution.append((r, try SpaceCompiler.uniqueLayers(of: space, resolutions: [r]))) } catch {
                throw .space(path: space.name, reason: error.description)
            }
            for layer in layersByResolution.last!.1 { resolutionsOfKey[layer.tableKey, default: 0] += 1 }
        }
        var files: [ExportedFile] = []
        for (r, layers) in layersByResolution {
            // Built at R means some block only R has (its first conv, at least) was measured; the
            // classifier every resolution shares does not make a file for each.
            guard layers.contains(where: { resolutionsOfKey[$0.tableKey] == 1 && table.entries[$0.tableKey] != nil }) else { continue }
            var values: [String: (count: Int, mean: Double, variance: Double)] = [:]
            var sources: [String: [String]] = [:]
            var missing: [String] = []
            for part in try ofaParts(layers, roles: roles, flavour: flavour) {
                if let other = sources[part.key] {
                    // A lossy spelling would hand OFA one block's time for another's.
                    throw .invalidArgument(
                        "blocks \(other.joined(separator: " + ")) and \(part.tableKeys.joined(separator: " + ")) of \(space.name) "
                            + "would share the OFA key \(part.key); export this space as json or fbnet-jsonl")
                }
                sources[part.key] = part.tableKeys
                let found = part.tableKeys.compactMap { table.entries[$0] }
                guard found.count == part.tableKeys.count else {
                    missing += part.tableKeys.filter { table.entries[$0] == nil && !missing.contains($0) }
                    continue
                }
                // OFA sums means; independent blocks' variances add too.
                values[part.key] = (found.map(\.count).min()!, found.reduce(0) { $0 + $1.mean }, found.reduce(0) { $0 + $1.variance })
            }
            var lines = [
                "# BoardBench latency table \(table.id): \(space.name) on \(table.record.device), runtime \(table.record.runtime) "
                    + "\(table.record.runtimeVersion), input \(r)x\(r).",
                "# Once-for-All \(flavour == .mbv3 ? "MBv3LatencyTable" : "ProxylessNASLatencyTable") keys; per key: count (samples), "
                    + "mean (ms), var (ms^2).",
            ]
            for key in values.keys.sorted() {
                let v = values[key]!
                lines += ["\(key):", "  count: \(v.count)", "  mean: \(yamlFloat(milliseconds(v.mean)))", "  var: \(yamlFloat(milliseconds2(v.variance)))"]
            }
            files.append(
                ExportedFile(
                    name: "\(r)_lookup_table.yaml", contents: lines.joined(separator: "\n") + "\n", entryCount: values.count, resolution: r, missing: missing))
        }
        guard !files.isEmpty else {
            throw .invalidArgument(
                "table \(table.id) has no block that only one resolution of \(space.name) uses (a first conv, say), so no OFA file can be "
                    + "written; build it with `boardbench table build --space \(space.name) --device \(table.record.device)`")
        }
        return files
    }

    /// Roles of the space's fixed layers by name (stage blocks have none): OFA's layouts are a
    /// stem conv, inverted residuals, a conv before pooling, then (MBv3) a conv after it and
    /// the classifier. Anything else has no OFA type.
    static func ofaRoles(_ space: SearchSpace, _ flavour: OFAFlavour) throws(TableError) -> [String: OFARole] {
        func refuse(_ layer: FixedLayer, _ why: String) -> TableError {
            .invalidArgument("\(space.name): layer \(layer.name) (\(layer.kind.rawValue)) \(why); export this space as json or fbnet-jsonl")
        }
        var roles: [String: OFARole] = [:]
        for (i, layer) in space.stem.enumerated() {
            switch layer.kind {
            case .conv where i == 0: roles[layer.name] = .firstConv
            case .mbconv: roles[layer.name] = .block
            default: throw refuse(layer, "has no Once-for-All table type (the stem is one conv, then inverted residuals)")
            }
        }
        var pooled = false
        for layer in space.head {
            switch layer.kind {
            case .conv where !pooled: roles[layer.name] = .beforePool
            case .conv where flavour == .mbv3: roles[layer.name] = .afterPool
            case .conv: throw refuse(layer, "comes after the pool, which ProxylessNAS's Logits key does not cover")
            case .globalPool:
                pooled = true
                roles[layer.name] = .pool
            case .linear: roles[layer.name] = .classifier
            default: throw refuse(layer, "has no Once-for-All table type")
            }
        }
        if flavour == .proxyless, !space.head.contains(where: { $0.kind == .globalPool }) {
            throw .invalidArgument("\(space.name): ProxylessNAS's Logits key is the global pool and the classifier together; the head has no globalPool")
        }
        return roles
    }

    static func ofaParts(_ layers: [ResolvedLayer], roles: [String: OFARole], flavour: OFAFlavour) throws(TableError) -> [OFAPart] {
        var parts: [OFAPart] = []
        var paired: Set<String> = []
        for layer in layers {
            let (input, output) = (try ofaShape(layer.input, layer), try ofaShape(layer.output, layer))
            let key: BlockKey
            switch roles[layer.name] ?? .block {
            case .firstConv: key = BlockKey(kind: .firstConv, input: input, output: output)
            case .block: key = try expandedConv(layer, input: input, output: output, flavour: flavour)
            case .beforePool: key = BlockKey(kind: .finalExpand, input: input, output: output)
            case .afterPool: key = BlockKey(kind: .featureMix, input: input, output: output)
            case .pool where flavour == .mbv3: key = BlockKey(kind: .avgPool, input: input, output: output)
            case .pool:
                // ProxylessNAS queries Logits with the pool's input and the classes: one entry for both.
                guard let classifier = layers.first(where: { roles[$0.name] == .classifier && $0.input == layer.output }) else {
                    throw .invalidArgument("\(layer.name): ProxylessNAS's Logits key needs the classifier right after the global pool")
                }
                paired.insert(classifier.tableKey)
                let logits = BlockKey(kind: .logits, input: input, output: try ofaShape(classifier.output, classifier))
                parts.append(OFAPart(key: logits.ofaKey, tableKeys: [layer.tableKey, classifier.tableKey]))
                continue
            case .classifier where flavour == .proxyless: continue
            case .classifier: key = BlockKey(kind: .logits, input: input, output: output)
            }
            parts.append(OFAPart(key: key.ofaKey, tableKeys: [layer.tableKey]))
        }
        if let lone = layers.first(where: { roles[$0.name] == .classifier && flavour == .proxyless && !paired.contains($0.tableKey) }) {
            throw .invalidArgument("\(lone.name): ProxylessNAS's Logits key needs a global pool right before the classifier")
        }
        return parts
    }

    static func expandedConv(_ layer: ResolvedLayer, input: BlockKey.Shape, output: BlockKey.Shape, flavour: OFAFlavour) throws(TableError) -> BlockKey {
        guard layer.kind == .mbconv else {
            throw .invalidArgument("\(layer.name) is a \(layer.kind.rawValue) block; Once-for-All's MobileNet tables only have inverted residuals")
        }
        let skip = layer.identitySkip ? 1 : 0
        switch flavour {
        case .mbv3:
            // MBv3 keys hold the depthwise conv's channels, not the ratio.
            return BlockKey(
                kind: .expandedConv, input: input, output: output, expand: layer.middle, kernel: layer.kernel, stride: layer.stride, identitySkip: skip,
                squeezeExcite: layer.seChannels > 0 ? 1 : 0, hardSwish: layer.activation == .hswish ? 1 : 0)
        case .proxyless:
            guard layer.expandRatio == layer.expandRatio.rounded() else {
                throw .invalidArgument(
                    "\(layer.name): expand ratio \(layer.expandRatio) is not a whole number, which ProxylessNAS keys (`expand:%d`) cannot spell")
            }
            return BlockKey(
                kind: .expandedConv, input: input, output: output, expand: Int(layer.expandRatio), kernel: layer.kernel, stride: layer.stride,
                identitySkip: skip)
        }
    }

    /// [C, H, W] as OFA's `HxWxC`, [F] as `F`.
    static func ofaShape(_ dims: [Int], _ layer: ResolvedLayer) throws(TableError) -> BlockKey.Shape {
        switch dims.count {
        case 3: return BlockKey.Shape(dims[1], dims[2], dims[0])
        case 1: return BlockKey.Shape(features: dims[0])
        default: throw .invalidArgument("\(layer.name): shape \(dims) has no Once-for-All spelling")
        }
    }

    /// A float PyYAML (YAML 1.1, what OFA loads tables with) reads as a float: it wants a `.`
    /// before the exponent, so Swift's `5e-05` is written `5.0e-05`.
    static func yamlFloat(_ v: Double) -> String {
        var s = "\(v)"
        if let e = s.firstIndex(of: "e"), !s[..<e].contains(".") { s.insert(contentsOf: ".0", at: e) }
        return s
    }
}
