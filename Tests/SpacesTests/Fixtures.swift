import Foundation
import ModelPlan
import Spaces

/// The shipped spaces (`Profiles/spaces`) and small spaces written for the tests.
enum Fixtures {
    static let spacesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Profiles/spaces")
    static let shippedNames = ["ofa-mbv3", "ofa-resnet50", "proxylessnas-mbv2", "vit-tiny"]
    static let catalog = SpaceCatalog(directories: [spacesDirectory])

    static func space(_ name: String) throws -> SearchSpace { try catalog.space(named: name) }

    static func arch(_ text: String, source: String = "arch.yaml") throws -> Architecture {
        try Architecture.parse(text, source: source, catalog: catalog)
    }

    /// The error `body` throws as a `SpaceError` message, or nil when it succeeds.
    static func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let e as SpaceError {
            return e.description
        } catch {
            return "unexpected \(type(of: error)): \(error)"
        }
    }

    /// A stage list of `count` uniform stages, for spec-form YAML.
    static func uniformStages(_ depths: [Int], kernel: Int? = nil, expand: Double) -> String {
        depths.map { d in
            "  - {depth: \(d)" + (kernel.map { ", kernels: \($0)" } ?? "") + ", expands: \(expand)}"
        }.joined(separator: "\n")
    }
}
