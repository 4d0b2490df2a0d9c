import ModelPlan
import Spaces

/// Latency-constrained evolutionary architecture search, as Once-for-All's evolution finder
/// does it (Cai et al., ICLR 2020; `ofa/nas/search_algorithm/evolution.py`): a population of
/// random architectures within the budget; each generation keeps the best `parentRatio` as
/// parents and fills the rest with mutants of one parent (`mutationRatio` of the population)
/// and crossovers of two. A candidate over the budget is drawn again, up to `samplingAttempts`
/// times; after that a mutant or crossover falls back to a copy of its (first) parent. Unlike
/// OFA, children of the last generation count too, and an architecture is scored once.
///
/// The same space, settings, objective and latency function always give the same result.
public struct EvolutionarySearch {
    public struct Settings: Sendable, Equatable {
        public var populationSize: Int
        public var generations: Int
        /// Share of the population kept as parents each generation.
        public var parentRatio: Double
        /// Share of the children made by mutation; the others are crossovers.
        public var mutationRatio: Double
        /// Chance that a mutation redraws any one choice.
        public var mutateProbability: Double
        public var seed: UInt64
        /// Resolutions the search may pick (a subset of the space's); nil for all of them.
        public var resolutions: [Int]?
        /// Draws allowed for one architecture within the budget before giving up.
        public var samplingAttempts: Int

        public init(
            populationSize: Int = 100, generations: Int = 30, parentRatio: Double = 0.25, mutationRatio: Double = 0.5,
            mutateProbability: Double = 0.1, seed: UInt64 = 0, resolutions: [Int]? = nil, samplingAttempts: Int = 1000
        ) {
            self.populationSize = populationSize
            self.generations = generations
            self.parentRatio = parentRatio
            self.mutationRatio = mutationRatio
            self.mutateProbability = mutateProbability
            self.seed = seed
            self.resolutions = resolutions
            self.samplingAttempts = samplingAttempts
        }
    }

    public let space: SearchSpace
    public let settings: Settings
    let genes: SearchGenes

    public init(space: SearchSpace, settings: Settings = Settings()) throws(SearchError) {
        let s = settings
        func fail(_ reason: String) -> SearchError { .invalidSettings(reason: reason) }
        guard s.populationSize >= 2 else { throw fail("the population needs at least 2 architectures, not \(s.populationSize)") }
        guard s.generations >= 0 else { throw fail("generations cannot be negative (\(s.generations))") }
        guard s.parentRatio > 0, s.parentRatio <= 1 else { throw fail("parent ratio \(s.parentRatio) is outside (0, 1]") }
        guard s.mutationRatio >= 0, s.mutationRatio <= 1 else { throw fail("mutation ratio \(s.mutationRatio) is outside [0, 1]") }
        guard s.mutateProbability >= 0, s.mutateProbability <= 1 else {
            throw fail("mutate probability \(s.mutateProbability) is outside [0, 1]")
        }
        guard s.samplingAttempts >= 1 else { throw fail("sampling attempts must be at least 1, not \(s.samplingAttempts)") }
        let resolutions = s.resolutions ?? space.resolutions
        guard !resolutions.isEmpty else { throw fail("no resolution to search") }
        for r in resolutions where !space.resolutions.contains(r) {
            let all = space.resolutions.map(String.init).joined(separator: ", ")
            throw fail("resolution \(r) is not one of \(space.name)'s resolutions (\(all))")
        }
        guard Set(resolutions).count == resolutions.count else { throw fail("a resolution is listed twice in \(resolutions)") }
        self.space = space
        self.settings = settings
        genes = SearchGenes(space: space, resolutions: resolutions)
    }

    /// Searches for the architecture with the best objective whose predicted latency is at most
    /// `budgetMilliseconds`. `latencyMilliseconds` receives checked architectures only, each once.
    public func run(
        budgetMilliseconds: Double, objective: SearchObjective, latencyMilliseconds: (Architecture) throws -> Double,
        onGeneration: (_ generation: Int, _ bestObjective: Double) -> Void = { _, _ in }
    ) throws(SearchError) -> SearchResult {
        var scorer = ObjectiveScorer(objective: objective, space: space)
        return try run(budgetMilliseconds: budgetMilliseconds, scorer: &scorer, latencyMilliseconds: latencyMilliseconds, onGeneration: onGeneration)
    }

