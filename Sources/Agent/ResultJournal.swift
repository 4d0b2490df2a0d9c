import BenchCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// The agent's journal of results: each result is written to
/// `<workdir>/results/<runKey>/<benchmark key>.json` (temp file, fsync, rename, fsync of the
/// directory) before it is sent, so a host that never received it can collect it later
/// (`run --resume`). The host removes a run's journal once every result of it is stored.
struct ResultJournal {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let options: JournalOptions

    init(_ options: JournalOptions) throws(Failure) {
        guard JournalOptions.isValidRunKey(options.runKey) else {
            throw Failure(description: "journal run key \(options.runKey.debugDescription) is not a UUID-like name")
        }
        guard options.directory.hasPrefix("/") else { throw Failure(description: "journal directory must be absolute") }
        self.options = options
        for dir in [options.directory, options.runDirectory] where mkdir(dir, 0o700) != 0 && errno != EEXIST {
            throw Failure(description: "cannot create the result journal \(dir): \(String(cString: strerror(errno)))")
        }
    }

    /// Writes the result durably; an error names the file and the reason (a full disk...).
    func write(_ outcome: BenchmarkOutcome) throws(Failure) {
        let path = "\(options.runDirectory)/\(JournalOptions.fileName(for: outcome.benchmark))"
        let temp = path + ".tmp"
        let bytes: [UInt8]
        do { bytes = Array(try JSONEncoder().encode(outcome)) } catch {
            throw Failure(description: "cannot encode the result of \(outcome.benchmark): \(error)")
        }
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot write \(temp): \(String(cString: strerror(errno)))") }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let err = errno
                close(fd)
                unlink(temp)
                throw Failure(description: "cannot write \(temp): \(String(cString: strerror(err)))")
            }
            done += n
        }
        let synced = fsync(fd) == 0
        let err = errno
        close(fd)
        guard synced else {
            unlink(temp)
            throw Failure(description: "cannot sync \(temp): \(String(cString: strerror(err)))")
        }
        guard rename(temp, path) == 0 else {
            let err = errno
            unlink(temp)
            throw Failure(description: "cannot rename \(temp): \(String(cString: strerror(err)))")
        }
        let dir = open(options.runDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            _ = fsync(dir)
            close(dir)
        }
    }

    /// Removes the journals of earlier runs named in `options.dropRunKeys`: the files directly
    /// in `<directory>/<key>/`, then the directory. Never through a symbolic link, never below
    /// it, never this run's own journal. A journal already gone counts as dropped.
    func dropEarlier() -> AgentMessage.JournalsDropped {
        var dropped: [String] = [], problems: [String] = []
        for key in options.dropRunKeys {
            guard JournalOptions.isValidRunKey(key), key != options.runKey else {
                problems.append("\(key.debugDescription): not an earlier run's key; left alone")
                continue
            }
            let path = "\(options.directory)/\(key)"
            if let problem = Self.removeFlatDirectory(path) { problems.append(problem) } else { dropped.append(key) }
        }
        return .init(runKeys: dropped, problems: problems)
    }

    /// nil when `path` is gone afterwards (or was already), else why not.
    private static func removeFlatDirectory(_ path: String) -> String? {
        let dirFD = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard dirFD >= 0 else {
            let err = errno
            return err == ENOENT ? nil : "\(path): \(String(cString: strerror(err)))\(err == ELOOP || err == ENOTDIR ? " (not a directory); left alone" : "")"
        }
        guard let dir = fdopendir(dirFD) else {
            let err = errno
            close(dirFD)
            return "\(path): \(String(cString: strerror(err)))"
        }
        var problem: String?
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            if unlinkat(dirFD, name, 0) != 0 && errno != ENOENT {
                problem = "\(path)/\(name): \(String(cString: strerror(errno)))"
                break
            }
        }
        closedir(dir)
        if let problem { return problem }
        guard rmdir(path) == 0 || errno == ENOENT else { return "\(path): \(String(cString: strerror(errno)))" }
        return nil
    }

    /// Every complete result in the run's journal, in file-name order. Unreadable files (a
    /// torn write cannot happen, but a disk can lie) are reported, not skipped silently.
    func readAll() -> (results: [BenchmarkOutcome], problems: [String]) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: options.runDirectory) else { return ([], []) }
        var results: [BenchmarkOutcome] = [], problems: [String] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            let path = "\(options.runDirectory)/\(name)"
            guard let data = FileManager.default.contents(atPath: path) else {
                problems.append("\(path): unreadable")
                continue
            }
            do { results.append(try JSONDecoder().decode(BenchmarkOutcome.self, from: data)) } catch {
                problems.append("\(path): \(error)")
            }
        }
        return (results, problems)
    }
}
