import Foundation
import Spaces
import Testing

@Suite struct SpaceLoadingTests {
    @Test(arguments: Fixtures.shippedNames)
    func shippedSpaceLoads(_ name: String) throws {
        let space = try Fixtures.space(name)
        #expect(space.name == name)
        #expect(!space.stages.isEmpty)
        #expect(space.head.last?.kind == .linear)
        #expect(space.classes == 1000)
    }

    @Test func catalogListsTheShippedSpaces() throws {
        #expect(Fixtures.catalog.names == Fixtures.shippedNames.sorted())
        let loaded = try SpaceCatalog.loading(directory: Fixtures.spacesDirectory)
        #expect(loaded.spaces.keys.sorted() == Fixtures.shippedNames.sorted())
    }

    @Test func ofaMobileNetV3Layout() throws {
        let space = try Fixtures.space("ofa-mbv3")
        #expect(space.family == .mobilenetV3)
        #expect(space.resolutions == Array(stride(from: 128, through: 224, by: 4)))
        #expect(space.stages.map(\.outChannels) == [24, 40, 80, 112, 160])
        #expect(space.stages.map(\.stride) == [2, 2, 2, 1, 2])
        #expect(space.stages.map(\.squeezeExcite) == [false, true, false, true, true])
        #expect(space.stages.map(\.activation) == [.relu, .relu, .hswish, .hswish, .hswish])
        for stage in space.stages {
            #expect(stage.depths == [2, 3, 4] && stage.kernels == [3, 5, 7] && stage.expands == [3, 4, 6])
        }
        #expect(space.stem.map(\.name) == ["first_conv", "first_block"])
        #expect(space.head.map(\.name) == ["final_expand", "pool", "feature_mix", "classifier"])
    }

    @Test func resnetStagesAddDepthToTheirBase() throws {
        let space = try Fixtures.space("ofa-resnet50")
        #expect(space.stages.map(\.blockCounts) == [[2, 3, 4], [2, 3, 4], [4, 5, 6], [2, 3, 4]])
        #expect(space.stages.map(\.maxBlocks).reduce(0, +) == 18)
        #expect(space.widthMultipliers == [0.65, 0.8, 1.0])
        #expect(space.stem.filter(\.skippable).map(\.name) == ["stem.conv1"])
    }

    @Test func spaceNameMustMatchItsFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spaces-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try String(contentsOf: Fixtures.spacesDirectory.appendingPathComponent("ofa-mbv3.yaml"), encoding: .utf8)
        try text.write(to: dir.appendingPathComponent("other.yaml"), atomically: true, encoding: .utf8)
        let message = Fixtures.message { _ = try SearchSpace(contentsOf: dir.appendingPathComponent("other.yaml")) }
        #expect(message?.hasPrefix("other.yaml: name: \"ofa-mbv3\" differs from the file name") == true)
    }

    @Test func unknownSpaceNamesTheKnownOnes() {
        let message = Fixtures.message { _ = try Fixtures.catalog.space(named: "fbnet") }
        #expect(message?.contains("unknown search space \"fbnet\"; known: ofa-mbv3, ofa-resnet50, proxylessnas-mbv2, vit-tiny") == true)
    }

    // MARK: Malformed spaces name the file, the field and the reason.

    static let base = """
        name: tiny
        family: mobilenet-v3
        resolutions: [32]
        stem:
          - {name: first_conv, type: conv, out: 8, kernel: 3, stride: 2, activation: hswish}
        stages:
          - {name: stage1, block: mbconv, out: 8, stride: 1, activation: relu, depths: [1, 2], kernels: [3, 5], expands: [3, 4]}
          - {name: stage2, block: mbconv, out: 16, stride: 2, activation: hswish, se: true, depths: [1, 2], kernels: [3, 5], expands: [3, 4]}
          - {name: stage3, block: mbconv, out: 16, stride: 1, activation: hswish, se: true, depths: [1], kernels: [3, 5], expands: [3, 4]}
        head:
          - {name: pool, type: globalPool}
          - {name: classifier, type: linear, out: 10}
        """

    @Test func theBaseFixtureLoads() throws {
        let space = try SearchSpace(yaml: Self.base, file: "tiny.yaml")
        #expect(space.stages.count == 3)
        #expect(space.head.last?.outChannels == 10)
    }

    struct Broken: CustomTestStringConvertible, Sendable {
        var replace: String
        var with: String
        var message: String
        var testDescription: String { message }
    }

    static let broken = [
        Broken(
            replace: "se: true, depths: [1], kernels: [3, 5]", with: "se: true, depths: [1], kernels: [3, 4]",
            message: "tiny.yaml: stages[2].kernels[1]: 4 is not an odd size in 1...11"),
        Broken(
            replace: "se: true, depths: [1], kernels: [3, 5]", with: "se: true, depths: [1], kernels: [3, 13]",
            message: "tiny.yaml: stages[2].kernels[1]: 13 is not an odd size in 1...11"),
        Broken(
            replace: "family: mobilenet-v3", with: "family: mobilenet-v4",
            message: "tiny.yaml: family: \"mobilenet-v4\" is not one of mobilenet-v2, mobilenet-v3, resnet, vit"),
        Broken(replace: "resolutions: [32]", with: "resolutions: [64, 32]", message: "tiny.yaml: resolutions: must be ascending"),
        Broken(replace: "resolutions: [32]", with: "resolutions: [32, abc]", message: "tiny.yaml: resolutions[1]: expected an integer, found abc"),
        Broken(replace: "resolutions: [32]\n", with: "", message: "tiny.yaml: missing required field resolutions"),
        Broken(
            replace: "depths: [1, 2], kernels: [3, 5], expands: [3, 4]}\n  - {name: stage2",
            with: "depths: [1, 2], kernals: [3, 5], expands: [3, 4]}\n  - {name: stage2",
            message:
                "tiny.yaml: stages[0]: unknown field \"kernals\"; expected one of name, block, out, stride, activation, se, baseDepth, depths, kernels, expands, heads"
        ),
        Broken(
            replace: "stride: 2, activation: hswish, se: true", with: "stride: 9, activation: hswish, se: true",
            message: "tiny.yaml: stages[1].stride: 9 is outside 1...4"),
        Broken(
            replace: "activation: relu, depths", with: "activation: swish, depths",
            message: "tiny.yaml: stages[0].activation: \"swish\" is not one of none, relu, relu6, hswish, gelu"),
        Broken(
            replace: "depths: [1, 2], kernels: [3, 5], expands: [3, 4]}\n  - {name: stage2",
            with: "depths: [0, 2], kernels: [3, 5], expands: [3, 4]}\n  - {name: stage2",
            message: "tiny.yaml: stages[0].depths: every choice must leave the stage at least one block (baseDepth 0)"),
        Broken(
            replace: "expands: [3, 4]}\n  - {name: stage2", with: "expands: [0.5, 4]}\n  - {name: stage2",
            message: "tiny.yaml: stages[0].expands: 0.5 is outside 1...16"),
        Broken(
            replace: "block: mbconv, out: 8", with: "block: bottleneck, out: 8",
            message: "tiny.yaml: stages[0].block: a mobilenet-v3 space has mbconv stages, not bottleneck"),
        Broken(replace: "{name: stage3,", with: "{name: stage1,", message: "tiny.yaml: stages[2].name: \"stage1\" names two layers or stages"),
        Broken(
            replace: "  - {name: classifier, type: linear, out: 10}", with: "", message: "tiny.yaml: head: the last head layer must be the linear classifier"),
        Broken(replace: "resolutions: [32]", with: "resolutions: [32", message: "tiny.yaml: not valid YAML or JSON:"),
    ]

    @Test(arguments: broken)
    func malformedSpacesSayWhatIsWrong(_ c: Broken) {
        let text = Self.base.replacingOccurrences(of: c.replace, with: c.with)
        #expect(text != Self.base, "fixture replacement did not apply")
        let message = Fixtures.message { _ = try SearchSpace(yaml: text, file: "tiny.yaml") }
        #expect(message?.hasPrefix(c.message) == true, "got \(message ?? "no error")")
    }

    @Test func emptyDocumentIsAnError() {
        #expect(Fixtures.message { _ = try SearchSpace(yaml: "# nothing\n", file: "empty.yaml") } == "empty.yaml: the document is empty")
    }
}
