import BenchCore
import Foundation
import Spaces
import Transport

/// What an architecture search maximises.
public enum SearchObjective: Sendable, Equatable {
    /// Multiply-accumulates (`ArchitectureCost.macs`): the biggest network that fits the budget.
    case flops
    /// Parameter count (`ArchitectureCost.parameters`).
    case params
    /// A user's accuracy predictor, run once per architecture: the architecture's canonical
    /// JSON and a newline on stdin, one number on stdout (higher is better). It runs without a
    /// shell; a name without a slash is looked up in PATH.
    case command(executable: String, arguments: [String] = [], timeoutSeconds: Double = 60)
}

/// Scores architectures for one objective, each distinct network (by canonical form) once.
/// Not shareable between threads: it owns the predictor's child processes one at a time.
public struct ObjectiveScorer {
    public let objective: SearchObjective
    public let space: SearchSpace
    /// Every score so far, keyed by `Architecture.canonical`.
    public private(set) var scores: [String: Double] = [:]
    private var transport: LocalTransport?

    public init(objective: SearchObjective, space: SearchSpace) {
        self.objective = objective
        self.space = space
    }

    /// Distinct architectures scored so far.
    public var evaluatedCount: Int { scores.count }

    /// Checks `arch` against the space, then returns its score, computing it only the first time.
    public mutating func score(_ arch: Architecture) throws(SearchError) -> Double {
        let checked: Architecture
        do {
            checked = try space.check(arch)
        } catch {
            throw .space(error)
        }
        return try score(checked: checked)
    }

    /// `arch` must already be checked (normalised), so its canonical string is its identity.
    mutating func score(checked arch: Architecture) throws(SearchError) -> Double {
        let key = arch.canonical
        if let known = scores[key] { return known }
        let value: Double
        switch objective {
        case .flops: value = Double(try Self.cost(arch, space).macs)
        case .params: value = Double(try Self.cost(arch, space).parameters)
        case .command(let executable, let arguments, let timeoutSeconds):
            value = try predict(key, argv: [executable] + arguments, timeoutSeconds: timeoutSeconds)
        }
        scores[key] = value
        return value
    }

    private static func cost(_ arch: Architecture, _ space: SearchSpace) throws(SearchError) -> ArchitectureCost {
        do {
            return try ArchitectureCost(arch, in: space)
        } catch {
            throw .space(error)
        }
    }

    private mutating func predict(_ canonical: String, argv: [String], timeoutSeconds: Double) throws(SearchError) -> Double {
        let command = argv.joined(separator: " ")
        let transport = self.transport ?? LocalTransport(label: "predictor")
        self.transport = transport
        let result: CommandResult
        do {
            result = try transport.run(argv, stdin: Data((canonical + "\n").utf8), timeoutSeconds: timeoutSeconds)
        } catch {
            if case .timedOut = error { throw .predictorTimedOut(command: command, seconds: timeoutSeconds) }
            throw .predictorUnavailable(command: command, reason: error.description)
        }
        let stderrLine = Self.lastLine(result.stderr)
        guard result.exitStatus == 0 else {
            throw .predictorFailed(command: command, exitStatus: result.exitStatus, stderrLastLine: stderrLine)
        }
        let output = String(decoding: result.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let value = Double(output), value.isFinite else {
            throw .predictorOutputNotNumber(command: command, output: String(output.prefix(200)), stderrLastLine: stderrLine)
        }
        return value
    }

    /// The last non-blank line, trimmed; empty when there is none.
    static func lastLine(_ bytes: Data) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        return lines.last(where: { !$0.isEmpty }) ?? ""
    }
}

/// Why a search could not run or finish. Each message names what failed and what to do.
public enum SearchError: Error, CustomStringConvertible, Sendable, Equatable, ExitStatusProviding {
    /// Population, ratios, resolutions or budget make no sense.
    case invalidSettings(reason: String)
    /// Even the smallest architecture of the space is predicted slower than the budget.
    case budgetBelowSmallest(space: String, budgetMilliseconds: Double, smallestMilliseconds: Double)
    /// Architectures within the budget exist but random sampling rarely finds one.
    case budgetTooTight(space: String, budgetMilliseconds: Double, smallestMilliseconds: Double, found: Int, wanted: Int, attempts: Int)
    /// The caller's latency function threw or returned something that is not a latency.
    case latencyFailed(architecture: String, reason: String)
    /// The predictor exited with a non-zero status.
    case predictorFailed(command: String, exitStatus: Int32, stderrLastLine: String)
    /// The predictor did not finish within its timeout and was killed (with its process group).
    case predictorTimedOut(command: String, seconds: Double)
    /// The predictor exited 0 but its stdout was not one finite number.
    case predictorOutputNotNumber(command: String, output: String, stderrLastLine: String)
    /// The predictor could not be started (not found, not executable).
    case predictorUnavailable(command: String, reason: String)
    /// An architecture did not fit the space (a bug in the caller or the search).
    case space(SpaceError)

    public var description: String {
        switch self {
        case .invalidSettings(let reason):
            return "architecture search: \(reason)"
        case .budgetBelowSmallest(let space, let budget, let smallest):
            return "latency budget \(Self.ms(budget)) is below the smallest \(space) architecture's predicted latency \(Self.ms(smallest)); "
                + "raise the budget to at least \(Self.ms(smallest))"
        case .budgetTooTight(let space, let budget, let smallest, let found, let wanted, let attempts):
            return "only \(found) of \(wanted) initial \(space) architectures met the latency budget \(Self.ms(budget)) "
                + "within \(attempts) random samples each (the smallest architecture is predicted at \(Self.ms(smallest))); "
                + "raise the budget or the sampling attempts"
        case .latencyFailed(let architecture, let reason):
            return "latency prediction failed for \(architecture): \(reason)"
        case .predictorFailed(let command, let status, let line):
            return "accuracy predictor `\(command)` exited with status \(status)\(Self.stderr(line)); fix the predictor and run the search again"
        case .predictorTimedOut(let command, let seconds):
            return "accuracy predictor `\(command)` gave no answer within \(Self.seconds(seconds)) s and was killed "
                + "(its stderr is not kept on a timeout); make it faster or raise its timeout"
        case .predictorOutputNotNumber(let command, let output, let line):
            return "accuracy predictor `\(command)` printed \(output.debugDescription) instead of one number\(Self.stderr(line)); "
                + "it must print only the score on stdout"
        case .predictorUnavailable(let command, let reason):
            return "accuracy predictor `\(command)` could not be run: \(reason)"
        case .space(let error):
            return error.description
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .invalidSettings: .usage
        case .budgetBelowSmallest, .budgetTooTight, .latencyFailed: .dataError
        case .predictorFailed, .predictorTimedOut, .predictorOutputNotNumber: .failure
        case .predictorUnavailable: .noInput
        case .space(let error): error.exitStatus
        }
    }

    private static func ms(_ value: Double) -> String { String(format: "%.3f ms", value) }
    private static func seconds(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value) }
    private static func stderr(_ line: String) -> String { line.isEmpty ? " (stderr was empty)" : "; stderr: \(line.debugDescription)" }
}
