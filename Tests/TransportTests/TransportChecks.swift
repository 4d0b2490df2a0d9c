import Foundation
import Testing
import Transport

/// Behaviour every DeviceTransport must have, written once and run against each transport.
/// `scratch` is a directory the transport can write to (on the "device").
/// Sleeps are short because over SSH as root an abandoned command is not killed (see SSHSession).
enum TransportCheck: String, CaseIterable, Sendable, CustomStringConvertible {
    case runCollectsStdoutStderrAndExitStatus
    case runReportsDeathBySignal
    case hostileArgumentsStayLiteral
    case stdinIsPassedThrough
    case runTimeoutThrows
    case runTimeoutFiresDespiteContinuousOutput
    case streamIdleTimeoutIgnoresStderr
    case streamDeliversLinesInOrder
    case streamIdleTimeoutThrowsAndTransportStaysUsable
    case streamRethrowsLineHandlerError
    case uploadWritesAtomicallyWithMode
    case uploadReplacesExistingFile
    case uploadFileStreamsLocalFile
    case failedUploadLeavesNoTempFile
    case uploadOntoDirectoryFails
    case uploadToAFullDiskSaysSoAndLeavesNothing
    case uploadAllWritesEveryFileWithItsMode
    case uploadAllOntoADirectoryLeavesEverythingAsItWas
    case uploadAllMayKeepATargetOfTheSameSize

    var description: String { rawValue }

