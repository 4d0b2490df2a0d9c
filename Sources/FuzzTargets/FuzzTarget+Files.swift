import BenchCore
import Controller
import Foundation
import Spaces

extension FuzzTarget {
    /// Relative model paths in a fuzzed profile resolve here, where nothing exists: a sweep over
    /// an ONNX model's input shape must not read whatever file a mutation happens to name.
    static let noModels = URL(fileURLWithPath: "/nonexistent/boardbench-fuzz", isDirectory: true)

    static func profile(_ bytes: [UInt8]) -> Outcome {
        text(bytes) { text throws(ControllerError) in _ = try ProfileLoader.parse(text, path: "fuzz.yaml", directory: noModels) }
    }

    /// The file is `Devices/pi5.yaml`, so seeds say `name: pi5`.
    static func device(_ bytes: [UInt8]) -> Outcome {
        text(bytes) { text throws(ControllerError) in _ = try DeviceFile.parse(text, name: "pi5", path: "Devices/pi5.yaml") }
    }

    static func board(_ bytes: [UInt8]) -> Outcome {
        text(bytes) { text throws(ControllerError) in _ = try BoardDescriptor.parse(text, path: "Devices/boards/fuzz.yaml") }
    }

    static func space(_ bytes: [UInt8]) -> Outcome {
        text(bytes) { text throws(SpaceError) in _ = try SearchSpace(yaml: text, file: "fuzz.yaml") }
    }

    static func npy(_ bytes: [UInt8]) -> Outcome {
        do { _ = try NPY.decode(bytes) } catch { return .rejected(error.description) }
        return .accepted
    }

    /// YAML files are read as UTF-8 text (`String(contentsOf:encoding: .utf8)`), which fails on
    /// anything else before a parser sees it.
    private static func text<E: Error & CustomStringConvertible>(_ bytes: [UInt8], _ parse: (String) throws(E) -> Void) -> Outcome {
        guard let text = String(validating: bytes, as: UTF8.self) else { return .rejected("not UTF-8") }
        do { try parse(text) } catch { return .rejected(error.description) }
        return .accepted
    }
}
