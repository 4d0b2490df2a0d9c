import CLibSSH
import Foundation

/// An authenticated SSH connection to one device. The only owner of an `ssh_session`.
///
/// Host keys are checked against the caller's policy only: no known_hosts file is read or
/// written and ~/.ssh/config is ignored, so the device file is the single source of truth.
/// Authentication is by key only. Not thread-safe: one session per device worker.
public final class SSHSession: DeviceTransport {
    public let endpoint: SSHEndpoint
    /// "SHA256:<base64>" exactly as `ssh-keygen -l -E sha256` prints it.
    public let hostKeyFingerprint: String
    public var label: String { endpoint.label }

    let session: ssh_session

    private init(endpoint: SSHEndpoint, session: ssh_session, hostKeyFingerprint: String) {
        self.endpoint = endpoint
        self.session = session
        self.hostKeyFingerprint = hostKeyFingerprint
    }

    deinit {
        ssh_disconnect(session)
        ssh_free(session)
    }

    /// Connects, verifies the host key against `hostKeyPolicy`, then authenticates with a key.
    public static func connect(
        _ endpoint: SSHEndpoint, hostKeyPolicy: HostKeyPolicy
    ) throws(TransportError) -> SSHSession {
        let label = endpoint.label
        guard (1...65535).contains(endpoint.port) else {
            throw .invalidArgument(label: label, reason: "port \(endpoint.port) is outside 1...65535")
        }
        guard let session = ssh_new() else {
            throw .local(label: label, reason: "libssh could not allocate a session")
        }
        do throws(TransportError) {
            try configure(session, endpoint)
            guard ssh_connect(session) == SSH_OK else {
                throw .unreachable(
                    label: label, host: endpoint.host, port: endpoint.port,
                    reason: errorText(session))
            }
            let fingerprint = try serverFingerprint(session, label: label)
            try check(fingerprint, against: hostKeyPolicy, label: label)
            try authenticate(session, endpoint)
            return SSHSession(endpoint: endpoint, session: session, hostKeyFingerprint: fingerprint)
        } catch {
            ssh_disconnect(session)
            ssh_free(session)
            throw error
        }
    }

    /// Canonical fingerprint form, so a pasted "SHA256:abc=" or bare "abc" still compares equal.
    public static func normalizeFingerprint(_ text: String) -> String {
        var body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if body.hasPrefix("SHA256:") { body.removeFirst("SHA256:".count) }
        while body.hasSuffix("=") { body.removeLast() }
        return "SHA256:" + body
    }

    // MARK: - Connection steps

