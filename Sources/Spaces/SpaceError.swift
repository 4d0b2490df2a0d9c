import BenchCore
import ModelPlan

/// Why a search space or an architecture could not be loaded, checked or compiled. Every
/// message names the file (or source), the field and the reason, in that order.
public enum SpaceError: Error, CustomStringConvertible, Sendable, Equatable, ExitStatusProviding {
    /// A field of a space or arch spec is malformed or outside what the space allows.
    /// `field` is a path such as `stages[2].kernels`; empty for the document itself.
    case invalid(file: String, field: String, reason: String)
    /// No built-in or search-path space has this name.
    case unknownSpace(name: String, known: [String], searched: [String])
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The space or architecture passed its checks, but building the graph failed: a bug in
    /// a space definition or in the compiler, never the user's input.
    case compile(space: String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let file, let field, let reason):
            field.isEmpty ? "\(file): \(reason)" : "\(file): \(field): \(reason)"
        case .unknownSpace(let name, let known, let searched):
            "unknown search space \(name.debugDescription); known: \(known.isEmpty ? "none" : known.joined(separator: ", "))"
                + (searched.isEmpty ? "" : " (searched \(searched.joined(separator: ", ")))")
                + "; pass the path of its YAML file or add its folder to the search path"
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .compile(let space, let reason): "space \(space): cannot build the network: \(reason)"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .invalid: .dataError
        case .unknownSpace, .unreadable: .noInput
        case .compile: .failure
        }
    }
}
