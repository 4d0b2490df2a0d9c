import ModelPlan
import Spaces
import Testing

@Suite struct ArchitectureParsingTests {
    /// An OFA MobileNetV3 subnet as `sample_active_subnet()` returns it (plus `r`): 20 kernel and
    /// expand entries, 4 per stage, of which only the first d are active.
    static let ofaDict = """
        {"ks": [3, 5, 7, 9,  5, 5, 3, 3,  7, 3, 5, 5,  3, 3, 3, 3,  7, 7, 5, 3],
         "e":  [3, 4, 6, 8,  6, 6, 4, 4,  3, 3, 6, 6,  4, 4, 4, 4,  6, 6, 3, 3],
         "d":  [3, 2, 4, 2, 4],
         "r":  [176]}
        """

    @Test func ofaDictParsesAndIgnoresEntriesPastTheActiveDepth() throws {
        // Stage 1 has depth 3, so its fourth entries (kernel 9, expand 8, both outside the
        // space) are never read, exactly as OFA ignores them.
        let arch = try Fixtures.arch(Self.ofaDict, source: "subnet.json")
        #expect(arch.space == "ofa-mbv3")
        #expect(arch.resolution == 176)
        #expect(arch.stages.map(\.depth) == [3, 2, 4, 2, 4])
        #expect(arch.stages[0].kernels == [3, 5, 7] && arch.stages[0].expands == [3, 4, 6])
        #expect(arch.stages[1].kernels == [5, 5] && arch.stages[1].expands == [6, 6])
        #expect(arch.stages[2].kernels == [7, 3, 5, 5])
        #expect(arch.stages[3].kernels == [3, 3] && arch.stages[3].expands == [4, 4])
        #expect(arch.stages[4].kernels == [7, 7, 5, 3] && arch.stages[4].expands == [6, 6, 3, 3])
        #expect(
            arch.canonical
                == #"{"space":"ofa-mbv3","resolution":176,"widthMultiplier":1,"stages":[{"depth":3,"kernels":[3,5,7],"expands":[3,4,6]},{"depth":2,"kernels":[5,5],"expands":[6,6]},{"depth":4,"kernels":[7,3,5,5],"expands":[3,3,6,6]},{"depth":2,"kernels":[3,3],"expands":[4,4]},{"depth":4,"kernels":[7,7,5,3],"expands":[6,6,3,3]}]}"#
        )
    }

    @Test func ofaDictWithScalarsAndNoResolution() throws {
        let arch = try Fixtures.arch(#"{"ks": 7, "e": 6, "d": 4}"#)
        #expect(arch == (try Fixtures.space("ofa-mbv3")).extremeArchitecture(.largest))
        #expect(arch.resolution == 224)
        let named = try Fixtures.arch(#"{"space": "ofa-mbv3", "ks": 3, "e": 3, "d": 2, "r": 128}"#)
        #expect(named == (try Fixtures.space("ofa-mbv3")).extremeArchitecture(.smallest, resolution: 128))
    }

    @Test(arguments: Fixtures.shippedNames)
    func generatedArchitecturesAreAlreadyNormal(_ name: String) throws {
        let space = try Fixtures.space(name)
        var rng = SeededRandom(seed: 1)
        let archs = [space.extremeArchitecture(.smallest), space.extremeArchitecture(.largest)] + (0..<20).map { _ in space.randomArchitecture(using: &rng) }
        for arch in archs {
            #expect(try space.check(arch) == arch)
            #expect(try Fixtures.arch(arch.canonical) == arch)
            let layers = try SpaceCompiler.layers(for: arch, in: space)
            #expect(layers.last?.output == [1000])
        }
    }

    @Test func canonicalFormParsesBackToTheSameArchitecture() throws {
        let arch = try Fixtures.arch(Self.ofaDict)
        #expect(try Fixtures.arch(arch.canonical) == arch)
        let resnet = try Fixtures.arch(Self.resnetDict)
        #expect(try Fixtures.arch(resnet.canonical) == resnet)
    }

    struct Bad: CustomTestStringConvertible, Sendable {
        var text: String
        var message: String
        var testDescription: String { message }
    }

    static let badOFA = [
        Bad(
            text: #"{"ks": [3,5,7,7, 3,9,3,3, 3,3,3,3, 3,3,3,3, 3,3,3,3], "e": 3, "d": [4,2,2,2,2]}"#,
            message: "arch.yaml: ks[5]: kernel 9 is not one of 3, 5, 7 (stage stage2, block 2)"),
        Bad(
            text: #"{"ks": 3, "e": [3,3,3,3, 3,3,3,3, 5,3,3,3, 3,3,3,3, 3,3,3,3], "d": 4}"#,
            message: "arch.yaml: e[8]: expand ratio 5 is not one of 3, 4, 6 (stage stage3, block 1)"),
        Bad(text: #"{"ks": 3, "e": 3, "d": [2, 2, 5, 2, 2]}"#, message: "arch.yaml: d[2]: 5 is not one of stage stage3's depth choices [2, 3, 4]"),
        Bad(text: #"{"ks": 3, "e": 3, "d": [2, 2, 2, 2]}"#, message: "arch.yaml: d: 4 entries; ofa-mbv3 needs 5 (one per stage)"),
        Bad(text: #"{"ks": [3, 3], "e": 3, "d": 2}"#, message: "arch.yaml: ks: 2 entries; ofa-mbv3 needs 20 (4+4+4+4+4 blocks per stage)"),
        Bad(text: #"{"ks": 3, "e": 3, "d": 2, "r": 230}"#, message: "arch.yaml: r: 230 is not one of ofa-mbv3's resolutions [128, 132, ..., 224]"),
        Bad(text: #"{"ks": 3, "d": 2}"#, message: "arch.yaml: missing required field e"),
        Bad(text: #"{"ks": 3, "e": 3, "d": 2, "kernel": 3}"#, message: "arch.yaml: unknown field \"kernel\""),
        Bad(text: #"{"ks": 3, "e": 3, "d": 2, "resolution": 224}"#, message: "arch.yaml: mixes OFA's dict keys (ks, e, d) with the spec form's (resolution)"),
        Bad(text: #"{"space": "fbnet-a", "ks": 3, "e": 3, "d": 2}"#, message: "arch.yaml: space: unknown search space \"fbnet-a\""),
        Bad(text: #"{"ks": 3, "e": 3, "d": 2, "r": [224, 192]}"#, message: "arch.yaml: r: one resolution per architecture, got 2"),
    ]

    @Test(arguments: badOFA)
    func ofaDictChoicesAreChecked(_ c: Bad) {
        let message = Fixtures.message { _ = try Fixtures.arch(c.text) }
        #expect(message?.hasPrefix(c.message) == true, "got \(message ?? "no error")")
    }

    // MARK: The spec form

    static let mobileNetV2 = """
        space: proxylessnas-mbv2
        resolution: 224
        stages:
        \(Fixtures.uniformStages([2, 3, 4, 3, 3, 1], kernel: 3, expand: 6))
        """

    @Test func specFormParses() throws {
        let arch = try Fixtures.arch(
            """
            space: proxylessnas-mbv2
            resolution: 192
            stages:
              - {depth: 3, kernels: [3, 5, 7], expands: [6, 3, 6]}
              - {depth: 1, kernels: 5, expands: 3}
              - {depth: 4, kernels: 7, expands: [3, 3, 6, 6.0]}
              - {depth: 2, kernels: [3, 3], expands: 6}
              - {depth: 4, kernels: 3, expands: 6}
              - {depth: 1, kernels: [7], expands: [6]}
            """)
        #expect(arch.resolution == 192 && arch.widthMultiplier == 1)
        #expect(arch.stages[0] == Architecture.StageChoice(depth: 3, kernels: [3, 5, 7], expands: [6, 3, 6]))
        #expect(arch.stages[1] == Architecture.StageChoice(depth: 1, kernels: [5], expands: [3]))
        #expect(arch.stages[2].expands == [3, 3, 6, 6])
    }

    static let badSpec = [
        Bad(
            text: mobileNetV2.replacingOccurrences(of: "  - {depth: 4, kernels: 3", with: "  - {depth: 4, kernels: [3, 3, 9, 3]"),
            message: "arch.yaml: stages[2].kernels[2]: kernel 9 is not one of 3, 5, 7 (stage stage3, block 3)"),
        Bad(
            text: mobileNetV2.replacingOccurrences(of: "  - {depth: 4, kernels: 3", with: "  - {depth: 4, kernels: [3, 3]"),
            message: "arch.yaml: stages[2].kernels: 2 entries for the 4 blocks of stage stage3"),
        Bad(
            text: mobileNetV2.replacingOccurrences(of: "  - {depth: 1, kernels: 3", with: "  - {depth: 2, kernels: 3"),
            message: "arch.yaml: stages[5].depth: 2 blocks is not allowed in stage stage6 ([1])"),
        Bad(
            text: mobileNetV2.replacingOccurrences(of: "\n  - {depth: 1, kernels: 3, expands: 6.0}", with: ""),
            message: "arch.yaml: stages: 5 stages given; proxylessnas-mbv2 has 6 (stage1, stage2, stage3, stage4, stage5, stage6)"),
        Bad(
            text: mobileNetV2.replacingOccurrences(of: "resolution: 224", with: "resolution: 200"),
            message: "arch.yaml: resolution: 200 is not one of proxylessnas-mbv2's resolutions [128, 160, 192, 224]"),
        Bad(text: mobileNetV2.replacingOccurrences(of: "space: proxylessnas-mbv2\n", with: ""), message: "arch.yaml: missing required field space"),
        Bad(
            text: mobileNetV2.replacingOccurrences(of: "resolution: 224", with: "resolution: 224\nwidthMultiplier: 0.75"),
            message: "arch.yaml: widthMultiplier: 0.75 is not one of [1]"),
        Bad(
            text: mobileNetV2.replacingOccurrences(of: "resolution: 224", with: "resolution: 224\nembedDim: 192"),
            message: "arch.yaml: embedDim: only vit spaces have an embedding width"),
        Bad(
            text: mobileNetV2.replacingOccurrences(of: "resolution: 224", with: "resolution: big"),
            message: "arch.yaml: resolution: expected an integer, found big"),
    ]

    @Test(arguments: badSpec)
    func specChoicesAreChecked(_ c: Bad) {
        let message = Fixtures.message { _ = try Fixtures.arch(c.text) }
        #expect(message?.hasPrefix(c.message) == true, "got \(message ?? "no error")")
    }

    // MARK: OFA ResNet50's dict: the stem entry of d, width indices in w

    static let resnetDict =
        #"{"space": "ofa-resnet50", "d": [0, 1, 2, 0, 2], "e": [0.2, 0.25, 0.35, 0.2,  0.25, 0.25, 0.2, 0.35,  0.35, 0.35, 0.35, 0.35, 0.2, 0.2,  0.25, 0.25, 0.25, 0.25], "w": [0, 1, 2, 2, 1, 2], "r": 160}"#

    @Test func ofaResNetDict() throws {
        let arch = try Fixtures.arch(Self.resnetDict)
        #expect(arch.space == "ofa-resnet50" && arch.resolution == 160)
        #expect(arch.skippedLayers == ["stem.conv1"])  // d[0] = 0 is not the largest depth choice
        #expect(arch.stages.map(\.depth) == [3, 4, 4, 4])
        #expect(arch.stages[0].expands == [0.2, 0.25, 0.35])
        #expect(arch.stages[2].expands == [0.35, 0.35, 0.35, 0.35])
        #expect(arch.stages[3].expands == [0.25, 0.25, 0.25, 0.25])
        // The last width slot (stage 4, w = 1.0) is the global multiplier; the rest are overrides.
        #expect(arch.widthMultiplier == 1.0)
        #expect(arch.layerWidths == ["stem.conv0": 0.65, "stem.conv2": 0.8])
        #expect(arch.stages.map(\.widthMultiplier) == [nil, nil, 0.8, nil])
        let layers = try SpaceCompiler.layers(for: arch, in: try Fixtures.space("ofa-resnet50"))
        #expect(layers.prefix(3).map(\.name) == ["stem.conv0", "stem.conv2", "stem.pool"])
        #expect(layers[0].output == [24, 80, 80] && layers[1].output == [48, 80, 80])
        #expect(layers[3].output[0] == 256 && layers[3].middle == 48)  // make_divisible(round(256 * 0.2), 8)
    }

    @Test func widthSpellingsOfOneNetworkShareACanonicalForm() throws {
        let resnet = try Fixtures.space("ofa-resnet50")
        var a = resnet.extremeArchitecture(.largest)
        a.widthMultiplier = 0.8
        a.stages[3].widthMultiplier = 1.0
        a.layerWidths = ["stem.conv0": 1.0, "stem.conv2": 1.0]
        a.stages[0].widthMultiplier = 1.0
        a.stages[1].widthMultiplier = 1.0
        let b = resnet.extremeArchitecture(.largest)
        var c = b
        c.stages[2].widthMultiplier = 0.8
        let checkedA = try resnet.check(a), checkedC = try resnet.check(c)
        #expect(checkedA == checkedC)
        #expect(checkedA.canonical == checkedC.canonical)
        #expect(try resnet.check(b).canonical != checkedA.canonical)
    }

    @Test func vitSpecForm() throws {
        let arch = try Fixtures.arch(
            """
            space: vit-tiny
            resolution: 224
            embedDim: 216
            stages:
              - {depth: 8, expands: [4, 4, 3, 3, 2, 2, 4, 4], heads: 3}
            """)
        #expect(arch.embedDim == 216 && arch.stages[0].heads.isEmpty)  // one head choice: implied
        let message = Fixtures.message {
            _ = try Fixtures.arch("space: vit-tiny\nresolution: 224\nembedDim: 200\nstages:\n  - {depth: 8, expands: 4}")
        }
        #expect(message == "arch.yaml: embedDim: 200 is not one of [192, 216, 240]")
    }
}
