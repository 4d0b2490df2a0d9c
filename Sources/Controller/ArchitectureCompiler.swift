import Foundation
import ModelPlan
import Spaces

/// Compiles search-space architecture specs (`.yaml`, `.yml`, `.json`, OFA's arch dict form
/// included) into graphs with seeded weights.
enum ArchitectureCompiler {
    /// Spaces are looked up next to the spec first (a user's own space), then in
    /// `Profiles/spaces` of the working directory, then among the embedded built-ins.
    static func catalog(near spec: URL) -> SpaceCatalog {
        var dirs = [spec.deletingLastPathComponent(), URL(fileURLWithPath: "Profiles/spaces")]
        if let builtin = BundledResources.spacesDirectory { dirs.append(builtin) }
        return SpaceCatalog(directories: dirs)
    }

    static func graph(specAt url: URL) throws(ControllerError) -> Graph {
        guard FileManager.default.fileExists(atPath: url.path) else { throw .fileNotFound(path: url.path, what: "architecture spec") }
        do {
            let catalog = catalog(near: url)
            let arch = try Architecture(contentsOf: url, catalog: catalog)
            let space = try catalog.space(named: arch.space)
            return try SpaceCompiler.graph(for: arch, in: space)
        } catch {
            throw .model(path: url.path, reason: error.description)
        }
    }
}
