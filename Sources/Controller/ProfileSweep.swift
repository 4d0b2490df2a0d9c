import BenchCore
import Foundation
import Yams

/// Expands `sweep:` mappings into plain benchmarks (docs/formats.md, "Sweeps"), so every
/// consumer (run, compile, reports) sees ordinary benchmarks. A sweep stands for the Cartesian
/// product of its values: keys in the order written (the profile's `sweep` before the
/// benchmark's; the first key varies slowest), values in the order written. A measurement
/// setting key overrides that setting; `resolution` and `batch` fix the first input of an
/// ONNX model with dynamic dimensions.
public enum ProfileSweep {
    /// A profile expands to at most this many benchmarks, so a typo cannot queue hours of work.
    public static let maxBenchmarks = 1000
    /// Sweep keys that change the model's input shape rather than a measurement setting.
    public static let shapeKeys = ["resolution", "batch"]

    /// `profile` with every sweep expanded in place and `sweep` cleared everywhere. Checks
    /// every value, that names stay valid and distinct (benchmarks without a sweep included)
    /// and the size limit. `text` (the profile's YAML) lets errors name lines; `directory` is
    /// where relative model paths resolve (ONNX models are read for `resolution`/`batch`).
    public static func expand(_ profile: Profile, path: String, text: String?, directory: URL?) throws(ControllerError) -> Profile {
        let locator = YAMLLocator(text: text)
        if profile.sweep?.axes.isEmpty == true { throw .profile(path: path, reason: "\(locator.describe([.key("sweep")])): a sweep needs at least one key") }
        var out = profile
        out.sweep = nil
        out.benchmarks = []
        var origin: [String: Int] = [:]
        for (index, spec) in profile.benchmarks.enumerated() {
            if spec.sweep?.axes.isEmpty == true {
                throw .profile(path: path, reason: "\(locator.describe([.key("benchmarks"), .index(index), .key("sweep")])): a sweep needs at least one key")
            }
            let axes = combinedAxes(profile: profile.sweep, benchmark: spec.sweep, index: index)
            let expansion = Expansion(spec: spec, index: index, path: path, locator: locator, profile: profile)
            let produced = try axes.isEmpty ? [spec] : expansion.benchmarks(axes: axes, directory: directory, already: out.benchmarks.count)
            for var benchmark in produced {
                benchmark.sweep = nil
                if let first = origin[benchmark.name] {
                    let context =
                        if axes.isEmpty {
                            "appears twice (benchmarks[\(first)] and benchmarks[\(index)])"
                        } else if first == index {
                            "appears twice: benchmarks[\(index)] expands to it twice (values that differ only in characters a name cannot hold give the same name)"
                        } else {
                            "appears twice: benchmarks[\(index)] expands to it and benchmarks[\(first)] has it too"
                        }
                    throw .profile(path: path, reason: "\(locator.describe(expansion.sweepLocation(axesEmpty: axes.isEmpty))): \(benchmark.name) \(context)")
                }
                origin[benchmark.name] = index
                out.benchmarks.append(benchmark)
            }
            if out.benchmarks.count > maxBenchmarks {
                throw .profile(
                    path: path,
                    reason:
                        "\(locator.describe(expansion.sweepLocation(axesEmpty: axes.isEmpty))): the profile expands to more than \(maxBenchmarks) benchmarks; sweep fewer values or split the profile"
                )
            }
        }
        return out
    }

    /// One parameter to expand over, and where it was written.
    struct Axis {
        var name: String
        var values: [SweepValue]
        var location: [YAMLLocator.Step]
    }

    /// The profile's axes, then the benchmark's; a key in both takes the benchmark's values
    /// (and its location) at the profile's position.
    static func combinedAxes(profile: Sweep?, benchmark: Sweep?, index: Int) -> [Axis] {
        var axes = (profile?.axes ?? []).map { Axis(name: $0.name, values: $0.values, location: [.key("sweep"), .key($0.name)]) }
        for axis in benchmark?.axes ?? [] {
            let own = Axis(name: axis.name, values: axis.values, location: [.key("benchmarks"), .index(index), .key("sweep"), .key(axis.name)])
            if let at = axes.firstIndex(where: { $0.name == axis.name }) { axes[at] = own } else { axes.append(own) }
        }
        return axes
    }
}

/// Why one sweep value or combination cannot be used; the caller adds file and line.
struct SweepProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

/// The expansion of one benchmark entry.
struct Expansion {
    let spec: BenchmarkSpec
    let index: Int
    let path: String
    let locator: YAMLLocator
    let profile: Profile

    /// Where to point at for problems of the sweep as a whole: the benchmark's `sweep`, else the profile's.
    func sweepLocation(axesEmpty: Bool) -> [YAMLLocator.Step] {
        if axesEmpty { return [.key("benchmarks"), .index(index), .key("name")] }
        return spec.sweep == nil ? [.key("sweep")] : [.key("benchmarks"), .index(index), .key("sweep")]
    }

    func fail(_ location: [YAMLLocator.Step], _ message: String) -> ControllerError {
        .profile(path: path, reason: "\(locator.describe(location)): \(message)")
    }

