/// One point of a search space: what every searchable choice is set to. Parse one with
/// `Architecture.parse` (OFA's `{"ks", "e", "d", "r"}` dict or the arch spec form), check it
/// with `SearchSpace.check`, key tables with `canonical`.
public struct Architecture: Sendable, Hashable {
    /// Name of the space (`ofa-mbv3`).
    public var space: String
    /// Input height and width.
    public var resolution: Int
    /// Width multiplier of every stage and scaled fixed layer that does not set its own.
    public var widthMultiplier: Double
    /// Transformer embedding width (vit spaces only).
    public var embedDim: Int?
    /// One entry per stage of the space, in order.
    public var stages: [StageChoice]
    /// Width multipliers of individual fixed layers (OFA ResNet's two stem widths), by name.
    public var layerWidths: [String: Double]
    /// Skippable fixed layers this architecture leaves out, by name.
    public var skippedLayers: Set<String>

    public init(
        space: String, resolution: Int, widthMultiplier: Double = 1, embedDim: Int? = nil, stages: [StageChoice],
        layerWidths: [String: Double] = [:], skippedLayers: Set<String> = []
    ) {
        self.space = space
        self.resolution = resolution
        self.widthMultiplier = widthMultiplier
        self.embedDim = embedDim
        self.stages = stages
        self.layerWidths = layerWidths
        self.skippedLayers = skippedLayers
    }

    /// The choices made in one stage: `depth` blocks, and per block (in order) a kernel and an
    /// expand ratio (mbconv), an expand ratio (bottleneck), or heads and an MLP ratio (transformer).
    public struct StageChoice: Sendable, Hashable {
        /// Number of blocks, base depth included.
        public var depth: Int
        public var kernels: [Int]
        public var expands: [Double]
        public var heads: [Int]
        /// Overrides the architecture's width multiplier for this stage (OFA ResNet's per-stage `w`).
        public var widthMultiplier: Double?

        public init(depth: Int, kernels: [Int] = [], expands: [Double], heads: [Int] = [], widthMultiplier: Double? = nil) {
            self.depth = depth
            self.kernels = kernels
            self.expands = expands
            self.heads = heads
            self.widthMultiplier = widthMultiplier
        }
    }

    /// Which end of every choice list `SearchSpace.extremeArchitecture` takes.
    public enum Extreme: Sendable {
        case smallest
        case largest
    }
}

extension SearchSpace {
    /// Every choice at its minimum (or maximum): the smallest and largest networks of the space.
    public func extremeArchitecture(_ pick: Architecture.Extreme, resolution: Int? = nil) -> Architecture {
        func choose<T: Comparable>(_ values: [T]) -> T { (pick == .largest ? values.max() : values.min())! }
        let stageChoices = stages.map { stage in
            let depth = choose(stage.blockCounts)
            return Architecture.StageChoice(
                depth: depth, kernels: Self.perBlock(stage.kernels, depth) { choose($0) },
                expands: Self.perBlock(stage.expands, depth) { choose($0) }, heads: Self.perBlock(stage.heads, depth) { choose($0) })
        }
        return Architecture(
            space: name, resolution: resolution ?? choose(resolutions), widthMultiplier: choose(widthMultipliers),
            embedDim: embedDims.isEmpty ? nil : choose(embedDims), stages: stageChoices)
    }

    /// A uniformly random architecture (every per-stage and per-block choice independent; one
    /// width multiplier for the whole network, no fixed layer skipped), for validating a
    /// latency table on networks it has not seen.
    public func randomArchitecture(using rng: inout some RandomNumberGenerator) -> Architecture {
        var stageChoices: [Architecture.StageChoice] = []
        for stage in stages {
            let depth = stage.blockCounts.randomElement(using: &rng)!
            func pick<T>(_ values: [T]) -> [T] {
                values.count > 1 ? (0..<depth).map { _ in values.randomElement(using: &rng)! } : []
            }
            stageChoices.append(
                Architecture.StageChoice(depth: depth, kernels: pick(stage.kernels), expands: pick(stage.expands), heads: pick(stage.heads)))
        }
        return Architecture(
            space: name, resolution: resolutions.randomElement(using: &rng)!, widthMultiplier: widthMultipliers.randomElement(using: &rng)!,
            embedDim: embedDims.randomElement(using: &rng), stages: stageChoices)
    }

    /// `depth` copies of one pick, or nothing when the space leaves no choice (the normal form
    /// `check` produces).
    private static func perBlock<T>(_ values: [T], _ depth: Int, _ pick: ([T]) -> T) -> [T] {
        values.count > 1 ? Array(repeating: pick(values), count: depth) : []
    }
}
