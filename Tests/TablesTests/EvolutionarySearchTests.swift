import Foundation
import ModelPlan
import Spaces
import Tables
import Testing

@Suite struct EvolutionarySearchTests {
    /// 3 resolutions x 2 stages of 1 or 2 blocks with 3 kernels x 2 expands each: 5292 networks,
    /// few enough to find the best one under a budget by trying them all.
    static let tiny = SearchSpace(
        name: "tiny", family: .mobilenetV2, resolutions: [32, 40, 48], classes: 10,
        stem: [FixedLayer(name: "first_conv", kind: .conv, outChannels: 16, kernel: 3, stride: 2, activation: .relu6)],
        stages: [
            Stage(name: "stage1", block: .mbconv, outChannels: 24, stride: 2, activation: .relu6, depths: [1, 2], kernels: [3, 5, 7], expands: [2, 4]),
            Stage(name: "stage2", block: .mbconv, outChannels: 40, stride: 2, activation: .relu6, depths: [1, 2], kernels: [3, 5, 7], expands: [2, 4]),
        ],
        head: [FixedLayer(name: "pool", kind: .globalPool), FixedLayer(name: "classifier", kind: .linear)])

    static func everyArchitecture(of space: SearchSpace) -> [Architecture] {
        func stageChoices(_ stage: Stage) -> [Architecture.StageChoice] {
            var out: [Architecture.StageChoice] = []
            for depth in stage.blockCounts {
                var blocks: [[(Int, Double)]] = [[]]
                for _ in 0..<depth {
                    blocks = blocks.flatMap { prefix in stage.kernels.flatMap { k in stage.expands.map { e in prefix + [(k, e)] } } }
                }
                out += blocks.map { Architecture.StageChoice(depth: depth, kernels: $0.map(\.0), expands: $0.map(\.1)) }
            }
            return out
        }
        var stageLists: [[Architecture.StageChoice]] = [[]]
        for stage in space.stages { stageLists = stageLists.flatMap { prefix in stageChoices(stage).map { prefix + [$0] } } }
        return space.resolutions.flatMap { r in stageLists.map { Architecture(space: space.name, resolution: r, stages: $0) } }
    }

    /// Latency stand-in: one millisecond per million MACs.
    static func macsLatency(_ space: SearchSpace) -> (Architecture) throws -> Double {
        { Double(try ArchitectureCost($0, in: space).macs) / 1e6 }
    }

    static func ms(_ arch: Architecture, _ space: SearchSpace) throws -> Double { try macsLatency(space)(arch) }

    @Test func sameSeedGivesTheSameResult() throws {
        let space = try ShippedSpaces.space("ofa-mbv3")
        let budget = (try Self.ms(space.extremeArchitecture(.smallest), space) + Self.ms(space.extremeArchitecture(.largest), space)) / 2
        func search(seed: UInt64) throws -> SearchResult {
            let settings = EvolutionarySearch.Settings(populationSize: 16, generations: 4, seed: seed)
            return try EvolutionarySearch(space: space, settings: settings).run(
                budgetMilliseconds: budget, objective: .params, latencyMilliseconds: Self.macsLatency(space))
        }
        let first = try search(seed: 7)
        #expect(try search(seed: 7) == first)
        #expect(try search(seed: 8).architecture != first.architecture)
    }

    @Test func findsNearlyTheBestNetworkOfASmallSpace() throws {
        let space = Self.tiny
        let all = try Self.everyArchitecture(of: space).map { try ArchitectureCost($0, in: space).macs }
        #expect(all.count == 5292)
        let budget = 0.8 * Double(all.max()!) / 1e6
        let best = Double(all.filter { Double($0) / 1e6 <= budget }.max()!)
        for seed: UInt64 in [1, 2, 3] {
            let settings = EvolutionarySearch.Settings(populationSize: 16, generations: 30, seed: seed)
            let result = try EvolutionarySearch(space: space, settings: settings).run(
                budgetMilliseconds: budget, objective: .flops, latencyMilliseconds: Self.macsLatency(space))
            let initial = result.bestObjectivePerGeneration[0]
            #expect(result.latencyMilliseconds <= budget)
            #expect(result.objective <= best)
            #expect(result.objective >= 0.97 * best, "seed \(seed): \(result.objective) of the best \(best)")
            #expect(result.objective >= 1.15 * initial, "seed \(seed): \(result.objective), initial population's best \(initial)")
        }
    }

