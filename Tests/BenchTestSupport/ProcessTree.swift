import Foundation

/// Processes as /proc shows them, for fixtures that kill a daemon together with what it started.
enum ProcessTree {
    /// SIGSTOPs `root` and, transitively, its children whose command name (`comm`) `follow`
    /// accepts, until no new one appears; returns the stopped descendants (without `root`).
    /// Stopped processes cannot fork, so a kill of all of them misses nothing.
    static func stopDescendants(of root: pid_t, follow: (String) -> Bool) -> [pid_t] {
        kill(root, SIGSTOP)
        var members: Set<pid_t> = [root]
        while true {
            let found = snapshot().filter { members.contains($0.parent) && !members.contains($0.pid) && follow($0.name) }
            if found.isEmpty { break }
            for p in found {
                kill(p.pid, SIGSTOP)
                members.insert(p.pid)
            }
        }
        members.remove(root)
        return members.sorted()
    }

    struct Entry {
        var pid: pid_t
        var parent: pid_t
        var name: String
    }

    /// Every process's pid, parent and command name, from /proc/PID/stat ("PID (comm) S PPID ...";
    /// comm may itself hold spaces and parentheses, so it ends at the last ")").
    static func snapshot() -> [Entry] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Entry? in
            guard let pid = pid_t(entry), let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
            let text = String(decoding: data, as: UTF8.self)
            guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")") else { return nil }
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count > 1, let parent = pid_t(fields[1]) else { return nil }
            return Entry(pid: pid, parent: parent, name: String(text[text.index(after: open)..<close]))
        }
    }
}
