import ModelPlan
import Spaces
import Testing

/// Static cost of reference architectures against published figures. MACs count convolution,
/// dense and matmul multiply-accumulates; parameters count every constant (BatchNorm folded
/// into conv biases, so a few thousand fewer than frameworks that count BN separately).
@Suite struct CostTests {
    static func cost(_ arch: Architecture) throws -> (GraphCost, [Int]) {
        let g = try SpaceCompiler.graph(for: arch, in: try Fixtures.space(arch.space))
        return (GraphCost(g), g.tensors[g.outputs[0]].shape)
    }

    static func within(_ value: Int64, _ reference: Double, _ tolerance: Double) -> Bool {
        abs(Double(value) - reference) <= tolerance * reference
    }

    @Test func mobileNetV2() throws {
        // Sandler et al. 2018, Table 4: MobileNetV2 (1.0, 224) 300 M multiply-adds, 3.4 M
        // parameters (torchvision's count, with BatchNorm: 3.50 M).
        let arch = try Fixtures.arch(ArchitectureParsingTests.mobileNetV2)
        let (c, out) = try Self.cost(arch)
        #expect(out == [1, 1000])
        #expect(Self.within(c.macs, 300e6, 0.05), "MACs \(c.macs)")
        #expect(Self.within(c.parameters, 3.5e6, 0.05), "parameters \(c.parameters)")
    }

    @Test func ofaMobileNetV3Extremes() throws {
        // No published per-subnet figure was found for the extremes of ofa_mbv3_d234_e346_k357_w1.0,
        // so the expected values come from an independent count over OFA's layer definitions
        // (ofa_mbv3.py, dynamic_layers.py: mid = make_divisible(round(in * e), 8), SE mid =
        // make_divisible(mid // 4, 8), feature mix without bias), written separately from the
        // compiler (a few lines of Python over the same widths).
        let space = try Fixtures.space("ofa-mbv3")
        let expected: [(Architecture.Extreme, Int, Int64, Int64)] = [
            (.largest, 224, 566_170_656, 7_643_848), (.smallest, 224, 121_278_672, 3_404_824),
            (.largest, 128, 188_248_320, 7_643_848), (.smallest, 128, 41_476_224, 3_404_824),
        ]
        for (pick, r, macs, params) in expected {
            let (c, out) = try Self.cost(space.extremeArchitecture(pick, resolution: r))
            #expect(out == [1, 1000])
            #expect(c.macs == macs, "\(pick) at \(r)")
            #expect(c.parameters == params, "\(pick) at \(r)")
        }
    }

    @Test func ofaMobileNetV3CostGrowsWithEveryChoice() throws {
        let space = try Fixtures.space("ofa-mbv3")
        let small = space.extremeArchitecture(.smallest, resolution: 160)
        var previous = try Self.cost(small).0
        // Raise one dimension at a time: kernel, expand, depth, resolution.
        var arch = small
        for s in arch.stages.indices { arch.stages[s].kernels = Array(repeating: 7, count: arch.stages[s].depth) }
        var next = try Self.cost(arch).0
        #expect(next.macs > previous.macs && next.parameters > previous.parameters)
        previous = next
        for s in arch.stages.indices { arch.stages[s].expands = Array(repeating: 6, count: arch.stages[s].depth) }
        next = try Self.cost(arch).0
        #expect(next.macs > previous.macs && next.parameters > previous.parameters)
        previous = next
        arch.stages[2] = Architecture.StageChoice(depth: 4, kernels: [7, 7, 7, 7], expands: [6, 6, 6, 6])
        next = try Self.cost(arch).0
        #expect(next.macs > previous.macs && next.parameters > previous.parameters)
        previous = next
        arch.resolution = 224
        next = try Self.cost(arch).0
        #expect(next.macs > previous.macs && next.parameters == previous.parameters)
    }

    static let resnet50D = #"{"space": "ofa-resnet50", "d": [2, 1, 2, 2, 1], "e": 0.25, "w": 2, "r": 224}"#

    @Test func resnet50() throws {
        // OFA's ResNet50 space is ResNet-50-D. He et al. 2019 ("Bag of Tricks", Table 5):
        // ResNet-50-D 4.35 G FLOPs (multiply-adds), 25.6 M parameters; plain ResNet-50 is
        // 4.1 G / 25.6 M, the deep stem and the pooled shortcuts account for the difference.
        let arch = try Fixtures.arch(Self.resnet50D)
        #expect(arch.stages.map(\.depth) == [3, 4, 6, 3] && arch.skippedLayers.isEmpty)
        let (c, out) = try Self.cost(arch)
        #expect(out == [1, 1000])
        #expect(Self.within(c.macs, 4.35e9, 0.03), "MACs \(c.macs)")
        #expect(Self.within(c.macs, 4.1e9, 0.07), "MACs \(c.macs)")
        #expect(Self.within(c.parameters, 25.6e6, 0.02), "parameters \(c.parameters)")
    }

    @Test func vitTiny() throws {
        // Touvron et al. 2021 (DeiT-Ti = ViT-Tiny/16 at 224): 1.3 G FLOPs (multiply-adds; 1.26 G
        // counting every matmul), 5.7 M parameters (timm: 5,717,416).
        let arch = try Fixtures.arch(
            "space: vit-tiny\nresolution: 224\nembedDim: 192\nstages:\n  - {depth: 12, expands: 4, heads: 3}")
        let (c, out) = try Self.cost(arch)
        #expect(out == [1, 1000])
        #expect(Self.within(c.macs, 1.26e9, 0.03), "MACs \(c.macs)")
        // Every ViT-Tiny weight, plus this plan's one attention-scale constant per block.
        #expect(c.parameters == 5_717_416 + 12)
    }
}