    func run(on transport: any DeviceTransport, scratch: String) throws {
        switch self {
        case .runCollectsStdoutStderrAndExitStatus:
            let result = try transport.run(["sh", "-c", "echo hello; echo oops >&2; exit 3"], timeoutSeconds: 20)
            #expect(result.exitStatus == 3)
            #expect(result.stdout == Data("hello\n".utf8))
            #expect(result.stderr == Data("oops\n".utf8))
            let echo = try transport.run(["echo", "hi there"], timeoutSeconds: 20)
            #expect(echo.exitStatus == 0)
            #expect(echo.stdout == Data("hi there\n".utf8))
            #expect(echo.stderr.isEmpty)

        case .runReportsDeathBySignal:
            let result = try transport.run(["sh", "-c", "kill -TERM $$"], timeoutSeconds: 20)
            #expect(result.exitStatus == 128 + 15)

        case .hostileArgumentsStayLiteral:
            let marker = scratch + "/pwned"
            let hostile = [
                "$(touch \(marker))", "`touch \(marker)`", "it's", "say \"hi\"", "line1\nline2",
                "  spaced  out  ", "", "; touch \(marker)", "*", "\\", "'$HOME'", "a\tb", "-n",
            ]
            let result = try transport.run(["printf", "%s\\0"] + hostile, timeoutSeconds: 20)
            #expect(result.exitStatus == 0)
            let expected = hostile.map { Data($0.utf8) + Data([0]) }.reduce(Data(), +)
            #expect(result.stdout == expected)
            let probe = try transport.run(["test", "-e", marker], timeoutSeconds: 20)
            #expect(probe.exitStatus == 1, "a hostile argument was executed: \(marker) exists")

        case .stdinIsPassedThrough:
            // Larger than the SSH channel windows, so stdin and stdout must be pumped together.
            let payload = randomData(count: 3 * 1024 * 1024 + 17)
            let result = try transport.run(["cat"], stdin: payload, timeoutSeconds: 60)
            #expect(result.exitStatus == 0)
            #expect(result.stdout.count == payload.count)
            #expect(result.stdout == payload)
            let empty = try transport.run(["cat"], stdin: Data(), timeoutSeconds: 20)
            #expect(empty.stdout.isEmpty && empty.exitStatus == 0)

        case .runTimeoutThrows:
            let error = expectTransportError({ if case .timedOut = $0 { true } else { false } }) {
                try transport.run(["sleep", "8"], timeoutSeconds: 0.5)
            }
            #expect(error?.description.contains("`sleep 8` timed out") == true)

        case .runTimeoutFiresDespiteContinuousOutput:
            let error = expectTransportError({ if case .timedOut = $0 { true } else { false } }) {
                try transport.run(
                    ["sh", "-c", "i=0; while [ $i -lt 200000 ]; do echo $i; i=$((i+1)); done"],
                    timeoutSeconds: 0.3)
            }
            #expect(error != nil)

        case .streamIdleTimeoutIgnoresStderr:
            // stderr chatter is not progress: only stdout lines reset the idle timer.
            let error = expectTransportError({ if case .timedOut = $0 { true } else { false } }) {
                try transport.stream(
                    ["sh", "-c", "echo go; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do echo tick >&2; sleep 0.5; done; echo late"],
                    stdin: Data(), idleTimeoutSeconds: 1
                ) { _ in }
            }
            #expect(error != nil)

        case .streamDeliversLinesInOrder:
            var lines: [String] = []
            let outcome = try transport.stream(
                ["sh", "-c", "cat; echo done; echo warn >&2; printf 'tail'"],
                stdin: Data("x\ny\n\nz\n".utf8), idleTimeoutSeconds: 20
            ) { lines.append($0) }
            #expect(lines == ["x", "y", "", "z", "done", "tail"])
            #expect(outcome.exitStatus == 0)
            #expect(outcome.stderr == Data("warn\n".utf8))

        case .streamIdleTimeoutThrowsAndTransportStaysUsable:
            var lines: [String] = []
            let error = expectTransportError({ if case .timedOut = $0 { true } else { false } }) {
                try transport.stream(
                    ["sh", "-c", "echo first; sleep 8; echo never"],
                    stdin: Data(), idleTimeoutSeconds: 1
                ) { lines.append($0) }
            }
            #expect(error != nil)
            #expect(lines == ["first"])
            let after = try transport.run(["echo", "still here"], timeoutSeconds: 20)
            #expect(after.stdout == Data("still here\n".utf8))

        case .streamRethrowsLineHandlerError:
            struct Enough: Error, Equatable { let line: String }
            var seen: [String] = []
            #expect(throws: Enough(line: "2")) {
                try transport.stream(
                    ["sh", "-c", "for i in 1 2 3 4; do echo $i; done; sleep 8"],
                    stdin: Data(), idleTimeoutSeconds: 20
                ) { line in
                    seen.append(line)
                    if line == "2" { throw Enough(line: line) }
                }
            }
            #expect(seen == ["1", "2"])

        case .uploadWritesAtomicallyWithMode:
            let payload = randomData(count: 1024 * 1024 + 3)
            let directory = scratch + "/deep/er"
            let target = directory + "/blob.bin"
            try transport.upload(payload, to: target, mode: 0o750)
            try expectRemoteFile(transport, target, equals: payload, mode: "750")
            #expect(try listDirectory(transport, directory) == ["blob.bin"])

        case .uploadReplacesExistingFile:
            let target = scratch + "/config.json"
            try transport.upload(Data("old old old old".utf8), to: target, mode: 0o600)
            let replacement = Data("{\"new\": true}\n".utf8)
            try transport.upload(replacement, to: target, mode: 0o644)
            try expectRemoteFile(transport, target, equals: replacement, mode: "644")
            #expect(try listDirectory(transport, scratch) == ["config.json"])

        case .uploadFileStreamsLocalFile:
            let local = try makeScratchDirectory("upload-source")
            defer { try? FileManager.default.removeItem(atPath: local) }  // test scratch
            let payload = randomData(count: 5 * 1024 * 1024 + 1)
            try payload.write(to: URL(fileURLWithPath: local + "/agent"))
            let target = scratch + "/bin/agent"
            try transport.uploadFile(at: local + "/agent", to: target, mode: 0o755)
            try expectRemoteFile(transport, target, equals: payload, mode: "755")

        case .failedUploadLeavesNoTempFile:
            // A directory opens fine but read(2) fails: the upload breaks after the temp file exists.
            let target = scratch + "/out/agent"
            let error = expectTransportError({ if case .local = $0 { true } else { false } }) {
                try transport.uploadFile(at: "/", to: target, mode: 0o755)
            }
            #expect(error != nil)
            #expect(try listDirectory(transport, scratch + "/out") == [])
            _ = expectTransportError({ if case .local = $0 { true } else { false } }) {
                try transport.uploadFile(at: scratch + "/does-not-exist", to: target, mode: 0o755)
            }

        case .uploadOntoDirectoryFails:
            let target = scratch + "/adir"
            _ = try transport.run(["mkdir", "-p", target + "/inner"], timeoutSeconds: 20)
            let error = expectTransportError({ if case .sftp = $0 { true } else { false } }) {
                try transport.upload(Data("x".utf8), to: target, mode: 0o644)
            }
            #expect(error != nil)
            #expect(try listDirectory(transport, scratch) == ["adir"])
            #expect(try listDirectory(transport, target) == ["inner"])

        case .uploadAllWritesEveryFileWithItsMode:
            // Two directories (one new), a target replaced, enough files for several mv batches
            // of the SSH transport (64 KiB of quoted paths each).
            let models = scratch + "/models", other = scratch + "/other dir"
            try transport.upload(Data("old".utf8), to: models + "/a.plan", mode: 0o600)
            var files = [UploadFile(Data("A".utf8), to: models + "/a.plan", mode: 0o644), UploadFile(Data("B".utf8), to: other + "/b", mode: 0o755)]
            let long = String(repeating: "p", count: 200)
            for i in 0..<400 { files.append(UploadFile(Data("\(i)".utf8), to: models + "/\(long)-\(i).plan", mode: 0o644)) }
            try transport.uploadAll(files)
            try expectRemoteFile(transport, models + "/a.plan", equals: Data("A".utf8), mode: "644")
            try expectRemoteFile(transport, other + "/b", equals: Data("B".utf8), mode: "755")
            try expectRemoteFile(transport, models + "/\(long)-399.plan", equals: Data("399".utf8), mode: "644")
            let listed = try listDirectory(transport, models)
            #expect(listed.count == 401 && !listed.contains { $0.hasPrefix(".") }, "\(listed.count) entries")
            try transport.uploadAll([])

        case .uploadAllOntoADirectoryLeavesEverythingAsItWas:
            let dir = scratch + "/batch"
            _ = try transport.run(["mkdir", "-p", dir + "/taken/inner"], timeoutSeconds: 20)
            try transport.upload(Data("old".utf8), to: dir + "/first", mode: 0o644)
            let error = expectTransportError({ if case .sftp = $0 { true } else { false } }) {
                try transport.uploadAll([
                    UploadFile(Data("new".utf8), to: dir + "/first", mode: 0o644), UploadFile(Data("x".utf8), to: dir + "/taken", mode: 0o644),
                ])
            }
            #expect(error?.description.contains("directory") == true, "\(String(describing: error))")
            // Over SSH the files are staged before any move, so nothing changed and no temporary is left.
            if transport is SSHSession {
                try expectRemoteFile(transport, dir + "/first", equals: Data("old".utf8), mode: "644")
            }
            #expect(try listDirectory(transport, dir).sorted() == ["first", "taken"])

        case .uploadAllMayKeepATargetOfTheSameSize:
            // keepSameSize is a hint: over SSH a same-size target stays (and is not counted);
            // a target of another size is always written, and so is a missing one.
            let dir = scratch + "/keep"
            try transport.upload(Data("old!".utf8), to: dir + "/same", mode: 0o644)
            try transport.upload(Data("old".utf8), to: dir + "/other", mode: 0o644)
            let written = try transport.uploadAll([
                UploadFile(Data("new!".utf8), to: dir + "/same", mode: 0o644, keepSameSize: true),
                UploadFile(Data("newer".utf8), to: dir + "/other", mode: 0o644, keepSameSize: true),
                UploadFile(Data("fresh".utf8), to: dir + "/fresh", mode: 0o644, keepSameSize: true),
            ])
            let kept = transport is SSHSession
            #expect(written == (kept ? 2 : 3))
            try expectRemoteFile(transport, dir + "/same", equals: Data((kept ? "old!" : "new!").utf8), mode: "644")
            try expectRemoteFile(transport, dir + "/other", equals: Data("newer".utf8), mode: "644")
            try expectRemoteFile(transport, dir + "/fresh", equals: Data("fresh".utf8), mode: "644")
            #expect(try listDirectory(transport, dir).sorted() == ["fresh", "other", "same"])

        case .uploadToAFullDiskSaysSoAndLeavesNothing:
            // The "device" is this machine: a 64 KiB tmpfs in its scratch directory fills up.
            guard getuid() == 0 else {
                print("\(self): mounting a tmpfs needs root (uid \(getuid())); skipped")
                return
            }
            let disk = scratch + "/small"
            try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
            try #require(mount("tmpfs", disk, "tmpfs", 0, "size=64k,mode=0777") == 0, "mount: \(String(cString: strerror(errno)))")
            defer { #expect(umount(disk) == 0, "umount \(disk): \(String(cString: strerror(errno)))") }
            let target = disk + "/models/big.plan"
            let error = expectTransportError({ if case .diskFull = $0 { true } else { false } }) {
                try transport.upload(randomData(count: 256 * 1024), to: target, mode: 0o644)
            }
            #expect(error?.description.contains("cannot write \(target): No space left on device") == true, "\(String(describing: error))")
            #expect(try listDirectory(transport, disk + "/models") == [])
        }
    }
}