    /// As above, with a scorer whose cache outlives the search (several budgets, one predictor).
    public func run(
        budgetMilliseconds: Double, scorer: inout ObjectiveScorer, latencyMilliseconds: (Architecture) throws -> Double,
        onGeneration: (_ generation: Int, _ bestObjective: Double) -> Void = { _, _ in }
    ) throws(SearchError) -> SearchResult {
        guard budgetMilliseconds.isFinite, budgetMilliseconds > 0 else {
            throw .invalidSettings(reason: "the latency budget must be a positive number of milliseconds, not \(budgetMilliseconds)")
        }
        guard scorer.space == space else {
            throw .invalidSettings(reason: "the scorer is for space \(scorer.space.name), the search for \(space.name)")
        }
        var state = SearchState(genes: genes, budget: budgetMilliseconds, rng: SeededRandom(seed: settings.seed))
        let population = settings.populationSize
        var individuals: [Individual] = []
        for found in 0..<population {
            var drawn: Individual?
            for _ in 0..<settings.samplingAttempts {
                drawn = try state.evaluate(genes.random(using: &state.rng), scorer: &scorer, latency: latencyMilliseconds)
                if drawn != nil { break }
            }
            guard let drawn else { throw try budgetError(found: found, state: &state, latency: latencyMilliseconds) }
            individuals.append(drawn)
        }
        var best = Self.ranked(individuals)[0]
        var history = [best.objective]
        onGeneration(0, best.objective)

        let parentCount = max(1, Int((settings.parentRatio * Double(population)).rounded(.toNearestOrEven)))
        let mutantCount = min(population, Int((settings.mutationRatio * Double(population)).rounded(.toNearestOrEven)))
        for generation in 0..<settings.generations {
            let parents = Array(Self.ranked(individuals).prefix(parentCount))
            var children: [Individual] = []
            for _ in 0..<mutantCount {
                let parent = parents[Int.random(in: 0..<parents.count, using: &state.rng)]
                children.append(
                    try child(of: parent, state: &state, scorer: &scorer, latency: latencyMilliseconds) { rng in
                        genes.mutate(parent.genome, probability: settings.mutateProbability, using: &rng)
                    })
            }
            for _ in mutantCount..<population {
                let first = parents[Int.random(in: 0..<parents.count, using: &state.rng)]
                let second = parents[Int.random(in: 0..<parents.count, using: &state.rng)]
                children.append(
                    try child(of: first, state: &state, scorer: &scorer, latency: latencyMilliseconds) { rng in
                        genes.crossover(first.genome, second.genome, using: &rng)
                    })
            }
            individuals = parents + children
            best = Self.ranked(individuals)[0]
            history.append(best.objective)
            onGeneration(generation + 1, best.objective)
        }
        return SearchResult(
            architecture: best.architecture, latencyMilliseconds: best.latencyMilliseconds, objective: best.objective,
            bestObjectivePerGeneration: history, evaluatedArchitectures: state.scored.count, latencyPredictions: state.latencies.count)
    }

    /// A child within the budget made by `make`, or a copy of `parent` when none was found.
    private func child(
        of parent: Individual, state: inout SearchState, scorer: inout ObjectiveScorer, latency: (Architecture) throws -> Double,
        make: (inout SeededRandom) -> [Int]
    ) throws(SearchError) -> Individual {
        for _ in 0..<settings.samplingAttempts {
            let genome = make(&state.rng)
            if let made = try state.evaluate(genome, scorer: &scorer, latency: latency) { return made }
        }
        return parent
    }

    /// Why the initial population could not be filled, with the smallest architecture's latency.
    private func budgetError(found: Int, state: inout SearchState, latency: (Architecture) throws -> Double) throws(SearchError) -> SearchError {
        let smallest = try state.latency(of: try state.checked(genes.smallest), latency: latency)
        if smallest > state.budget {
            return .budgetBelowSmallest(space: space.name, budgetMilliseconds: state.budget, smallestMilliseconds: smallest)
        }
        return .budgetTooTight(
            space: space.name, budgetMilliseconds: state.budget, smallestMilliseconds: smallest, found: found, wanted: settings.populationSize,
            attempts: settings.samplingAttempts)
    }

