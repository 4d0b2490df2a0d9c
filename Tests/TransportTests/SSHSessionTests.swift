import BenchTestSupport
import Foundation
import Testing
import Transport

@Suite(.enabled(if: SSHServer.unavailableReason == nil, "needs a local OpenSSH sshd and root"))
struct SSHHostKeyTests {
    @Test func acceptNewReturnsTheFingerprintSshKeygenPrints() throws {
        let server = try SSHServer()
        let session = try SSHSession.connect(server.endpoint(), hostKeyPolicy: .acceptNew)
        let expected = try server.hostKeyFingerprint
        #expect(session.hostKeyFingerprint == expected)
        #expect(session.hostKeyFingerprint.hasPrefix("SHA256:"))
        #expect(!session.hostKeyFingerprint.hasSuffix("="))
    }

    @Test func pinnedAndExpectedMatchingFingerprintsConnect() throws {
        let server = try SSHServer()
        let fingerprint = try server.hostKeyFingerprint
        let pinned = try SSHSession.connect(server.endpoint(), hostKeyPolicy: .pinned(fingerprint))
        #expect(try pinned.run(["true"], timeoutSeconds: 20).exitStatus == 0)
        let expected = try SSHSession.connect(server.endpoint(), hostKeyPolicy: .expect(fingerprint))
        #expect(expected.hostKeyFingerprint == fingerprint)
    }

    @Test func pinnedWrongFingerprintIsHostKeyChanged() throws {
        let server = try SSHServer()
        let wrong = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        let actual = try server.hostKeyFingerprint
        let error = expectTransportError({ $0 == .hostKeyChanged(label: "board", pinned: wrong, actual: actual) }) {
            try SSHSession.connect(server.endpoint(), hostKeyPolicy: .pinned(wrong))
        }
        #expect(error != nil)
    }

    @Test func rotatedHostKeyIsHostKeyChangedNamingBothKeys() throws {
        let server = try SSHServer(name: "pi4")
        let old = try server.hostKeyFingerprint
        _ = try SSHSession.connect(server.endpoint(label: "pi4"), hostKeyPolicy: .pinned(old))
        try server.rotateHostKey()
        let new = try server.hostKeyFingerprint
        #expect(new != old)
        let error = expectTransportError({ if case .hostKeyChanged = $0 { true } else { false } }) {
            try SSHSession.connect(server.endpoint(label: "pi4"), hostKeyPolicy: .pinned(old))
        }
        let text = try #require(error).description
        #expect(text.contains(old) && text.contains(new))
        #expect(text.hasPrefix("device pi4: host key changed from \(old) to \(new);"))
        #expect(text.contains("boardbench device enrol pi4 --accept-new-host-key"))
        // The new key is accepted once pinned.
        _ = try SSHSession.connect(server.endpoint(label: "pi4"), hostKeyPolicy: .pinned(new))
    }

    @Test func refuseUnknownThrowsWithTheFingerprint() throws {
        let server = try SSHServer()
        let actual = try server.hostKeyFingerprint
        let error = expectTransportError({ $0 == .hostKeyUnknown(label: "board", fingerprint: actual) }) {
            try SSHSession.connect(server.endpoint(), hostKeyPolicy: .refuseUnknown)
        }
        #expect(error?.description.contains("--host-key-fingerprint \(actual)") == true)
    }

    @Test func expectWrongFingerprintIsMismatch() throws {
        let server = try SSHServer()
        let wrong = "SHA256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
        let actual = try server.hostKeyFingerprint
        let error = expectTransportError({ $0 == .hostKeyMismatch(label: "board", expected: wrong, actual: actual) }) {
            try SSHSession.connect(server.endpoint(), hostKeyPolicy: .expect(wrong))
        }
        #expect(error != nil)
    }

    @Test func fingerprintNormalisationToleratesPaddingAndMissingPrefix() {
        #expect(SSHSession.normalizeFingerprint(" abc= ") == "SHA256:abc")
        #expect(SSHSession.normalizeFingerprint("SHA256:abc") == "SHA256:abc")
    }
}

@Suite(.enabled(if: SSHServer.unavailableReason == nil, "needs a local OpenSSH sshd and root"))
struct SSHConnectionErrorTests {
    @Test func wrongIdentityIsAuthenticationFailed() throws {
        let server = try SSHServer(name: "pi4")
        let endpoint = server.endpoint(label: "pi4", identity: server.wrongClientKeyPath)
        let error = expectTransportError({ if case .authenticationFailed = $0 { true } else { false } }) {
            try SSHSession.connect(endpoint, hostKeyPolicy: .acceptNew)
        }
        let text = try #require(error).description
        #expect(text.hasPrefix("device pi4: key authentication as \(server.user) failed with identity \(server.wrongClientKeyPath) ("))
        #expect(text.hasSuffix("; check --identity and the board's authorized_keys"))
    }

    @Test func missingIdentityFileIsAuthenticationFailed() throws {
        let server = try SSHServer()
        let endpoint = server.endpoint(identity: server.directory + "/no-such-key")
        let error = expectTransportError({ if case .authenticationFailed = $0 { true } else { false } }) {
            try SSHSession.connect(endpoint, hostKeyPolicy: .acceptNew)
        }
        #expect(error?.description.contains("missing or unreadable") == true)
    }

    @Test func closedPortIsUnreachable() throws {
        let server = try SSHServer(name: "pi4")
        server.stop()
        let endpoint = server.endpoint(label: "pi4")
        let error = expectTransportError({ if case .unreachable = $0 { true } else { false } }) {
            try SSHSession.connect(endpoint, hostKeyPolicy: .acceptNew)
        }
        let text = try #require(error).description
        #expect(text.hasPrefix("device pi4: cannot reach 127.0.0.1:\(server.port) ("))
        #expect(text.hasSuffix("; check the host, port and that sshd runs"))
    }

    @Test func stopIsIdempotent() throws {
        let server = try SSHServer()
        server.stop()
        server.stop()
    }
}

@Suite struct ShellQuoteTests {
    @Test func quotesEveryArgument() {
        #expect(shellQuote(["echo", "a b"]) == "'echo' 'a b'")
        #expect(shellQuote(["it's"]) == #"'it'\''s'"#)
        #expect(shellQuote([""]) == "''")
        #expect(shellQuote(["$(x)", "`y`", "a\nb"]) == "'$(x)' '`y`' 'a\nb'")
    }

    @Test func shellReadsQuotedArgumentsBackLiterally() throws {
        let hostile = ["$(echo no)", "`echo no`", "'", "\"", "a\nb", " ", "", "\\n", "!"]
        let script = "printf '%s\\0' " + shellQuote(hostile)
        let result = try LocalTransport().run(["/bin/sh", "-c", script], timeoutSeconds: 20)
        #expect(result.stdout == hostile.map { Data($0.utf8) + Data([0]) }.reduce(Data(), +))
    }

    @Test func emptyArgvIsRejected() {
        let error = expectTransportError({ if case .invalidArgument = $0 { true } else { false } }) {
            try LocalTransport().run([], timeoutSeconds: 1)
        }
        #expect(error != nil)
    }
}
