import Testing

@testable import Runtime

/// The fast paths produce the same numbers as the general loop, so only a look at the chosen
/// layout shows that each one is actually taken.
@Suite struct BroadcastLayoutTests {
    private func describe(_ a: [Int], _ b: [Int], _ out: [Int]) -> String {
        switch BinaryKernel.layout(a, b, out) {
        case .same(let n): "same \(n)"
        case .scalarA(let n): "scalarA \(n)"
        case .scalarB(let n): "scalarB \(n)"
        case .channel(let outer, let channels, let inner, let vectorIsB): "channel \(outer)x\(channels)x\(inner) \(vectorIsB ? "B" : "A")"
        case .trailing(let rows, let length, let vectorIsB): "trailing \(rows)x\(length) \(vectorIsB ? "B" : "A")"
        case .strided(let outer, let inner, let innerA, let innerB): "strided \(outer.count)x\(inner) \(innerA)\(innerB)"
        }
    }

    @Test func eachShapePairSelectsItsLayout() {
        #expect(describe([2, 3, 5, 7], [2, 3, 5, 7], [2, 3, 5, 7]) == "same 210")
        #expect(describe([1, 1], [1], [1, 1]) == "same 1")
        #expect(describe([3, 41], [1], [3, 41]) == "scalarB 123")
        #expect(describe([], [4, 19], [4, 19]) == "scalarA 76")
        #expect(describe([2, 5, 4, 9], [5, 1, 1], [2, 5, 4, 9]) == "channel 2x5x36 B")
        #expect(describe([1, 5, 1, 1], [2, 5, 3, 7], [2, 5, 3, 7]) == "channel 2x5x21 A")
        #expect(describe([6, 4, 5], [6, 1, 1], [6, 4, 5]) == "channel 1x6x20 B")
        #expect(describe([2, 3, 17], [17], [2, 3, 17]) == "trailing 6x17 B")
        #expect(describe([1, 19], [4, 2, 19], [4, 2, 19]) == "trailing 8x19 A")
        #expect(describe([3, 1, 5], [4, 1], [3, 4, 5]) == "strided 12x5 10")
        #expect(describe([2, 1, 6], [2, 3, 6], [2, 3, 6]) == "strided 6x6 11")
        #expect(describe([1, 4, 1, 3], [2, 1, 5, 1], [2, 4, 5, 3]) == "strided 40x3 10")
    }
}
