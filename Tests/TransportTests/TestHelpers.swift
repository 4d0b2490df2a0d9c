import BenchTestSupport
import Foundation
import Testing
import Transport

/// Runs `body` expecting a TransportError for which `matches` holds; records an issue otherwise.
func expectTransportError<R>(
    _ matches: (TransportError) -> Bool,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> R
) -> TransportError? {
    do {
        let value = try body()
        Issue.record("expected a TransportError, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch let error as TransportError {
        #expect(matches(error), "unexpected error: \(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a TransportError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

func randomData(count: Int) -> Data {
    var generator = SystemRandomNumberGenerator()
    return Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
}

/// A fresh directory under the system temp dir, removed by the caller.
func makeScratchDirectory(_ name: String) throws -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("transport-tests-\(name)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A connected session to a fresh fixture sshd, with its workdir as scratch space.
struct SSHFixture {
    let server: SSHServer
    let session: SSHSession

    init(name: String = "board") throws {
        server = try SSHServer(name: name)
        session = try SSHSession.connect(server.endpoint(), hostKeyPolicy: .acceptNew)
    }
}

extension SSHServer {
    func endpoint(label: String = "board", identity: String? = nil, port: Int? = nil) -> SSHEndpoint {
        SSHEndpoint(
            label: label, host: "127.0.0.1", port: port ?? self.port, user: user,
            identityFile: identity ?? clientKeyPath, connectTimeoutSeconds: 5)
    }
}
