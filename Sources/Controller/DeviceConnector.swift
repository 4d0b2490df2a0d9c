import Foundation
import Transport

/// Opens the transport a device's configuration describes.
public enum DeviceConnector {
    public static func connect(_ config: DeviceConfig, policy: HostKeyPolicy? = nil) throws(ControllerError) -> any DeviceTransport {
        switch config.transport {
        case .local:
            return LocalTransport(label: config.name)
        case .ssh:
            let endpoint = SSHEndpoint(
                label: config.name, host: config.host ?? "", port: config.port ?? 22, user: config.user ?? currentUser(),
                identityFile: config.identity, proxyCommand: config.proxyCommand)
            let effective = policy ?? (config.hostKeyFingerprint.map { HostKeyPolicy.pinned($0) } ?? .refuseUnknown)
            do {
                return try SSHSession.connect(endpoint, hostKeyPolicy: effective)
            } catch {
                throw .transport(error)
            }
        }
    }

    static func currentUser() -> String {
        if let u = ProcessInfo.processInfo.environment["USER"], !u.isEmpty { return u }
        guard let pw = getpwuid(getuid()) else { return "root" }
        return String(cString: pw.pointee.pw_name)
    }
}
