/// Fixed layers and stages of a space file.
extension SearchSpace {
    static func layers(_ f: YAMLField, seen: inout Set<String>, space: SearchSpace) throws(SpaceError) -> [FixedLayer] {
        var out: [FixedLayer] = []
        for item in try f.list() {
            out.append(try layer(item, seen: &seen, space: space))
        }
        return out
    }

    static func layer(_ item: YAMLField, seen: inout Set<String>, space: SearchSpace) throws(SpaceError) -> FixedLayer {
        let o = try item.object(allowed: [
            "name", "type", "out", "kernel", "stride", "activation", "bias", "expand", "se", "residual", "skippable",
        ])
        let name = try name(o, seen: &seen)
        let typeField = try o.required("type")
        let typeName = try typeField.string()
        guard let kind = FixedLayer.Kind(rawValue: typeName) else {
            throw typeField.fail("\(typeName.debugDescription) is not one of \(FixedLayer.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var layer = FixedLayer(name: name, kind: kind)
        layer.outChannels = try o.value("out") { f throws(SpaceError) in try int(f, in: 1...100_000) }
        layer.activation = try activation(o["activation"], default: .none)
        layer.bias = try o["bias"]?.bool() ?? true
        layer.squeezeExcite = try o["se"]?.bool() ?? false
        layer.residual = try o["residual"]?.bool() ?? false
        layer.skippable = try o["skippable"]?.bool() ?? false
        switch kind {
        case .patchEmbed:
            // The patch size is both kernel and stride; any size that tiles the image.
            let patch = try o.required("kernel")
            layer.kernel = try int(patch, in: 1...1024)
            layer.stride = layer.kernel
            if let s = o["stride"], try s.int() != layer.kernel { throw s.fail("a patch embedding's stride is its kernel (the patch size)") }
            if let f = o["out"] { throw f.fail("the embedding width is the architecture's embedDim; remove out") }
        case .conv, .mbconv, .maxPool:
            layer.kernel = try o.value("kernel") { f throws(SpaceError) in try kernelSize(f) } ?? (kind == .maxPool ? 3 : 1)
            layer.stride = try o.value("stride") { f throws(SpaceError) in try int(f, in: 1...4) } ?? 1
        case .globalPool, .linear, .layerNorm, .selectClassToken:
            for key in ["kernel", "stride"] { if let f = o[key] { throw f.fail("a \(kind.rawValue) layer has no \(key)") } }
        }
        if kind == .mbconv {
            layer.expand = try o["expand"]?.double() ?? 1
            guard (1...16).contains(layer.expand) else { throw try o.required("expand").fail("\(Format.number(layer.expand)) is outside 1...16") }
        } else if let f = o["expand"] {
            throw f.fail("only mbconv layers have an expand ratio")
        }
        if layer.squeezeExcite, kind != .mbconv { throw try o.required("se").fail("only mbconv layers have squeeze-excite") }
        if kind == .linear { layer.outChannels = layer.outChannels ?? space.classes }
        if [.conv, .mbconv].contains(kind), !layer.residual, layer.outChannels == nil {
            throw item.fail("missing required field out")
        }
        if layer.residual {
            // An mbconv adds its input whenever stride and width allow; only convs opt in.
            guard kind == .conv else { throw try o.required("residual").fail("only conv layers can be residual") }
            guard layer.stride == 1 else { throw try o.required("residual").fail("a residual layer needs stride 1") }
        }
        if layer.skippable, !layer.residual { throw try o.required("skippable").fail("only a residual layer can be skipped (skipping it must keep the shape)") }
        return layer
    }

    static func stages(_ f: YAMLField, seen: inout Set<String>, space: SearchSpace) throws(SpaceError) -> [Stage] {
        let items = try f.list()
        guard !items.isEmpty else { throw f.fail("needs at least one stage") }
        var out: [Stage] = []
        for item in items { out.append(try stage(item, seen: &seen, space: space)) }
        return out
    }

    static func stage(_ item: YAMLField, seen: inout Set<String>, space: SearchSpace) throws(SpaceError) -> Stage {
        let o = try item.object(allowed: [
            "name", "block", "out", "stride", "activation", "se", "baseDepth", "depths", "kernels", "expands", "heads",
        ])
        let name = try name(o, seen: &seen)
        let blockField = try o.required("block")
        let blockName = try blockField.string()
        guard let block = BlockType(rawValue: blockName) else {
            throw blockField.fail("\(blockName.debugDescription) is not one of \(BlockType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let expected: BlockType =
            switch space.family {
            case .mobilenetV2, .mobilenetV3: .mbconv
            case .resnet: .bottleneck
            case .vit: .transformer
            }
        guard block == expected else { throw blockField.fail("a \(space.family.rawValue) space has \(expected.rawValue) stages, not \(block.rawValue)") }

        let out: Int?
        if block == .transformer {
            if let f = o["out"] { throw f.fail("a transformer's width is the architecture's embedDim; remove out") }
            out = nil
        } else {
            out = try int(try o.required("out"), in: 1...100_000)
        }
        let stride = try o.value("stride") { f throws(SpaceError) in try int(f, in: 1...4) } ?? 1
        if block == .transformer, stride != 1 { throw try o.required("stride").fail("transformer stages have stride 1") }
        let act = try activation(o["activation"], default: block == .transformer ? .gelu : .relu)
        let se = try o["se"]?.bool() ?? false
        if se, block != .mbconv { throw try o.required("se").fail("only mbconv stages have squeeze-excite") }

        let baseDepth = try o.value("baseDepth") { f throws(SpaceError) in try int(f, in: 0...64) } ?? 0
        let depthsField = try o.required("depths")
        let depths = try positiveInts(depthsField, in: 0...64, unique: true)
        guard baseDepth + depths.min()! >= 1 else { throw depthsField.fail("every choice must leave the stage at least one block (baseDepth \(baseDepth))") }

        var kernels: [Int] = []
        if block == .transformer {
            if let f = o["kernels"] { throw f.fail("transformer stages have no kernels") }
        } else if let f = o["kernels"] {
            for k in try f.list() { kernels.append(try kernelSize(k)) }
            guard !kernels.isEmpty else { throw f.fail("needs at least one value") }
            guard Set(kernels).count == kernels.count else { throw f.fail("lists a value twice") }
        } else if block == .bottleneck {
            kernels = [3]
        } else {
            throw item.fail("missing required field kernels")
        }

        let expandsField = try o.required("expands")
        let expands = try expandsField.doubles()
        guard !expands.isEmpty else { throw expandsField.fail("needs at least one value") }
        let expandRange: ClosedRange<Double> = block == .mbconv ? 1...16 : (block == .bottleneck ? 0.01...4 : 0.01...16)
        for e in expands where !expandRange.contains(e) {
            throw expandsField.fail("\(Format.number(e)) is outside \(Format.number(expandRange.lowerBound))...\(Format.number(expandRange.upperBound))")
        }
        guard Set(expands).count == expands.count else { throw expandsField.fail("lists a value twice") }

        var heads: [Int] = []
        if block == .transformer {
            let f = try o.required("heads")
            heads = try positiveInts(f, in: 1...1024, unique: true)
            for d in space.embedDims { for h in heads where d % h != 0 { throw f.fail("embedding width \(d) is not divisible by \(h) heads") } }
        } else if let f = o["heads"] {
            throw f.fail("only transformer stages have heads")
        }
        return Stage(
            name: name, block: block, outChannels: out, stride: stride, activation: act, squeezeExcite: se, baseDepth: baseDepth,
            depths: depths, kernels: kernels, expands: expands, heads: heads)
    }
}
