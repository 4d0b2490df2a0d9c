import ArgumentParser
import Controller
import Foundation
import Tables

extension TableExportFormat: ExpressibleByArgument {}

struct TableExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a latency table in a format search code reads: json, csv, ofa-yaml or fbnet-jsonl.",
        discussion: """
            json: BoardBench's own document, times in milliseconds. csv: one row per block. fbnet-jsonl: FBNet's runtime LUT \
            records, times in microseconds. ofa-yaml: Once-for-All's lookup tables (mobilenet-v3 and mobilenet-v2 spaces), one \
            <R>_lookup_table.yaml per resolution the table has blocks of, in the directory -o names. Blocks an OFA file should \
            have but the table lacks are left out and listed on stderr. docs/formats.md ("Latency table exports") documents \
            every field.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var selection: TableSelection
    @Option(help: "json, csv, ofa-yaml or fbnet-jsonl.") var format: TableExportFormat
    @Option(name: .shortAndLong, help: "File to write atomically (default: stdout); for ofa-yaml the directory, created if missing.")
    var output: String?

    func validate() throws {
        if format.writesDirectory, output == nil {
            throw ValidationError("--format \(format.rawValue) writes one file per resolution: give the directory with -o")
        }
    }

    func run() throws {
        let context = try selection.context(global)
        let (space, table) = try selection.load(context)
        let files = try boardbench.run { () throws(TableError) in try TableExporter.export(table, space: space, format: format) }
        guard let output else {
            FileHandle.standardOutput.write(Data(files.map(\.contents).joined().utf8))
            return
        }
        let written = try boardbench.run { () throws(ControllerError) in try Self.write(files, directory: format.writesDirectory, to: output) }
        for (path, file) in zip(written, files) {
            if !global.quiet { printError("boardbench: wrote \(path) (\(file.entryCount) entries)") }
            if !file.missing.isEmpty {
                let shown = file.missing.prefix(3).joined(separator: ", ") + (file.missing.count > 3 ? ", ..." : "")
                printError(
                    "boardbench: warning: \(file.name) leaves out \(file.missing.count) block(s) table \(table.id) lacks (\(shown)); measure them with "
                        + "`boardbench table build --space \(selection.space) --device \(selection.device) --resolutions \(file.resolution ?? 0)`")
            }
        }
        let exported = Set(files.compactMap(\.resolution))
        let skipped = space.resolutions.filter { !exported.contains($0) }
        if format.writesDirectory, !skipped.isEmpty, !global.quiet {
            let shown =
                skipped.count > 6 ? skipped.prefix(3).map(String.init) + ["..., \(skipped.last!) (\(skipped.count) resolutions)"] : skipped.map(String.init)
            printError("boardbench: no file for resolution(s) \(shown.joined(separator: ", ")): the table has none of the blocks only they use")
        }
    }

    /// Writes each file atomically: single-file formats to `path`, the others into the directory `path`.
    static func write(_ files: [ExportedFile], directory: Bool, to path: String) throws(ControllerError) -> [String] {
        guard directory else {
            try OutputFile.write(files.map(\.contents).joined(), to: path)
            return [path]
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw .output(path: path, reason: "exists and is not a directory; OFA tables are one file per resolution")
        }
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw .output(path: path, reason: error.localizedDescription)
        }
        var paths: [String] = []
        for file in files {
            let target = URL(fileURLWithPath: path).appendingPathComponent(file.name).path
            try OutputFile.write(file.contents, to: target)
            paths.append(target)
        }
        return paths
    }
}
