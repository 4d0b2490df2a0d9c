import BenchCore
import Foundation
import ONNX

/// The first input of an ONNX model, for sweeping `batch` (its first dimension) and
/// `resolution` (H and W of an NCHW input) through the `inputShapes` mechanism. Builtin
/// models, plans and architecture specs fix their own shapes, so only ONNX models sweep them.
struct FirstInput {
    var name: String
    /// Declared dimensions, nil where dynamic; nil when the model declares no shape.
    var declared: [Int?]?
    /// The declared shape as written (`[batch, 3, h, w]`), for messages.
    var declaredText: String
    /// The benchmark's own `inputShapes` entry for this input, if it has one.
    var given: [Int]?
    /// The benchmark's `inputShapes` entries for other inputs, kept as written.
    var otherShapes: [String]

    /// Reads `spec`'s model (relative to `directory`) far enough to know its first input.
    static func read(_ spec: BenchmarkSpec, directory: URL?) throws(SweepProblem) -> FirstInput {
        guard ModelKind.of(spec.model) == .onnx else {
            let kind = spec.model.hasPrefix("builtin:") ? "a builtin model" : "not an ONNX model"
            throw SweepProblem(
                "resolution and batch can be swept only for ONNX models (.onnx) whose first input has dynamic dimensions; \(spec.model) is \(kind), which fixes its own input shape"
            )
        }
        let url = URL(fileURLWithPath: spec.model, relativeTo: directory)
        let model: ONNXModel
        do {
            model = try ONNXModel(bytes: [UInt8](try Data(contentsOf: url)))
        } catch let error as ONNXError {
            throw SweepProblem("model \(url.path) is not a readable ONNX model: \(error)")
        } catch {
            throw SweepProblem("cannot read model \(url.path): \(error.localizedDescription)")
        }
        let initializers = Set(model.graph.initializers.map(\.name))
        guard let input = model.graph.inputs.first(where: { !initializers.contains($0.name) }) else {
            throw SweepProblem("model \(spec.model) has no graph input to give a resolution or batch")
        }
        var given: [Int]?
        var others: [String] = []
        for entry in spec.inputShapes ?? [] {
            let parsed: [String: [Int]]
            do { parsed = try ImportOptions.parseInputShapes([entry]) } catch { throw SweepProblem("inputShapes: \(error)") }
            if let shape = parsed.first, shape.key.isEmpty || shape.key == input.name { given = shape.value } else { others.append(entry) }
        }
        let declared = input.shape.map { dims in
            dims.map { dim -> Int? in
                if case .value(let v) = dim, v > 0 { return Int(v) }
                return nil
            }
        }
        let text = input.shape.map { dims in
            "["
                + dims.map { dim in
                    switch dim {
                    case .value(let v): "\(v)"
                    case .parameter(let name): name
                    case .unknown: "?"
                    }
                }.joined(separator: ", ") + "]"
        }
        return FirstInput(name: input.name, declared: declared, declaredText: text ?? "(no shape declared)", given: given, otherShapes: others)
    }

    private var rank: Int? { given?.count ?? declared?.count }

    /// Why `batch` cannot be swept to `size`, or nil.
    func problem(batch size: Int) -> String? {
        guard let rank else { return noShape }
        guard rank >= 1 else { return "input '\(name)' is a scalar (declared shape \(declaredText)); it has no batch dimension" }
        if let fixed = declared?[0], fixed != size {
            return "input '\(name)' has a fixed batch of \(fixed) (declared shape \(declaredText)); only a dynamic batch dimension can be swept"
        }
        return nil
    }

    /// Why `resolution` cannot be swept to `size`, or nil.
    func problem(resolution size: Int) -> String? {
        guard let rank else { return noShape }
        guard rank == 4 else {
            return "resolution sets H and W of an NCHW input, but input '\(name)' has rank \(rank) (declared shape \(declaredText))"
        }
        if let declared, let fixed = [declared[2], declared[3]].compactMap({ $0 }).first(where: { $0 != size }) {
            return "input '\(name)' has a fixed height or width of \(fixed) (declared shape \(declaredText)); only dynamic H and W can be swept"
        }
        return nil
    }

    private var noShape: String {
        "input '\(name)' declares no shape, so its rank is unknown: give it in inputShapes (e.g. [1x3x224x224]) and sweep from there"
    }

    /// The benchmark's `inputShapes` with the first input's entry (unnamed, so it binds to
    /// the first input) set from `batch` and `resolution` on top of the given or declared
    /// shape. A dynamic batch that neither fixes defaults to 1; any other dynamic dimension
    /// must come from `inputShapes`.
    func inputShapes(batch: Int?, resolution: Int?) throws(SweepProblem) -> [String] {
        guard var dims: [Int?] = given ?? declared else { throw SweepProblem(noShape) }
        if !dims.isEmpty { dims[0] = batch ?? dims[0] ?? 1 }
        if let resolution, dims.count == 4 {
            dims[2] = resolution
            dims[3] = resolution
        }
        if let open = dims.firstIndex(where: { $0 == nil }) {
            throw SweepProblem(
                "dimension \(open) of input '\(name)' is dynamic (declared shape \(declaredText)) and neither the sweep nor inputShapes fixes it: give the input's shape in inputShapes"
            )
        }
        return [dims.compactMap { $0.map(String.init) }.joined(separator: "x")] + otherShapes
    }
}
