import Tables
import Testing

@Suite struct BlockKeyTests {
    @Test func expandedConvKeyMatchesOnceForAllSpelling() {
        let key = BlockKey(
            kind: .expandedConv, input: .init(56, 56, 24), output: .init(28, 28, 40), expand: 144, kernel: 5, stride: 2,
            identitySkip: 0, squeezeExcite: 1, hardSwish: 0)
        #expect(key.ofaKey == "expanded_conv-input:56x56x24-output:28x28x40-expand:144-kernel:5-stride:2-idskip:0-se:1-hs:0")
    }

    @Test func stemKeyHasOnlyShapes() {
        let key = BlockKey(kind: .firstConv, input: .init(224, 224, 3), output: .init(112, 112, 16))
        #expect(key.ofaKey == "Conv-input:224x224x3-output:112x112x16")
    }

    @Test func logitsOutputIsTheBareClassCount() {
        let key = BlockKey(kind: .logits, input: .init(1, 1, 1280), output: .init(features: 1000))
        #expect(key.ofaKey == "Logits-input:1x1x1280-output:1000")
        #expect(BlockKey(kind: .avgPool, input: .init(7, 7, 960), output: .init(1, 1, 960)).ofaKey == "AvgPool2D-input:7x7x960-output:1x1x960")
    }

    @Test func proxylessKeyHasNoSqueezeExciteOrHardSwish() {
        let key = BlockKey(kind: .expandedConv, input: .init(112, 112, 32), output: .init(112, 112, 16), expand: 1, kernel: 3, stride: 1, identitySkip: 0)
        #expect(key.ofaKey == "expanded_conv-input:112x112x32-output:112x112x16-expand:1-kernel:3-stride:1-idskip:0")
    }

    @Test func onlyExpandedConvSpellsBlockFields() {
        // OFA's query appends them for expanded_conv alone.
        let key = BlockKey(
            kind: .finalExpand, input: .init(7, 7, 160), output: .init(7, 7, 960), expand: 960, kernel: 1, stride: 1, identitySkip: 0, squeezeExcite: 0,
            hardSwish: 1)
        #expect(key.ofaKey == "Conv_1-input:7x7x160-output:7x7x960")
    }
}