    /// A value interpreted for its axis: canonical text (names, parameters, duplicate checks)
    /// and what it sets.
    struct Value {
        var text: String
        /// Set for a measurement setting: the value as that setting's YAML node.
        var setting: Node?
        /// Set for `resolution` and `batch`.
        var size: Int?
    }

    func benchmarks(axes: [ProfileSweep.Axis], directory: URL?, already: Int) throws(ControllerError) -> [BenchmarkSpec] {
        let whole = sweepLocation(axesEmpty: false)
        if let empty = axes.first(where: { $0.values.isEmpty }) {
            throw fail(empty.location, "sweep key \(empty.name) needs at least one value")
        }
        var count = 1
        for axis in axes {
            let (product, overflow) = count.multipliedReportingOverflow(by: axis.values.count)
            count = overflow ? Int.max : product
        }
        if count > ProfileSweep.maxBenchmarks - already {
            let total = count == Int.max ? "more than \(Int.max)" : "\(count)"
            throw fail(
                whole,
                "benchmark \(spec.name) expands to \(total) benchmarks (after \(already) before it); a profile may expand to at most \(ProfileSweep.maxBenchmarks): sweep fewer values or split the profile"
            )
        }
        var input: FirstInput?
        if let shapeAxis = axes.first(where: { ProfileSweep.shapeKeys.contains($0.name) }) {
            do throws(SweepProblem) { input = try FirstInput.read(spec, directory: directory) } catch {
                throw fail(shapeAxis.location, "benchmark \(spec.name): \(error.message)")
            }
        }
        var resolved: [[Value]] = []
        for axis in axes {
            var values: [Value] = []
            for (j, raw) in axis.values.enumerated() {
                let value: Value
                do throws(SweepProblem) { value = try interpret(raw, axis: axis.name, input: input) } catch {
                    throw fail(axis.location + [.index(j)], error.message)
                }
                if values.contains(where: { $0.text == value.text }) {
                    throw fail(axis.location + [.index(j)], "sweep key \(axis.name) lists \(value.text.debugDescription) twice")
                }
                values.append(value)
            }
            resolved.append(values)
        }
        var out: [BenchmarkSpec] = []
        var position = [Int](repeating: 0, count: axes.count)
        repeat {
            let chosen = position.indices.map { resolved[$0][position[$0]] }
            out.append(try combination(axes: axes, values: chosen, input: input, location: whole))
        } while advance(&position, sizes: resolved.map(\.count))
        return out
    }

    /// Odometer step, the last axis fastest; false once every combination was produced.
    private func advance(_ position: inout [Int], sizes: [Int]) -> Bool {
        for i in position.indices.reversed() {
            position[i] += 1
            if position[i] < sizes[i] { return true }
            position[i] = 0
        }
        return false
    }

    private func interpret(_ raw: SweepValue, axis: String, input: FirstInput?) throws(SweepProblem) -> Value {
        guard let input, ProfileSweep.shapeKeys.contains(axis) else {
            // Shape keys always come with an input (read before any value is interpreted).
            let node = try SweepSettings.canonical(raw, key: axis)
            return Value(text: SweepSettings.text(of: node), setting: node)
        }
        guard case .scalar(let text) = raw, let size = Int(text), size >= 1, size <= Int(Int32.max) else {
            throw SweepProblem("sweep key \(axis) takes whole numbers 1...\(Int32.max), not \(raw.description)")
        }
        if let problem = axis == "batch" ? input.problem(batch: size) : input.problem(resolution: size) { throw SweepProblem(problem) }
        return Value(text: String(size), size: size)
    }

    private func combination(axes: [ProfileSweep.Axis], values: [Value], input: FirstInput?, location: [YAMLLocator.Step]) throws(ControllerError)
        -> BenchmarkSpec
    {
        let parameters = zip(axes, values).map { SweepParameter(name: $0.name, value: $1.text) }
        var benchmark = spec
        benchmark.name = Sweep.benchmarkName(base: spec.name, parameters: parameters)
        benchmark.parameters = parameters
        guard EntityName.isValid(benchmark.name) else {
            throw fail(
                location,
                "benchmark \(spec.name) expands to \(benchmark.name.debugDescription), which is not a valid name (names must match \(EntityName.rule))"
            )
        }
        do throws(SweepProblem) {
            let swept = zip(axes, values).compactMap { axis, value in value.setting.map { (key: axis.name, node: $0) } }
            benchmark.settings = try SweepSettings.merged(spec.settings, swept)
            if let input {
                let size = { (key: String) in zip(axes, values).first { $0.0.name == key }?.1.size }
                benchmark.inputShapes = try input.inputShapes(batch: size("batch"), resolution: size("resolution"))
            }
        } catch {
            throw fail(location, "benchmark \(benchmark.name): \(error.message)")
        }
        if let problem = profile.effectiveSettings(for: benchmark).problem() {
            throw fail(location, "benchmark \(benchmark.name): \(problem)")
        }
        return benchmark
    }
}

extension SweepValue {
    /// The value as it would be written in flow YAML, for messages.
    var description: String {
        switch self {
        case .scalar(let text): text.debugDescription
        case .list(let items): "[\(items.joined(separator: ", "))]"
        }
    }
}
