import ModelPlan

/// What the importer accepts, checked over the whole model before anything is lowered, so
/// one message lists every problem rather than the first.
extension Importer {
    /// ONNX ops lowered to plan ops (or folded when their inputs are constants).
    static let runtimeOps: Set<String> = [
        "Conv", "ConvTranspose", "BatchNormalization", "Relu", "Clip", "LeakyRelu", "HardSigmoid", "HardSwish", "Sigmoid", "Tanh",
        "Gelu", "Erf", "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "GlobalAveragePool", "AveragePool", "MaxPool", "Resize", "Concat",
        "Split", "Slice", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Shape", "Size", "Cast", "Gather", "Constant",
        "ConstantOfShape", "Identity", "Dropout", "MatMul", "Gemm", "Softmax", "ReduceMean", "LayerNormalization", "Pad", "Expand",
    ]

    /// ONNX ops evaluated only at compile time: shape arithmetic exporters emit.
    static let foldOnlyOps: Set<String> = [
        "Where", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Range", "Neg", "Abs",
        "Reciprocal", "Exp", "Floor", "Ceil", "Min", "Max", "ReduceProd", "ReduceSum", "Tile", "Sign",
    ]

    /// Ops the constant folder evaluates when every input is known.
    static let foldableOps: Set<String> = foldOnlyOps.union([
        "Relu", "Clip", "LeakyRelu", "HardSigmoid", "HardSwish", "Sigmoid", "Tanh", "Gelu", "Erf", "Add", "Sub", "Mul", "Div",
        "Pow", "Sqrt", "Concat", "Split", "Slice", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Shape", "Size",
        "Cast", "Gather", "Constant", "ConstantOfShape", "Identity", "Dropout", "ReduceMean", "Expand",
    ])

    /// Finds every node that cannot be compiled and throws them all at once.
    func checkSupport() throws(ImportError) {
        var constant = Set(model.graph.initializers.map(\.name))
        var ranks: [String: Int] = [:]
        for t in model.graph.initializers { ranks[t.name] = t.dims.count }
        var problems: [String: UnsupportedOp] = [:]
        var order: [String] = []
        func note(_ n: ONNXNode, _ op: String, _ reason: String?) {
            let key = op + "|" + (reason ?? "")
            if problems[key] == nil {
                problems[key] = UnsupportedOp(op: op, count: 0, example: n.name.isEmpty ? n.outputs.first ?? "?" : n.name, reason: reason)
                order.append(key)
            }
            problems[key]!.count += 1
        }
        for n in model.graph.nodes {
            let ins = n.inputs.filter { !$0.isEmpty }
            let allConstant = ins.allSatisfy(constant.contains)
            let folds =
                n.domain.isEmpty
                && (n.opType == "Constant" || n.opType == "Shape" || n.opType == "Size"
                    || (allConstant && Importer.foldableOps.contains(n.opType)))
            if folds { n.outputs.forEach { constant.insert($0) } }
            guard n.domain.isEmpty else {
                note(n, "\(n.domain).\(n.opType)", nil)
                continue
            }
            if !Importer.runtimeOps.contains(n.opType) && !Importer.foldOnlyOps.contains(n.opType) {
                note(n, n.opType, nil)
            } else if Importer.foldOnlyOps.contains(n.opType) && !folds {
                note(n, n.opType, "supported only when every input is a constant (shape arithmetic), here it depends on a model input")
            } else if !folds, let reason = staticProblem(n, constant: constant, ranks: ranks) {
                note(n, n.opType, reason)
            }
        }
        guard order.isEmpty else { throw .unsupported(order.map { problems[$0]! }) }
    }

    /// A use of a supported op that the runtime cannot execute, found from attributes and
    /// which inputs are constants.
    private func staticProblem(_ n: ONNXNode, constant: Set<String>, ranks: [String: Int]) -> String? {
        func isConstant(_ i: Int) -> Bool { i < n.inputs.count && (n.inputs[i].isEmpty || constant.contains(n.inputs[i])) }
        func str(_ k: String) -> String? {
            if case .string(let s)? = n.attributes[k] { return s }
            return nil
        }
        func int(_ k: String) -> Int64? {
            if case .int(let v)? = n.attributes[k] { return v }
            return nil
        }
        func used(_ output: Int) -> Bool { output < n.outputs.count && !n.outputs[output].isEmpty && uses[n.outputs[output], default: 0] > 0 }
        switch n.opType {
        case "Conv", "ConvTranspose":
            if !isConstant(1) || (n.inputs.count > 2 && !isConstant(2)) { return "weights and bias must be constants" }
            if case .ints(let k)? = n.attributes["kernel_shape"], k.count != 2 { return "only 2-D convolutions are supported (kernel rank \(k.count))" }
            if let r = ranks[n.inputs[1]], r != 4 { return "only 2-D convolutions are supported (weight rank \(r))" }
        case "MaxPool", "AveragePool":
            if case .ints(let k)? = n.attributes["kernel_shape"], k.count != 2 { return "only 2-D pooling is supported (kernel rank \(k.count))" }
            if n.opType == "MaxPool" && used(1) { return "the Indices output is not supported" }
            if (int("storage_order") ?? 0) != 0 { return "storage_order 1 is not supported" }
        case "BatchNormalization":
            if (1...4).contains(where: { !isConstant($0) }) { return "scale, bias, mean and variance must be constants" }
            if (int("training_mode") ?? 0) != 0 || (1...4).contains(where: used) { return "training mode is not supported (inference only)" }
        case "Resize":
            if let m = str("mode"), m != "nearest", m != "linear" { return "mode \(m) is not supported (nearest and linear are)" }
            if (int("antialias") ?? 0) != 0 { return "antialias is not supported" }
            if (int("exclude_outside") ?? 0) != 0 { return "exclude_outside is not supported" }
            if let c = str("coordinate_transformation_mode"), ResizeCoordinateMode.onnxNames[c] == nil {
                return "coordinate_transformation_mode \(c) is not supported"
            }
            if let c = str("nearest_mode"), ResizeNearestMode.onnxNames[c] == nil { return "nearest_mode \(c) is not supported" }
            if n.inputs.indices.dropFirst().contains(where: { !isConstant($0) }) { return "roi, scales and sizes must be constants" }
        case "Pad":
            if let m = str("mode"), !["constant", "reflect", "edge"].contains(m) { return "mode \(m) is not supported" }
            if n.inputs.indices.dropFirst().contains(where: { !isConstant($0) }) { return "pads, value and axes must be constants" }
        case "Gather":
            if !isConstant(1) { return "indices must be constants (embedding lookups of runtime ids are not supported)" }
        case "Cast":
            if let to = int("to"), ![1, 10, 11, 16].contains(to) {
                return "casting a runtime tensor to \(ONNXDataType(rawValue: Int32(to)).map(\.name) ?? "type \(to)") is not supported (float32 only)"
            }
        case "Reshape", "Expand", "Slice", "Squeeze", "Unsqueeze", "Split", "ReduceMean", "Clip", "Tile":
            if n.inputs.indices.dropFirst().contains(where: { !isConstant($0) }) { return "shape, axes and bound inputs must be constants" }
        case "LayerNormalization":
            if used(1) || used(2) { return "the Mean and InvStdDev outputs are not supported" }
            if n.inputs.indices.dropFirst().contains(where: { !isConstant($0) }) { return "scale and bias must be constants" }
        case "Dropout":
            if used(1) { return "the mask output is not supported" }
        case "Gelu":
            if let a = str("approximate"), a != "none", a != "tanh" { return "approximate \(a) is not supported" }
        default:
            break
        }
        return nil
    }
}