    /// Best objective first; ties keep population order, so ranking is deterministic.
    static func ranked(_ individuals: [Individual]) -> [Individual] {
        individuals.enumerated().sorted { a, b in
            a.element.objective != b.element.objective ? a.element.objective > b.element.objective : a.offset < b.offset
        }.map(\.element)
    }
}

/// What a search found.
public struct SearchResult: Sendable, Equatable {
    /// The winner, checked (normalised) against the space.
    public var architecture: Architecture
    public var latencyMilliseconds: Double
    public var objective: Double
    /// Best objective in the population: the random initial population first, then one entry
    /// per generation. Never decreases.
    public var bestObjectivePerGeneration: [Double]
    /// Distinct architectures within the budget whose objective was computed.
    public var evaluatedArchitectures: Int
    /// Distinct architectures whose latency was predicted (those over the budget included).
    public var latencyPredictions: Int

    public init(
        architecture: Architecture, latencyMilliseconds: Double, objective: Double, bestObjectivePerGeneration: [Double], evaluatedArchitectures: Int,
        latencyPredictions: Int
    ) {
        self.architecture = architecture
        self.latencyMilliseconds = latencyMilliseconds
        self.objective = objective
        self.bestObjectivePerGeneration = bestObjectivePerGeneration
        self.evaluatedArchitectures = evaluatedArchitectures
        self.latencyPredictions = latencyPredictions
    }
}

struct Individual {
    var genome: [Int]
    var architecture: Architecture
    var latencyMilliseconds: Double
    var objective: Double
}

/// The random generator and the per-run caches of one search.
struct SearchState {
    let genes: SearchGenes
    let budget: Double
    var rng: SeededRandom
    /// Predicted latency by canonical form.
    var latencies: [String: Double] = [:]
    /// Canonical forms scored by the objective in this run.
    var scored: Set<String> = []

    func checked(_ genome: [Int]) throws(SearchError) -> Architecture {
        do {
            return try genes.space.check(genes.decode(genome))
        } catch {
            throw .space(error)
        }
    }

    mutating func latency(of arch: Architecture, latency: (Architecture) throws -> Double) throws(SearchError) -> Double {
        let key = arch.canonical
        if let known = latencies[key] { return known }
        let value: Double
        do {
            value = try latency(arch)
        } catch {
            throw .latencyFailed(architecture: key, reason: "\(error)")
        }
        guard value.isFinite, value >= 0 else {
            throw .latencyFailed(architecture: key, reason: "the predicted latency \(value) ms is not a finite, non-negative number")
        }
        latencies[key] = value
        return value
    }

    /// The individual for `genome`, or nil when it is predicted over the budget.
    mutating func evaluate(
        _ genome: [Int], scorer: inout ObjectiveScorer, latency: (Architecture) throws -> Double
    ) throws(SearchError) -> Individual? {
        let arch = try checked(genome)
        let predicted = try self.latency(of: arch, latency: latency)
        guard predicted <= budget else { return nil }
        let objective = try scorer.score(checked: arch)
        scored.insert(arch.canonical)
        return Individual(genome: genome, architecture: arch, latencyMilliseconds: predicted, objective: objective)
    }
}

/// The searchable choices of a space as a fixed list of genes, each an index into its options,
/// laid out as OFA's evolution finder does: per-block kernel, expand and heads genes for every
/// block a stage can have, so a block keeps its choices while a shallower depth hides it.
/// Choices with one option have no gene. ResNet spaces give each stage and each scaled stem or
/// head layer a width of its own (OFA ResNet's `w`); the other families one width for the network.
struct SearchGenes: Sendable {
    enum Gene: Sendable, Hashable {
        case resolution
        case width
        case embedDim
        case depth(stage: Int)
        case stageWidth(stage: Int)
        case kernel(stage: Int, block: Int)
        case expand(stage: Int, block: Int)
        case heads(stage: Int, block: Int)
        case layerWidth(String)
        case skip(String)
    }