/// Content (via sha256sum and cat on the device) and permission bits of an uploaded file.
private func expectRemoteFile(
    _ transport: any DeviceTransport, _ path: String, equals payload: Data, mode: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let remoteHash = try transport.run(["sha256sum", path], timeoutSeconds: 30)
    #expect(remoteHash.exitStatus == 0, sourceLocation: sourceLocation)
    let expectedHash = try LocalTransport(label: "host").run(["sha256sum"], stdin: payload, timeoutSeconds: 30)
    let firstField = { (data: Data) in String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init) }
    #expect(firstField(remoteHash.stdout) != nil, sourceLocation: sourceLocation)
    #expect(firstField(remoteHash.stdout) == firstField(expectedHash.stdout), sourceLocation: sourceLocation)
    let content = try transport.run(["cat", path], timeoutSeconds: 30)
    #expect(content.stdout == payload, sourceLocation: sourceLocation)
    let stat = try transport.run(["stat", "-c", "%a", path], timeoutSeconds: 20)
    #expect(String(decoding: stat.stdout, as: UTF8.self) == mode + "\n", sourceLocation: sourceLocation)
}

/// Every entry including dot files (temp files are dot files), sorted.
private func listDirectory(_ transport: any DeviceTransport, _ path: String) throws -> [String] {
    let result = try transport.run(["ls", "-A", path], timeoutSeconds: 20)
    #expect(result.exitStatus == 0, "ls -A \(path): \(String(decoding: result.stderr, as: UTF8.self))")
    return String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").map(String.init).sorted()
}
