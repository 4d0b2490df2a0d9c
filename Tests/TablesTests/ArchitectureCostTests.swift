import Foundation
import ModelPlan
import Spaces
import Tables
import Testing

/// The shipped search spaces (`Profiles/spaces`), loaded from their files.
enum ShippedSpaces {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Profiles/spaces")
    static let names = ["ofa-mbv3", "ofa-resnet50", "proxylessnas-mbv2", "vit-tiny"]

    static func space(_ name: String) throws -> SearchSpace {
        try SearchSpace(contentsOf: directory.appendingPathComponent("\(name).yaml"))
    }

    /// A random architecture that also varies what `randomArchitecture` leaves alone: a width
    /// per stage and per scaled fixed layer, and skippable layers (OFA ResNet's `w` and `d[0]`).
    static func random(_ space: SearchSpace, using rng: inout SeededRandom) throws -> Architecture {
        var arch = space.randomArchitecture(using: &rng)
        if space.widthMultipliers.count > 1 {
            for s in arch.stages.indices { arch.stages[s].widthMultiplier = space.widthMultipliers.randomElement(using: &rng) }
            for layer in space.fixedLayers where layer.isScaled && !layer.residual {
                arch.layerWidths[layer.name] = space.widthMultipliers.randomElement(using: &rng)
            }
        }
        for layer in space.fixedLayers where layer.skippable && Bool.random(using: &rng) { arch.skippedLayers.insert(layer.name) }
        return try space.check(arch)
    }
}

@Suite struct ArchitectureCostTests {
    @Test(arguments: ShippedSpaces.names)
    func analyticCostEqualsCompiledGraphCost(spaceName: String) throws {
        let space = try ShippedSpaces.space(spaceName)
        var rng = SeededRandom(seed: 0xC057)
        var archs = [space.extremeArchitecture(.smallest)]
        for _ in 0..<6 { archs.append(try ShippedSpaces.random(space, using: &rng)) }
        var variedWidths = false
        for arch in archs {
            let analytic = try ArchitectureCost(arch, in: space)
            let graph = GraphCost(try SpaceCompiler.graph(for: arch, in: space))
            #expect(analytic.macs == graph.macs, "\(arch.canonical)")
            #expect(analytic.parameters == graph.parameters, "\(arch.canonical)")
            variedWidths = variedWidths || !arch.layerWidths.isEmpty || arch.stages.contains { $0.widthMultiplier != nil }
        }
        // The resnet space's per-stage and stem widths must have been exercised, not just the global one.
        #expect(variedWidths == (space.widthMultipliers.count > 1))
    }

    @Test func layerCostsAddUpToTheArchitecture() throws {
        let space = try ShippedSpaces.space("ofa-mbv3")
        let arch = space.extremeArchitecture(.largest, resolution: 160)
        let layers = try SpaceCompiler.layers(for: arch, in: space)
        let summed = layers.map(ArchitectureCost.of).reduce(ArchitectureCost(macs: 0, parameters: 0)) {
            ArchitectureCost(macs: $0.macs + $1.macs, parameters: $0.parameters + $1.parameters)
        }
        #expect(summed == ArchitectureCost(layers: layers))
        #expect(layers.map(ArchitectureCost.of).allSatisfy { $0.parameters >= 0 && $0.macs >= 0 })
        #expect(ArchitectureCost.of(layers.first { $0.kind == .globalPool }!) == ArchitectureCost(macs: 0, parameters: 0))
    }

    @Test func rejectsAnArchitectureOutsideTheSpace() throws {
        let space = try ShippedSpaces.space("ofa-mbv3")
        var arch = space.extremeArchitecture(.smallest)
        arch.stages[0].depth = 9
        #expect(throws: SpaceError.self) { try ArchitectureCost(arch, in: space) }
    }
}
