import ModelPlan
import Runtime
import Spaces
import Testing

@Suite struct BlockEnumerationTests {
    /// A latency table can only predict an architecture whose every layer it measured: random
    /// architectures of every shipped space (OFA ResNet's per-stage widths and skipped stem
    /// layer included) must find each of their layers among the enumerated blocks.
    @Test(arguments: Fixtures.shippedNames)
    func everyLayerOfRandomArchitecturesIsEnumerated(_ name: String) throws {
        let space = try Fixtures.space(name)
        let resolutions = Array(space.resolutions.prefix(2))
        let keys = Set(try SpaceCompiler.uniqueLayers(of: space, resolutions: resolutions).map(\.tableKey))
        var rng = SeededRandom(seed: 42)
        for _ in 0..<200 {
            var arch = space.randomArchitecture(using: &rng)
            arch.resolution = resolutions.randomElement(using: &rng)!
            if name == "ofa-resnet50" {
                // Per-stage widths and a skipped stem layer: the choices OFA's ResNet adds.
                for i in arch.stages.indices { arch.stages[i].widthMultiplier = space.widthMultipliers.randomElement(using: &rng)! }
                if Bool.random(using: &rng) { arch.skippedLayers = ["stem.conv1"] }
            }
            for layer in try SpaceCompiler.layers(for: arch, in: space) {
                #expect(keys.contains(layer.tableKey), "\(name): \(layer.name) \(layer.tableKey) is missing")
            }
        }
    }

    /// OFA MobileNetV3 at one resolution: first conv, first block, 5 stages x (first block +
    /// later block) x 9 kernel/expand choices, then final expand, pool, feature mix, classifier.
    @Test func ofaMobileNetV3HasTheExpectedBlockCount() throws {
        let space = try Fixtures.space("ofa-mbv3")
        let one = try SpaceCompiler.uniqueLayers(of: space, resolutions: [224])
        #expect(one.count == 2 + 5 * 2 * 9 + 4)
        #expect(one.first?.tableKey == "conv-input:224x224x3-output:112x112x16-kernel:3-stride:2-act:hswish")
        let two = try SpaceCompiler.uniqueLayers(of: space, resolutions: [160, 224])
        #expect(two.count == 2 * one.count - 2)  // the feature mix and classifier see 1x1 inputs at every size
        #expect(Set(two.map(\.tableKey)).count == two.count)
    }

    @Test func resolutionsOutsideTheSpaceAreRefused() throws {
        let space = try Fixtures.space("proxylessnas-mbv2")
        let message = Fixtures.message { _ = try SpaceCompiler.uniqueLayers(of: space, resolutions: [100]) }
        #expect(message?.contains("resolution 100 is not in the space") == true)
    }

    /// A block graph computes what the layer computes inside a network: same nodes (up to the
    /// input's name), same shapes, and it runs.
    @Test func blockGraphMatchesTheLayerInsideTheNetwork() throws {
        let space = try Fixtures.space("ofa-mbv3")
        let arch = try Fixtures.arch(ArchitectureParsingTests.ofaDict)
        let network = try SpaceCompiler.graph(for: arch, in: space)
        let layers = try SpaceCompiler.layers(for: arch, in: space)
        let layer = try #require(layers.first { $0.name == "stage2.block1" })
        let block = try SpaceCompiler.blockGraph(for: layer, in: space)
        #expect(block.metadata["block"] == layer.tableKey)
        #expect(block.tensors[block.inputs[0]].shape == [1] + layer.input)
        #expect(block.tensors[block.outputs[0]].shape == [1] + layer.output)
        let inNetwork = network.nodes.filter { $0.name.hasPrefix("stage2.block1.") }.map { "\($0.op)/\($0.name)" }
        #expect(block.nodes.map { "\($0.op)/\($0.name)" } == inNetwork)
        try GraphValidator.validate(block)
        let executor = Executor(graph: try PlanCodec.decode(try PlanCodec.encode(block)))
        executor.fillInputsDeterministically()
        executor.execute()
        #expect(executor.output(0).count == layer.output.reduce(1, *))
        let output = executor.output(0)
        #expect(output.allSatisfy { $0.isFinite })
    }
}
