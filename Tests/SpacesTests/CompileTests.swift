import ModelPlan
import Spaces
import Testing

@Suite struct CompileTests {
    @Test func sameArchitectureCompilesToIdenticalBytes() throws {
        let space = try Fixtures.space("ofa-mbv3")
        let arch = try Fixtures.arch(ArchitectureParsingTests.ofaDict)
        let a = try SpaceCompiler.graph(for: arch, in: space)
        let b = try SpaceCompiler.graph(for: try Fixtures.arch(arch.canonical), in: space)
        #expect(a == b)
        #expect(try PlanCodec.encode(a) == PlanCodec.encode(b))
        let reseeded = try SpaceCompiler.graph(for: arch, in: space, seed: 7)
        #expect(reseeded.nodes == a.nodes && reseeded.weights != a.weights)
    }

    @Test func metadataRecordsSourceAndCanonicalArch() throws {
        let arch = try Fixtures.arch(ArchitectureParsingTests.ofaDict)
        let g = try SpaceCompiler.graph(for: arch, in: try Fixtures.space("ofa-mbv3"))
        #expect(g.metadata["source"] == "space:ofa-mbv3")
        #expect(g.metadata["arch"] == arch.canonical)
        #expect(g.name == "ofa-mbv3")
        #expect(g.tensors[g.inputs[0]].shape == [1, 3, 176, 176])
    }

    @Test func nodesAreNamedAfterTheirLayers() throws {
        let g = try SpaceCompiler.graph(for: try Fixtures.arch(ArchitectureParsingTests.ofaDict), in: try Fixtures.space("ofa-mbv3"))
        let names = Set(g.nodes.map(\.name))
        for expected in [
            "first_conv", "first_block.dw", "first_block.project", "first_block.add", "stage1.block1.expand", "stage1.block1.dw",
            "stage1.block1.project", "stage1.block2.add", "stage2.block1.se.pool", "stage2.block1.se.reduce", "stage2.block1.se.expand",
            "stage2.block1.se.scale", "final_expand", "pool", "feature_mix", "classifier.flatten", "classifier",
        ] {
            #expect(names.contains(expected), "missing node \(expected)")
        }
        #expect(!names.contains("stage1.block1.add"))  // stride 2: no identity skip
        #expect(!names.contains("first_block.expand"))  // expand ratio 1: no expand conv
        #expect(Set(g.nodes.map(\.name)).count == g.nodes.count)
    }

    @Test func mbconvFollowsOFA() throws {
        let layers = try SpaceCompiler.layers(for: try Fixtures.arch(ArchitectureParsingTests.ofaDict), in: try Fixtures.space("ofa-mbv3"))
        let block = layers.first { $0.name == "stage2.block1" }!
        // 24 channels in, expand 6: 144 middle; SE reduces to make_divisible(144 / 4, 8) = 40.
        #expect(block.input == [24, 44, 44] && block.output == [40, 22, 22])
        #expect(block.middle == 144 && block.seChannels == 40 && block.kernel == 5 && block.stride == 2)
        #expect(block.activation == .relu && !block.identitySkip)
        let later = layers.first { $0.name == "stage3.block2" }!
        #expect(later.activation == .hswish && later.seChannels == 0 && later.identitySkip)
        #expect(layers.last?.output == [1000])
    }

    @Test func squeezeExciteGatesWithHardSigmoid() throws {
        let g = try SpaceCompiler.graph(for: try Fixtures.arch(ArchitectureParsingTests.ofaDict), in: try Fixtures.space("ofa-mbv3"))
        let gate = g.nodes.first { $0.name == "stage2.block1.se.expand" }!
        let act = try Activation(gate.attributes)
        #expect(act.kind == .hardSigmoid && act.alpha == 1 / 6 && act.beta == 0.5)
        let dw = g.nodes.first { $0.name == "stage3.block1.dw" }!
        #expect(try Activation(dw.attributes).kind == .hardSwish)
        // Stage 1 block 1: 16 channels in, expand 3: a depthwise conv over 48 channels.
        #expect(try g.nodes.first { $0.name == "stage1.block1.dw" }!.attributes.int("group", default: 1) == 48)
    }

    @Test func resnetBottleneckAndStem() throws {
        let space = try Fixtures.space("ofa-resnet50")
        let arch = try Fixtures.arch(CostTests.resnet50D)
        let layers = try SpaceCompiler.layers(for: arch, in: space)
        #expect(layers.prefix(4).map(\.output) == [[32, 112, 112], [32, 112, 112], [64, 112, 112], [64, 56, 56]])
        #expect(layers[1].identitySkip)  // the skippable residual stem conv
        let first = layers[4]
        #expect(first.name == "stage1.block1" && first.middle == 64 && first.output == [256, 56, 56] && !first.identitySkip)
        let down = layers.first { $0.name == "stage2.block1" }!
        #expect(down.stride == 2 && down.middle == 128 && down.output == [512, 28, 28])
        let g = try SpaceCompiler.graph(for: arch, in: space)
        let names = Set(g.nodes.map(\.name))
        #expect(names.isSuperset(of: ["stage2.block1.downsample.pool", "stage2.block1.downsample.conv", "stage2.block1.act", "stem.conv1.add"]))
        #expect(names.contains("stage1.block1.downsample.conv") && !names.contains("stage1.block1.downsample.pool"))
        #expect(!names.contains("stage1.block2.downsample.conv"))
    }

    @Test func vitTokensAndHeads() throws {
        let arch = try Fixtures.arch("space: vit-tiny\nresolution: 224\nembedDim: 192\nstages:\n  - {depth: 6, expands: 3}")
        let g = try SpaceCompiler.graph(for: arch, in: try Fixtures.space("vit-tiny"))
        func shape(_ node: String) -> [Int] { g.tensors[g.nodes.first { $0.name == node }!.outputs[0]].shape }
        #expect(shape("patch_embed.add") == [1, 197, 192])
        #expect(shape("encoder.block1.q.transpose") == [1, 3, 197, 64])
        #expect(shape("encoder.block1.k.transpose") == [1, 3, 64, 197])
        #expect(shape("encoder.block1.softmax") == [1, 3, 197, 197])
        #expect(shape("encoder.block6.fc1") == [1, 197, 576])
        #expect(shape("cls") == [1, 192])
        #expect(g.tensors[g.outputs[0]].shape == [1, 1000])
    }
}