    private static func configure(_ session: ssh_session, _ endpoint: SSHEndpoint) throws(TransportError) {
        var port = UInt32(endpoint.port)
        var timeout = Int(max(1, endpoint.connectTimeoutSeconds))  // C long
        var processConfig = false
        var verbosity = Int32(SSH_LOG_NOLOG)
        // Nagle's algorithm against the peer's delayed ACK held each synchronous SFTP write for
        // up to 40 ms: 1 MB/s uploads on loopback (docs/performance.md, "Deployment").
        var noDelay: Int32 = 1
        let results: [(String, Int32)] = [
            ("host", ssh_options_set(session, SSH_OPTIONS_HOST, endpoint.host)),
            ("port", ssh_options_set(session, SSH_OPTIONS_PORT, &port)),
            ("user", ssh_options_set(session, SSH_OPTIONS_USER, endpoint.user)),
            ("timeout", ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &timeout)),
            ("config processing", ssh_options_set(session, SSH_OPTIONS_PROCESS_CONFIG, &processConfig)),
            // The policy decides about host keys; never consult or update a known_hosts file.
            ("known hosts", ssh_options_set(session, SSH_OPTIONS_KNOWNHOSTS, "/dev/null")),
            ("global known hosts", ssh_options_set(session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null")),
            ("log verbosity", ssh_options_set(session, SSH_OPTIONS_LOG_VERBOSITY, &verbosity)),
            ("TCP no-delay", ssh_options_set(session, SSH_OPTIONS_NODELAY, &noDelay)),
        ]
        if let (name, _) = results.first(where: { $0.1 != SSH_OK }) {
            throw .invalidArgument(
                label: endpoint.label,
                reason: "libssh rejected the \(name) option: \(errorText(session))")
        }
        // A gateway: libssh runs the command with /bin/sh -c (expanding %h, %p and %r) and
        // speaks SSH over its stdin/stdout; the board's host key is still checked end to end.
        if let proxy = endpoint.proxyCommand, ssh_options_set(session, SSH_OPTIONS_PROXYCOMMAND, proxy) != SSH_OK {
            throw .invalidArgument(label: endpoint.label, reason: "libssh rejected the proxy command: \(errorText(session))")
        }
    }

    private static func serverFingerprint(_ session: ssh_session, label: String) throws(TransportError) -> String {
        var key: ssh_key?
        guard ssh_get_server_publickey(session, &key) == SSH_OK, let key else {
            throw .channel(label: label, reason: "no server public key: \(errorText(session))")
        }
        defer { ssh_key_free(key) }
        var hash: UnsafeMutablePointer<UInt8>?
        var length = 0
        guard ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) == 0, let digest = hash else {
            throw .channel(label: label, reason: "cannot hash the server public key: \(errorText(session))")
        }
        defer { ssh_clean_pubkey_hash(&hash) }
        guard let text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, digest, length) else {
            throw .channel(label: label, reason: "cannot format the host key fingerprint")
        }
        defer { ssh_string_free_char(text) }
        // libssh 0.10 already prints "SHA256:" + unpadded base64; normalising guards other versions.
        return normalizeFingerprint(String(cString: text))
    }

    private static func check(
        _ actual: String, against policy: HostKeyPolicy, label: String
    ) throws(TransportError) {
        switch policy {
        case .acceptNew:
            return
        case .pinned(let pinned):
            guard normalizeFingerprint(pinned) == actual else {
                throw .hostKeyChanged(label: label, pinned: pinned, actual: actual)
            }
        case .expect(let expected):
            guard normalizeFingerprint(expected) == actual else {
                throw .hostKeyMismatch(label: label, expected: expected, actual: actual)
            }
        case .refuseUnknown:
            throw .hostKeyUnknown(label: label, fingerprint: actual)
        }
    }

    private static func authenticate(_ session: ssh_session, _ endpoint: SSHEndpoint) throws(TransportError) {
        let failure = { (reason: String) in
            TransportError.authenticationFailed(
                label: endpoint.label, user: endpoint.user, identity: endpoint.identityFile, reason: reason)
        }
        let rc: Int32
        if let identity = endpoint.identityFile {
            var key: ssh_key?
            let imported = ssh_pki_import_privkey_file(identity, nil, nil, nil, &key)
            guard imported == SSH_OK, let key else {
                throw failure(
                    imported == SSH_EOF
                        ? "the key file is missing or unreadable"
                        : "the key file is not an unencrypted private key libssh can read")
            }
            defer { ssh_key_free(key) }
            rc = ssh_userauth_publickey(session, nil, key)
        } else {
            rc = ssh_userauth_publickey_auto(session, nil, nil)
        }
        guard rc == SSH_AUTH_SUCCESS.rawValue else {
            let detail = errorText(session)
            switch rc {
            case SSH_AUTH_DENIED.rawValue: throw failure("the server refused the key: \(detail)")
            case SSH_AUTH_PARTIAL.rawValue: throw failure("the server demands a second factor")
            default: throw failure(detail)
            }
        }
    }

    // MARK: - Errors

    static func errorText(_ session: ssh_session) -> String {
        guard let text = ssh_get_error(UnsafeMutableRawPointer(session)) else { return "unknown libssh error" }
        let message = String(cString: text)
        return message.isEmpty ? "unknown libssh error" : message
    }

    func channelError(_ what: String) -> TransportError {
        .channel(label: label, reason: "\(what): \(Self.errorText(session))")
    }
}
