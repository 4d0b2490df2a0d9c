import BenchCore
import Foundation
import Transport

/// What `device clean` removed (or, with `--dry-run`, would remove) from a board's workdir.
public struct DeviceCleanReport: Codable, Sendable, Equatable {
    public struct Removal: Codable, Sendable, Equatable {
        /// `agent` (another version's directory), `plan` or `temporary` (a stale upload).
        public var kind: String
        public var path: String
        /// Bytes of the file, or of every file under an agent directory.
        public var bytes: Int64
    }

    public struct Failure: Codable, Sendable, Equatable {
        public var path: String
        public var reason: String
    }

    public var device: String
    public var dryRun: Bool
    public var keepDays: Int
    /// The board's lock was held (a run in progress): nothing was examined or removed.
    public var busy: Bool
    /// The removal ran under the board's lock (`flock -n`), so no run could start meanwhile.
    public var locked: Bool
    public var removed: [Removal]
    public var bytesFreed: Int64
    /// The current agent's directory, when the board has it.
    public var keptAgent: String?
    /// Plans used within `keepDays`.
    public var keptPlans: Int
    /// Entries left alone and why (symbolic links, odd names), and how the lock was taken.
    public var notes: [String]
    /// Entries that could not be removed.
    public var errors: [Failure]

    /// `temporaryFailure` (75) when busy, `ioError` (74) when something could not be removed, else success.
    public var exitStatus: ExitStatus { busy ? .temporaryFailure : (errors.isEmpty ? .success : .ioError) }
}

/// `boardbench device clean`: frees a board's workdir of what no run will use again.
///
/// Removes `<workdir>/agent/<version>/` for every version but the current one, plans and the
/// model files external runners read (`<workdir>/models/<sha256>.plan`, `.onnx`, `.tflite`...)
/// not used for `keepDays` (runs `touch` the ones they use), and
/// upload temporaries (`.*.tmp-*`) older than a day. Never the current agent, never
/// `<workdir>/results/` (the result journal), never through a symbolic link: a link is
/// reported and left alone, and `rm -r` does not follow links inside a directory it removes.
/// Ages are measured with the board's clock, the one `touch` used.
public enum DeviceClean {
    public static let defaultKeepDays = 30
    /// Upload temporaries older than this are leftovers of an interrupted upload.
    public static let temporaryAgeSeconds = 86_400

    public static func clean(_ name: String, workspace: Workspace, keepDays: Int, dryRun: Bool) throws(ControllerError) -> DeviceCleanReport {
        guard keepDays >= 0 else { throw .invalidArgument("--keep-days must be 0 or more, got \(keepDays)") }
        let config = try DeviceFile.load(name, in: workspace)
        let workdir = config.workdir.hasSuffix("/") ? String(config.workdir.dropLast()) : config.workdir
        guard !workdir.isEmpty, !workdir.split(separator: "/").contains("..") else {
            throw .invalidArgument(
                "device \(name): refusing to clean workdir \(config.workdir.debugDescription); give it its own directory in Devices/\(name).yaml")
        }
        let t = try DeviceConnector.connect(config)
        let arguments = [workdir, BoardBenchVersion.current, String(keepDays * 86_400), dryRun ? "1" : "0", String(temporaryAgeSeconds)]
        var report = DeviceCleanReport(
            device: name, dryRun: dryRun, keepDays: keepDays, busy: false, locked: false, removed: [], bytesFreed: 0, keptAgent: nil,
            keptPlans: 0, notes: [], errors: [])

        let plain = ["sh", "-c", script, "sh"] + arguments
        var output: CommandResult
        if dryRun {
            output = try run(t, plain)
        } else if try hasFlock(t) {
            let lock = config.effectiveLockPath
            output = try run(t, ["flock", "-n", lock] + plain)
            if !finished(output) {
                if output.exitStatus == 1 && Preflight.text(output.stderr).isEmpty {
                    report.busy = true
                    report.notes.append("\(lock) is held: a run is in progress on this board; nothing was removed, try again later")
                    return report
                }
                report.notes.append(
                    "not locked: `flock -n \(lock)` failed (\(Preflight.text(output.stderr))); see `boardbench device doctor \(name)`")
                output = try run(t, plain)
            } else {
                report.locked = true
            }
        } else {
            report.notes.append("not locked: flock(1) is not installed on the board (sudo apt-get install util-linux)")
            output = try run(t, plain)
        }
        guard finished(output) else {
            throw .agentFailed(device: name, reason: "the clean-up script stopped with status \(output.exitStatus): \(Preflight.text(output.stderr))")
        }
        parse(String(decoding: output.stdout, as: UTF8.self), into: &report)
        return report
    }