    @Test(arguments: ShippedSpaces.names)
    func staysWithinBudgetOnShippedSpace(spaceName: String) throws {
        let space = try ShippedSpaces.space(spaceName)
        let resolutions = space.resolutions.count > 2 ? [space.resolutions[1], space.resolutions.last!] : space.resolutions
        let smallest = try Self.ms(space.extremeArchitecture(.smallest, resolution: resolutions[0]), space)
        let largest = try Self.ms(space.extremeArchitecture(.largest), space)
        let budget = smallest + 0.4 * (largest - smallest)
        var seen: [Architecture] = []
        let settings = EvolutionarySearch.Settings(populationSize: 20, generations: 5, seed: 11, resolutions: resolutions)
        let result = try EvolutionarySearch(space: space, settings: settings).run(budgetMilliseconds: budget, objective: .flops) { arch in
            seen.append(arch)
            return try Self.ms(arch, space)
        }

        #expect(result.latencyMilliseconds <= budget)
        #expect(result.latencyMilliseconds == (try Self.ms(result.architecture, space)))
        #expect(result.objective == Double(try ArchitectureCost(result.architecture, in: space).macs))
        #expect(result.bestObjectivePerGeneration.count == 6)
        #expect(result.bestObjectivePerGeneration == result.bestObjectivePerGeneration.sorted())
        #expect(result.bestObjectivePerGeneration.last == result.objective)
        #expect(result.latencyPredictions == seen.count)
        #expect(Set(seen.map(\.canonical)).count == seen.count, "a latency was predicted twice")
        #expect(result.evaluatedArchitectures <= seen.count && result.evaluatedArchitectures >= 20)
        for arch in seen + [result.architecture] {
            #expect(try space.check(arch) == arch)
            #expect(resolutions.contains(arch.resolution))
        }
        // Every kind of choice the space has was explored.
        #expect(Set(seen.map(\.stages[0].depth)).count > 1)
        if resolutions.count > 1 { #expect(Set(seen.map(\.resolution)).count > 1) }
        if space.stages[0].kernels.count > 1 { #expect(Set(seen.flatMap { $0.stages.flatMap(\.kernels) }).count > 1) }
        if space.stages[0].expands.count > 1 { #expect(Set(seen.flatMap { $0.stages.flatMap(\.expands) }).count > 1) }
        if space.family == .vit {
            #expect(result.architecture.embedDim != nil)
            #expect(Set(seen.compactMap(\.embedDim)).count > 1)
        }
        if space.family == .resnet {
            #expect(seen.contains { arch in arch.stages.contains { $0.widthMultiplier != nil } })
            #expect(seen.contains { !$0.layerWidths.isEmpty })
            #expect(seen.contains { !$0.skippedLayers.isEmpty } && seen.contains { $0.skippedLayers.isEmpty })
        }
    }

    @Test func searchesAttentionHeadsWhereTheSpaceOffersThem() throws {
        var space = try ShippedSpaces.space("vit-tiny")
        space.stages[0].heads = [3, 6]
        let budget = try Self.ms(space.extremeArchitecture(.largest), space)
        var heads = Set<Int>()
        let settings = EvolutionarySearch.Settings(populationSize: 10, generations: 2, seed: 5)
        let result = try EvolutionarySearch(space: space, settings: settings).run(budgetMilliseconds: budget, objective: .params) { arch in
            heads.formUnion(arch.stages[0].heads)
            return try Self.ms(arch, space)
        }
        #expect(heads == [3, 6])
        #expect(result.architecture.stages[0].heads.count == result.architecture.stages[0].depth)
    }

    @Test func budgetBelowTheSmallestNetworkIsAnError() throws {
        let space = try ShippedSpaces.space("proxylessnas-mbv2")
        let smallest = try Self.ms(space.extremeArchitecture(.smallest), space)
        let search = try EvolutionarySearch(space: space, settings: .init(populationSize: 10, generations: 1, samplingAttempts: 50))
        #expect(throws: SearchError.budgetBelowSmallest(space: space.name, budgetMilliseconds: smallest / 2, smallestMilliseconds: smallest)) {
            _ = try search.run(budgetMilliseconds: smallest / 2, objective: .flops, latencyMilliseconds: Self.macsLatency(space))
        }
        let message = SearchError.budgetBelowSmallest(space: space.name, budgetMilliseconds: 10, smallestMilliseconds: 52.5).description
        #expect(message.contains("latency budget 10.000 ms is below the smallest proxylessnas-mbv2 architecture's predicted latency 52.500 ms"))
    }

    @Test func rarelyMetBudgetSaysSoAndGivesTheSmallestLatency() throws {
        let space = try ShippedSpaces.space("ofa-mbv3")
        let smallest = try Self.ms(space.extremeArchitecture(.smallest), space)
        let search = try EvolutionarySearch(space: space, settings: .init(populationSize: 10, generations: 1, samplingAttempts: 3))
        // Just above the smallest network: almost no random draw fits.
        #expect(
            throws: SearchError.budgetTooTight(
                space: space.name, budgetMilliseconds: smallest * 1.001, smallestMilliseconds: smallest, found: 0, wanted: 10, attempts: 3)
        ) {
            _ = try search.run(budgetMilliseconds: smallest * 1.001, objective: .flops, latencyMilliseconds: Self.macsLatency(space))
        }
    }

    @Test func invalidSettingsAreRefused() throws {
        let space = Self.tiny
        #expect(throws: SearchError.self) { try EvolutionarySearch(space: space, settings: .init(resolutions: [224])) }
        #expect(throws: SearchError.self) { try EvolutionarySearch(space: space, settings: .init(populationSize: 1)) }
        #expect(throws: SearchError.self) { try EvolutionarySearch(space: space, settings: .init(parentRatio: 0)) }
        #expect(throws: SearchError.self) { try EvolutionarySearch(space: space, settings: .init(mutateProbability: 1.5)) }
        let search = try EvolutionarySearch(space: space)
        #expect(throws: SearchError.self) { try search.run(budgetMilliseconds: -1, objective: .flops, latencyMilliseconds: { _ in 1 }) }
    }

    @Test func latencyFunctionFailuresNameTheArchitecture() throws {
        struct NoTable: Error, CustomStringConvertible { var description: String { "no table entry" } }
        let search = try EvolutionarySearch(space: Self.tiny, settings: .init(populationSize: 4, generations: 1))
        let error = #expect(throws: SearchError.self) { _ = try search.run(budgetMilliseconds: 5, objective: .flops) { _ in throw NoTable() } }
        if case .latencyFailed(let arch, let reason) = error {
            #expect(reason == "no table entry")
            #expect(arch.hasPrefix("{\"space\":\"tiny\""))
        } else {
            Issue.record("expected a latency failure, got \(String(describing: error))")
        }
        #expect(throws: SearchError.self) { _ = try search.run(budgetMilliseconds: 5, objective: .flops) { _ in .nan } }
    }
}

@Suite struct SearchObjectiveTests {
    /// A directory holding executable shell scripts, removed when the test ends.
    final class Scripts {
        let directory: URL

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("boardbench-objective-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        /// The script's path. Run through /bin/sh rather than executed itself: a test writing a
        /// file while another spawns a child can leak the write descriptor, and exec then fails
        /// with "Text file busy".
        func write(_ name: String, _ body: String) throws -> String {
            let url = directory.appendingPathComponent(name)
            try (body + "\n").write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }

        /// Lines the counting predictor logged, one per call.
        func calls() throws -> [String] {
            let text = (try? String(contentsOf: directory.appendingPathComponent("calls"), encoding: .utf8)) ?? ""
            return text.split(separator: "\n").map(String.init)
        }
    }

