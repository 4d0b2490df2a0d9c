/// Small models shipped inside BoardBench (profile entry `model: builtin:NAME`), so a fresh
/// install can benchmark something before any model is compiled.
public enum BuiltinModels {
    public static let names = ["tiny-cnn", "conv-stack", "depthwise-block", "mlp"]

    public static func graph(named name: String) throws(PlanError) -> Graph {
        var b = GraphBuilder(name: name)
        switch name {
        case "tiny-cnn":
            // Three convolutions, global pooling and a classifier: a miniature image model.
            var x = try b.input("image", shape: [1, 3, 64, 64])
            x = try b.conv(x, outChannels: 16, kernel: 3, stride: 2, activation: .relu)
            x = try b.conv(x, outChannels: 32, kernel: 3, activation: .relu)
            x = try b.conv(x, outChannels: 64, kernel: 1, activation: .relu)
            x = try b.node(.globalAveragePool, [x])
            x = try b.node(.flatten, [x])
            b.output(try b.dense(x, outFeatures: 10))
        case "conv-stack":
            // A residual pair of 3x3 convolutions at a typical mid-network size.
            let x = try b.input("features", shape: [1, 32, 56, 56])
            var y = try b.conv(x, outChannels: 32, kernel: 3, activation: .relu)
            y = try b.conv(y, outChannels: 32, kernel: 3)
            y = try b.node(.add, [x, y])
            y = try b.node(.relu, [y])
            b.output(try b.node(.maxPool, [y], Attributes(["kernel": .ints([2, 2]), "strides": .ints([2, 2])])))
        case "depthwise-block":
            // MobileNet's inverted residual: expand 1x1, depthwise 3x3, project 1x1.
            let x = try b.input("features", shape: [1, 24, 56, 56])
            var y = try b.conv(x, outChannels: 144, kernel: 1, activation: .relu)
            y = try b.conv(y, outChannels: 144, kernel: 3, group: 144, activation: .relu)
            y = try b.conv(y, outChannels: 24, kernel: 1)
            b.output(try b.node(.add, [x, y]))
        case "mlp":
            var x = try b.input("features", shape: [1, 512])
            x = try b.dense(x, outFeatures: 1024, activation: .relu)
            x = try b.dense(x, outFeatures: 1024, activation: .relu)
            b.output(try b.dense(x, outFeatures: 10))
        default:
            throw .unknownBuiltin(name: name, known: names)
        }
        var g = b.graph
        g.metadata["source"] = "builtin:\(name)"
        return g
    }
}