    private static func run(_ t: any DeviceTransport, _ argv: [String]) throws(ControllerError) -> CommandResult {
        do { return try t.run(argv, timeoutSeconds: 600) } catch { throw .transport(error) }
    }

    private static func hasFlock(_ t: any DeviceTransport) throws(ControllerError) -> Bool {
        try run(t, ["sh", "-c", "command -v flock >/dev/null 2>&1"]).exitStatus == 0
    }

    private static func finished(_ r: CommandResult) -> Bool {
        r.exitStatus == 0 && String(decoding: r.stdout, as: UTF8.self).hasSuffix("done\n")
    }

    /// Reads the script's tab-separated lines (`remove`, `keep`, `note`, `error`).
    static func parse(_ text: String, into report: inout DeviceCleanReport) {
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            switch (f.first, f.count) {
            case ("remove", 4):
                let bytes = Int64(f[2]) ?? 0
                report.removed.append(.init(kind: f[1], path: f[3], bytes: bytes))
                report.bytesFreed += bytes
            case ("keep", 3) where f[1] == "agent": report.keptAgent = f[2]
            case ("keep", 3): report.keptPlans += 1
            case ("note", 2): report.notes.append(f[1])
            case ("error", 3): report.errors.append(.init(path: f[1], reason: f[2]))
            default: continue
            }
        }
    }

    /// Arguments: workdir, current version, plan age limit (s), dry run (1/0), temporary age limit (s).
    /// Only `agent/` and `models/` are listed; `results/` is never named.
    static let script = #"""
        w=$1; current=$2; keep=$3; dry=$4; tmpage=$5
        now=$(date +%s)
        nl='
        '
        tab=$(printf '\t')
        mtime() { stat -c %Y "$1" 2>/dev/null || echo "$now"; }
        fsize() { stat -c %s "$1" 2>/dev/null || echo 0; }
        dsize() { t=0; for s in $(find "$1" -type f -exec stat -c %s {} + 2>/dev/null); do t=$((t + s)); done; echo "$t"; }
        odd() { case $1 in *"$nl"*|*"$tab"*) return 0 ;; esac; return 1; }
        remove() {
          if [ "$dry" != 1 ] && ! err=$(rm -rf -- "$3" 2>&1); then
            printf 'error\t%s\t%s\n' "$3" "$(printf '%s' "$err" | tr '\n\t' '  ')"
            return
          fi
          printf 'remove\t%s\t%s\t%s\n' "$1" "$2" "$3"
        }
        temporaries() {
          for f in "$1"/.*.tmp-*; do
            if [ -L "$f" ] || [ ! -f "$f" ] || odd "$f"; then continue; fi
            if [ $((now - $(mtime "$f"))) -gt "$tmpage" ]; then remove temporary "$(fsize "$f")" "$f"; fi
          done
        }
        if [ -L "$w/agent" ]; then
          printf 'note\t%s is a symbolic link: left alone\n' "$w/agent"
        elif [ -d "$w/agent" ]; then
          for d in "$w/agent"/*; do
            if [ ! -e "$d" ] && [ ! -L "$d" ]; then continue; fi
            if odd "$d"; then printf 'note\tan entry of %s has a tab or newline in its name: left alone\n' "$w/agent"; continue; fi
            if [ -L "$d" ]; then printf 'note\t%s is a symbolic link: left alone\n' "$d"; continue; fi
            if [ ! -d "$d" ]; then continue; fi
            if [ "${d##*/}" = "$current" ]; then
              printf 'keep\tagent\t%s\n' "$d"
              temporaries "$d"
              continue
            fi
            remove agent "$(dsize "$d")" "$d"
          done
        fi
        if [ -L "$w/models" ]; then
          printf 'note\t%s is a symbolic link: left alone\n' "$w/models"
        elif [ -d "$w/models" ]; then
          for f in "$w/models"/*; do
            if [ ! -e "$f" ] && [ ! -L "$f" ]; then continue; fi
            # Only BoardBench's own files: <64 hex digits>[.extension]. A model a user keeps here
            # for a board: path is never touched.
            n=${f##*/}; h=${n%%.*}
            if [ ${#h} -ne 64 ]; then continue; fi
            case "$h" in *[!0-9a-f]*) continue;; esac
            if odd "$f"; then printf 'note\tan entry of %s has a tab or newline in its name: left alone\n' "$w/models"; continue; fi
            if [ -L "$f" ]; then printf 'note\t%s is a symbolic link: left alone\n' "$f"; continue; fi
            if [ ! -f "$f" ]; then continue; fi
            if [ $((now - $(mtime "$f"))) -gt "$keep" ]; then remove plan "$(fsize "$f")" "$f"; else printf 'keep\tplan\t%s\n' "$f"; fi
          done
          temporaries "$w/models"
        fi
        printf 'done\n'
        """#
}
