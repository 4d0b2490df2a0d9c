/// The parsers that read bytes BoardBench does not control (plans, ONNX models, the agent
/// protocol, hand-written YAML, `.npy` inputs), each called the way the product calls it.
///
/// libFuzzer (`scripts/fuzz.sh`) and the corpus replay tests (`FuzzTests`) go through
/// `run(_:)` alone, so a committed corpus replays exactly what the fuzzer ran. A parser error
/// is an expected answer to bad input and is returned as `.rejected`; only a trap, a hang or
/// `.broken` (an invariant of the product failed) is a finding.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `PlanCodec.decode` on the bytes as given, then again with the CRCs recomputed so
    /// mutations reach the graph decoder and validator; an accepted plan must re-encode.
    case plan
    /// `boardbench compile model.onnx`: `ONNXImporter.graph(fromBytes:)`, then the plan the
    /// import produced must encode and decode.
    case onnx
    /// What the agent does with the request on its stdin before it measures anything.
    case agentRequest = "agent-request"
    /// What the host does with each line the agent prints.
    case agentMessages = "agent-messages"
    /// `ProfileLoader.parse`: YAML profile text, sweeps expanded, settings checked.
    case profile
    /// `DeviceFile.parse`: `Devices/pi5.yaml`.
    case device
    /// `BoardDescriptor.parse`: `Devices/boards/NAME.yaml`.
    case board
    /// `SearchSpace(yaml:file:)`: a search-space file, including its dry-run compile.
    case space
    /// `NPY.decode`: `boardbench infer --input x.npy`.
    case npy

    /// What one input did.
    public enum Outcome: Sendable, Equatable {
        /// The parser took the input.
        case accepted
        /// The parser refused it with its own error (the message is kept for replay output).
        case rejected(String)
        /// The input broke an invariant the product relies on: a finding, like a trap.
        case broken(String)
    }

    /// Feeds `bytes` to the target's parser. Never throws: the fuzzer's "pass" is returning.
    public func run(_ bytes: [UInt8]) -> Outcome {
        switch self {
        case .plan: Self.plan(bytes)
        case .onnx: Self.onnx(bytes)
        case .agentRequest: Self.agentRequest(bytes)
        case .agentMessages: Self.agentMessages(bytes)
        case .profile: Self.profile(bytes)
        case .device: Self.device(bytes)
        case .board: Self.board(bytes)
        case .space: Self.space(bytes)
        case .npy: Self.npy(bytes)
        }
    }
}