    /// Logs its input to `calls` and scores it by its length in bytes.
    static let counting = """
        input=$(cat)
        printf '%s\\n' "$input" >> "$(dirname "$0")/calls"
        printf '%s\\n' "$input" | wc -c
        """

    @Test func flopsAndParamsAreTheAnalyticCost() throws {
        let space = EvolutionarySearchTests.tiny
        let arch = space.extremeArchitecture(.largest)
        let cost = try ArchitectureCost(arch, in: space)
        var flops = ObjectiveScorer(objective: .flops, space: space)
        var params = ObjectiveScorer(objective: .params, space: space)
        #expect(try flops.score(arch) == Double(cost.macs))
        #expect(try params.score(arch) == Double(cost.parameters))
        #expect(try params.score(space.extremeArchitecture(.smallest)) < Double(cost.parameters))
    }

    @Test func commandScoresEachArchitectureOnce() throws {
        let scripts = try Scripts()
        let predictor = try scripts.write("predict.sh", Self.counting)
        let space = EvolutionarySearchTests.tiny
        var scorer = ObjectiveScorer(objective: .command(executable: "/bin/sh", arguments: [predictor]), space: space)
        let large = space.extremeArchitecture(.largest), small = space.extremeArchitecture(.smallest)
        let checked = try space.check(large)
        #expect(try scorer.score(large) == Double(checked.canonical.utf8.count + 1))
        #expect(try scorer.score(large) == Double(checked.canonical.utf8.count + 1))
        _ = try scorer.score(small)
        #expect(try scripts.calls() == [checked.canonical, try space.check(small).canonical])
        #expect(scorer.evaluatedCount == 2)
    }

