import BenchCore
import Probes
import Runtime

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Serves one request: answers `hello` first, then the command's messages, then `done`.
/// Messages go to `emit` as they are produced, so the host stores each result on arrival.
public struct AgentSession {
    public let root: SysfsRoot
    public let emit: (AgentMessage) throws -> Void

    public init(root: SysfsRoot, emit: @escaping (AgentMessage) throws -> Void) {
        self.root = root
        self.emit = emit
    }

    public func serve(requestBytes: [UInt8]) throws {
        try emit(
            .hello(.init(agentVersion: BoardBenchVersion.current, protocol: AgentProtocol.version, runtimeVersion: RuntimeInfo.version, pid: getpid())))
        let request: AgentRequest
        do {
            request = try JSONDecoder().decode(AgentRequest.self, from: Data(requestBytes))
        } catch {
            try emit(.error(.init(code: "bad-request", message: "request is not valid JSON for protocol \(AgentProtocol.version): \(error)")))
            return
        }
        guard request.protocol == AgentProtocol.version else {
            try emit(
                .error(
                    .init(code: "protocol-mismatch", message: "host speaks protocol \(request.protocol), agent \(AgentProtocol.version); redeploy the agent")))
            return
        }
        let device = DeviceContext(request.probes, fallbackRoot: root)
        switch request.command {
        case .probe:
            try emit(.facts(FactsCollector.collect(root: device.root)))
        case .measure:
            for benchmark in request.benchmarks {
                try emit(.result(BenchmarkRunner.measure(benchmark, device: device)))
            }
        case .infer:
            guard let infer = request.infer else {
                try emit(.error(.init(code: "bad-request", message: "infer request without an `infer` body")))
                return
            }
            switch InferenceRunner.run(infer) {
            case .success(let outputs): for o in outputs { try emit(.tensor(o)) }
            case .failure(let failure):
                try emit(.error(failure))
                return
            }
        }
        try emit(.done)
    }
}
