import ModelPlan
import Runtime
import Spaces
import Testing

/// Each family compiles at a small size, validates, survives the plan codec and runs through
/// the runtime to finite logits.
@Suite struct ExecutionTests {
    static let tinyViT = """
        name: tiny-vit
        family: vit
        resolutions: [32]
        embedDims: [24, 48]
        classes: 10
        stem:
          - {name: patch_embed, type: patchEmbed, kernel: 8}
        stages:
          - {name: encoder, block: transformer, depths: [1, 2], expands: [2, 4], heads: [2, 3]}
        head:
          - {name: norm, type: layerNorm}
          - {name: cls, type: selectClassToken}
          - {name: classifier, type: linear}
        """

    static func run(_ arch: Architecture, in space: SearchSpace) throws -> [Float] {
        let g = try SpaceCompiler.graph(for: arch, in: space)
        try GraphValidator.validate(g)
        let decoded = try PlanCodec.decode(try PlanCodec.encode(g))
        #expect(decoded == g)
        let executor = Executor(graph: decoded)
        executor.fillInputsDeterministically()
        executor.execute()
        return executor.output(0)
    }

    @Test(arguments: ["ofa-mbv3", "proxylessnas-mbv2", "ofa-resnet50"])
    func smallestNetworkRuns(_ name: String) throws {
        let space = try Fixtures.space(name)
        let logits = try Self.run(space.extremeArchitecture(.smallest, resolution: space.resolutions[0]), in: space)
        #expect(logits.count == 1000)
        #expect(logits.allSatisfy { $0.isFinite })
        #expect(Set(logits).count > 1)
    }

    @Test func randomMobileNetV3Runs() throws {
        let space = try Fixtures.space("ofa-mbv3")
        var rng = SeededRandom(seed: 42)
        var arch = space.randomArchitecture(using: &rng)
        arch.resolution = 132
        let logits = try Self.run(arch, in: space)
        #expect(logits.count == 1000 && logits.allSatisfy { $0.isFinite })
    }

    @Test func resnetWithSkippedStemAndOddSizesRuns() throws {
        // 132 -> 66 -> 33: the strided shortcut pools a 33x33 map with ceil_mode.
        let space = try Fixtures.space("ofa-resnet50")
        let arch = try Fixtures.arch(#"{"space": "ofa-resnet50", "d": [0, 0, 0, 0, 0], "e": 0.2, "w": [0, 0, 0, 0, 0, 0], "r": 132}"#)
        #expect(arch.skippedLayers == ["stem.conv1"])
        let layers = try SpaceCompiler.layers(for: arch, in: space)
        #expect(layers.first { $0.name == "stage2.block1" }?.output == [336, 17, 17])
        let logits = try Self.run(arch, in: space)
        #expect(logits.count == 1000 && logits.allSatisfy { $0.isFinite })
    }

    @Test func tinyVisionTransformerRuns() throws {
        let space = try SearchSpace(yaml: Self.tinyViT, file: "tiny-vit.yaml")
        let arch = try Architecture.parse(
            "space: tiny-vit\nresolution: 32\nembedDim: 48\nstages:\n  - {depth: 2, expands: [2, 4], heads: [2, 3]}", source: "arch.yaml",
            space: space)
        let logits = try Self.run(arch, in: space)
        #expect(logits.count == 10 && logits.allSatisfy { $0.isFinite })
        #expect(Set(logits).count > 1)
    }
}
