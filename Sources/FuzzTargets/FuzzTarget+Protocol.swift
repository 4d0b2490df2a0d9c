import BenchCore
import Foundation

extension FuzzTarget {
    /// The agent's side (`AgentSession.serve`) up to the point where it would touch the board:
    /// decode the request, then the checks made on what it carries (protocol version, each
    /// benchmark's settings, the journal's run key and file names, the inference inputs).
    static func agentRequest(_ bytes: [UInt8]) -> Outcome {
        let request: AgentRequest
        do { request = try JSONDecoder().decode(AgentRequest.self, from: Data(bytes)) } catch { return .rejected("\(error)") }
        guard request.protocol == AgentProtocol.version else { return .rejected("protocol \(request.protocol)") }
        var problems: [String] = []
        for b in request.benchmarks {
            if let p = b.settings.problem() { problems.append("\(b.name): \(p)") }
            _ = JournalOptions.fileName(for: b.name)
        }
        if let journal = request.session?.journal, !JournalOptions.isValidRunKey(journal.runKey) { problems.append("run key") }
        for input in request.infer?.inputs ?? [] where input.values() == nil { problems.append("input \(input.name)") }
        return problems.isEmpty ? .accepted : .rejected(problems.joined(separator: "; "))
    }

    /// The host's side (`AgentClient.send`): every line is one message; results are summarised
    /// as the host does before storing them (statistics and the stability verdict), tensors
    /// are unpacked as `infer` does.
    static func agentMessages(_ bytes: [UInt8]) -> Outcome {
        let decoder = JSONDecoder()
        var problems: [String] = []
        var lines = 0
        for raw in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            lines += 1
            let line = String(decoding: raw, as: UTF8.self)
            let message: AgentMessage
            do { message = try decoder.decode(AgentMessage.self, from: Data(line.utf8)) } catch {
                problems.append("line \(lines): \(error)")
                continue
            }
            switch message {
            case .result(let r): _ = r.statistics.map { StabilityVerdict.assess($0, conditions: r.conditions) }
            case .tensor(let t): if t.values() == nil { problems.append("line \(lines): tensor \(t.name) does not match its shape") }
            default: break
            }
        }
        if lines == 0 { return .rejected("no lines") }
        return problems.isEmpty ? .accepted : .rejected(problems.joined(separator: "; "))
    }
}
