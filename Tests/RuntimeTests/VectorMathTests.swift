import Foundation
import ModelPlan
import Runtime
import Testing

/// The vectorised erf and GELU against libm over the range models use, through the Erf and
/// Gelu ops (every lane position and the zero-padded tail).
struct VectorMathTests {
    static func run(_ op: OpCode, _ values: [Float]) throws -> [Float] {
        var b = GraphBuilder(name: "v")
        let x = try b.input("x", shape: [values.count])
        b.output(try b.node(op, [x]))
        let e = Executor(graph: b.graph)
        try e.setInput(0, values)
        e.execute()
        return e.output(0)
    }

    static let inputs: [Float] = (0..<4003).map { Float($0 - 2001) / 250 } + [0, -0, 1e-8, -1e-8, 30, -30, 1e30, -1e30]

    @Test func erfIsWithin4e7OfLibm() throws {
        let got = try Self.run(.erf, Self.inputs)
        for (x, g) in zip(Self.inputs, got) { #expect(abs(g - erff(x)) <= 4e-7, "erf(\(x)) = \(g), libm \(erff(x))") }
    }

    @Test func geluMatchesTheErfFormWithinTheGoldenTolerance() throws {
        let got = try Self.run(.gelu, Self.inputs.filter { abs($0) < 1e3 })
        for (x, g) in zip(Self.inputs.filter { abs($0) < 1e3 }, got) {
            let want = Float(0.5 * Double(x) * (1 + Foundation.erf(Double(x) / 2.0.squareRoot())))
            #expect(abs(g - want) <= 1e-6 + 1e-5 * abs(want), "gelu(\(x)) = \(g), want \(want)")
        }
    }
}