    @Test func searchNeverRunsThePredictorTwiceForOneArchitecture() throws {
        let scripts = try Scripts()
        let predictor = try scripts.write("predict.sh", Self.counting)
        let space = EvolutionarySearchTests.tiny
        let budget = try EvolutionarySearchTests.ms(space.extremeArchitecture(.largest), space) * 0.7
        let settings = EvolutionarySearch.Settings(populationSize: 8, generations: 3, seed: 3)
        let result = try EvolutionarySearch(space: space, settings: settings).run(
            budgetMilliseconds: budget, objective: .command(executable: "/bin/sh", arguments: [predictor]),
            latencyMilliseconds: EvolutionarySearchTests.macsLatency(space))
        let calls = try scripts.calls()
        #expect(calls.count == result.evaluatedArchitectures)
        #expect(Set(calls).count == calls.count)
        #expect(result.objective == Double(result.architecture.canonical.utf8.count + 1))
        #expect(calls.contains(result.architecture.canonical))
    }

    @Test func nonZeroExitQuotesTheLastStderrLine() throws {
        let scripts = try Scripts()
        let predictor = try scripts.write("fail.sh", "cat > /dev/null\necho 'loading weights' >&2\necho 'predictor: weights.pt not found' >&2\nexit 3")
        var scorer = ObjectiveScorer(objective: .command(executable: "/bin/sh", arguments: [predictor, "--fast"]), space: EvolutionarySearchTests.tiny)
        let expected = SearchError.predictorFailed(command: "/bin/sh \(predictor) --fast", exitStatus: 3, stderrLastLine: "predictor: weights.pt not found")
        #expect(throws: expected) { try scorer.score(EvolutionarySearchTests.tiny.extremeArchitecture(.smallest)) }
        #expect(expected.description.contains("`/bin/sh \(predictor) --fast` exited with status 3; stderr: \"predictor: weights.pt not found\""))
        #expect(scorer.evaluatedCount == 0)
    }

    @Test func nonNumericOutputIsAnError() throws {
        let scripts = try Scripts()
        let predictor = try scripts.write("garbage.sh", "cat > /dev/null\necho 'accuracy: high'\necho 'model v2' >&2")
        var scorer = ObjectiveScorer(objective: .command(executable: "/bin/sh", arguments: [predictor]), space: EvolutionarySearchTests.tiny)
        let expected = SearchError.predictorOutputNotNumber(command: "/bin/sh \(predictor)", output: "accuracy: high", stderrLastLine: "model v2")
        #expect(throws: expected) { try scorer.score(EvolutionarySearchTests.tiny.extremeArchitecture(.smallest)) }
        #expect(expected.description.contains("printed \"accuracy: high\" instead of one number; stderr: \"model v2\""))
    }

    @Test func hangingPredictorTimesOut() throws {
        let scripts = try Scripts()
        let predictor = try scripts.write("hang.sh", "exec sleep 30")
        var scorer = ObjectiveScorer(
            objective: .command(executable: "/bin/sh", arguments: [predictor], timeoutSeconds: 0.5), space: EvolutionarySearchTests.tiny)
        #expect(throws: SearchError.predictorTimedOut(command: "/bin/sh \(predictor)", seconds: 0.5)) {
            try scorer.score(EvolutionarySearchTests.tiny.extremeArchitecture(.smallest))
        }
    }

    @Test func missingPredictorIsAnError() throws {
        let scripts = try Scripts()
        let missing = scripts.directory.appendingPathComponent("absent.sh").path
        var scorer = ObjectiveScorer(objective: .command(executable: missing), space: EvolutionarySearchTests.tiny)
        let error = #expect(throws: SearchError.self) { try scorer.score(EvolutionarySearchTests.tiny.extremeArchitecture(.smallest)) }
        if case .predictorUnavailable(let command, _) = error {
            #expect(command == missing)
        } else {
            Issue.record("expected an unavailable predictor, got \(String(describing: error))")
        }
    }
}