    let space: SearchSpace
    let resolutions: [Int]
    private(set) var genes: [Gene] = []
    /// Number of options of each gene.
    private(set) var counts: [Int] = []
    /// The genome of the smallest network: every choice at its least, every skippable layer skipped.
    private(set) var smallest: [Int] = []
    private var position: [Gene: Int] = [:]

    init(space: SearchSpace, resolutions: [Int]) {
        self.space = space
        self.resolutions = resolutions
        add(.resolution, resolutions.map(Double.init))
        let widths = space.widthMultipliers
        let perSlotWidths = space.family == .resnet && widths.count > 1
        let scaledLayers = space.fixedLayers.filter { $0.isScaled && !$0.residual }.map(\.name)
        if !perSlotWidths { add(.width, widths) }
        if space.family == .vit { add(.embedDim, space.embedDims.map(Double.init)) }
        for (s, stage) in space.stages.enumerated() {
            add(.depth(stage: s), stage.blockCounts.map(Double.init))
            if perSlotWidths { add(.stageWidth(stage: s), widths) }
            for b in 0..<stage.maxBlocks {
                add(.kernel(stage: s, block: b), stage.kernels.map(Double.init))
                add(.expand(stage: s, block: b), stage.expands)
                add(.heads(stage: s, block: b), stage.heads.map(Double.init))
            }
        }
        if perSlotWidths { for name in scaledLayers { add(.layerWidth(name), widths) } }
        // Option 0 keeps the layer, option 1 skips it (the smaller network).
        for layer in space.fixedLayers where layer.skippable { add(.skip(layer.name), [1, 0]) }
    }

    private mutating func add(_ gene: Gene, _ options: [Double]) {
        guard options.count > 1 else { return }
        position[gene] = genes.count
        genes.append(gene)
        counts.append(options.count)
        smallest.append(options.indices.min { options[$0] < options[$1] }!)
    }

    func random(using rng: inout some RandomNumberGenerator) -> [Int] {
        counts.map { Int.random(in: 0..<$0, using: &rng) }
    }

    /// Redraws each gene with `probability` (the redraw may land on the same option).
    func mutate(_ genome: [Int], probability: Double, using rng: inout some RandomNumberGenerator) -> [Int] {
        var out = genome
        for i in out.indices where Double.random(in: 0..<1, using: &rng) < probability {
            out[i] = Int.random(in: 0..<counts[i], using: &rng)
        }
        return out
    }

    /// Each gene from either parent, with even odds.
    func crossover(_ a: [Int], _ b: [Int], using rng: inout some RandomNumberGenerator) -> [Int] {
        zip(a, b).map { Bool.random(using: &rng) ? $0 : $1 }
    }

    /// The architecture a genome stands for (not yet checked, so not yet normalised).
    func decode(_ genome: [Int]) -> Architecture {
        func pick<T>(_ gene: Gene, _ options: [T]) -> T { position[gene].map { options[genome[$0]] } ?? options[0] }
        var stages: [Architecture.StageChoice] = []
        for (s, stage) in space.stages.enumerated() {
            let depth = pick(.depth(stage: s), stage.blockCounts)
            func perBlock<T>(_ gene: (Int) -> Gene, _ options: [T]) -> [T] {
                options.count > 1 ? (0..<depth).map { pick(gene($0), options) } : []
            }
            stages.append(
                Architecture.StageChoice(
                    depth: depth, kernels: perBlock({ .kernel(stage: s, block: $0) }, stage.kernels),
                    expands: perBlock({ .expand(stage: s, block: $0) }, stage.expands), heads: perBlock({ .heads(stage: s, block: $0) }, stage.heads),
                    widthMultiplier: position[.stageWidth(stage: s)].map { space.widthMultipliers[genome[$0]] }))
        }
        var arch = Architecture(
            space: space.name, resolution: pick(.resolution, resolutions), widthMultiplier: pick(.width, space.widthMultipliers),
            embedDim: space.family == .vit ? pick(.embedDim, space.embedDims) : nil, stages: stages)
        for gene in genes {
            switch gene {
            case .layerWidth(let name): arch.layerWidths[name] = space.widthMultipliers[genome[position[gene]!]]
            case .skip(let name) where genome[position[gene]!] == 1: arch.skippedLayers.insert(name)
            default: break
            }
        }
        return arch
    }
}
