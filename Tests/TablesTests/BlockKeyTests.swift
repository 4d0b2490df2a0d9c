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
}
