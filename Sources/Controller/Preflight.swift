import Foundation
import Transport

/// A shared library the agent links against, and the Debian package that provides it.
public struct RequiredLibrary: Sendable, Equatable {
    public var soname: String
    public var debianPackage: String

    public static let agentLibraries = [
        RequiredLibrary(soname: "libopenblas.so.0", debianPackage: "libopenblas0"),
        RequiredLibrary(soname: "libpfm.so.4", debianPackage: "libpfm4"),
        RequiredLibrary(soname: "libstdc++.so.6", debianPackage: "libstdc++6"),
    ]
}

/// What plain shell commands say about a board before anything is pushed to it.
public struct PreflightReport: Sendable, Equatable {
    public var architecture: String
    public var glibc: String?
    public var missingLibraries: [RequiredLibrary]

    public init(architecture: String, glibc: String?, missingLibraries: [RequiredLibrary]) {
        self.architecture = architecture
        self.glibc = glibc
        self.missingLibraries = missingLibraries
    }
}

public enum Preflight {
    /// Looks for each library in the usual directories, then in the loader cache. A cache entry
    /// counts only if its file exists: the cache can outlive a removed (or hidden) library, and
    /// the loader would then fail where this check said yes.
    static let libraryCheck = """
        for lib in "$@"; do
          found=no
          for d in /lib /lib64 /usr/lib /usr/lib64 /usr/local/lib /lib/*-linux-gnu /usr/lib/*-linux-gnu /usr/lib/*-linux-gnu/*; do
            if [ -e "$d/$lib" ]; then found=yes; break; fi
          done
          if [ "$found" = no ] && command -v ldconfig >/dev/null 2>&1; then
            for p in $(ldconfig -p 2>/dev/null | awk -v l="$lib" '$1 == l { print $NF }'); do
              if [ -e "$p" ]; then found=yes; break; fi
            done
          fi
          printf '%s %s\\n' "$lib" "$found"
        done
        """

    public static func inspect(_ t: any DeviceTransport) throws(ControllerError) -> PreflightReport {
        do {
            let arch = try t.run(["uname", "-m"], timeoutSeconds: 30)
            // The first command run on the board: when it fails, the account is the problem.
            guard arch.exitStatus == 0 else {
                let said = text(arch.stderr).split(separator: "\n").joined(separator: " ")
                throw ControllerError.accountUnusable(
                    device: t.label, reason: "`uname -m` exited \(arch.exitStatus)\(said.isEmpty ? "" : ": \(said)")")
            }
            let libc = try t.run(["getconf", "GNU_LIBC_VERSION"], timeoutSeconds: 30)
            let glibc = libc.exitStatus == 0 ? text(libc.stdout).split(separator: " ").last.map(String.init) : nil
            let libs = try t.run(["sh", "-c", libraryCheck, "sh"] + RequiredLibrary.agentLibraries.map(\.soname), timeoutSeconds: 30)
            let missing = text(libs.stdout).split(separator: "\n").compactMap { line -> RequiredLibrary? in
                let parts = line.split(separator: " ")
                guard parts.count == 2, parts[1] == "no" else { return nil }
                return RequiredLibrary.agentLibraries.first { $0.soname == parts[0] }
            }
            return PreflightReport(architecture: text(arch.stdout), glibc: glibc, missingLibraries: missing)
        } catch let e as TransportError {
            throw .transport(e)
        } catch let e as ControllerError {
            throw e
        } catch {
            throw .agentFailed(device: t.label, reason: "\(error)")
        }
    }

    /// Turns a report into the one error that says what to do, or nothing when the agent can run.
    public static func check(_ report: PreflightReport, agent: AgentBinary, device: String) throws(ControllerError) {
        guard report.architecture == agent.architecture else {
            throw .agentArchitecture(device: device, board: report.architecture, agent: agent.architecture, path: agent.path)
        }
        if let needed = agent.minimumGlibc, let board = report.glibc, versionLess(board, needed) {
            throw .glibcTooOld(device: device, board: board, needed: needed)
        }
        if !report.missingLibraries.isEmpty { throw .agentMissingLibraries(device: device, missing: report.missingLibraries) }
    }

    static func text(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
