import Foundation

extension SearchSpace {
    /// Reads a space file. The space's `name` must match the file name (`ofa-mbv3.yaml` holds
    /// `name: ofa-mbv3`), so a space is found by the name an architecture gives.
    public init(contentsOf url: URL) throws(SpaceError) {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw .unreadable(path: url.path, reason: error.localizedDescription)
        }
        let file = url.lastPathComponent
        try self.init(yaml: text, file: file)
        let stem = url.deletingPathExtension().lastPathComponent
        guard stem == name else {
            throw .invalid(file: file, field: "name", reason: "\(name.debugDescription) differs from the file name; rename one so lookups by name find it")
        }
    }

    /// Parses and checks a space. `file` names the source in error messages.
    public init(yaml text: String, file: String) throws(SpaceError) {
        let root = try YAMLField.root(text, file: file)
        let o = try root.object(allowed: [
            "name", "family", "description", "resolutions", "widthMultipliers", "embedDims", "inputChannels", "classes",
            "stem", "stages", "head",
        ])
        let nameField = try o.required("name")
        let name = try nameField.string()
        guard Self.isValidName(name) else { throw nameField.fail("\(name.debugDescription) must be lower-case letters, digits, '-', '_' or '.'") }
        let familyField = try o.required("family")
        let familyName = try familyField.string()
        guard let family = Family(rawValue: familyName) else {
            throw familyField.fail("\(familyName.debugDescription) is not one of \(Family.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.init(
            name: name, family: family, description: try o["description"]?.string() ?? "",
            resolutions: try Self.resolutions(try o.required("resolutions")),
            widthMultipliers: try o.value("widthMultipliers") { f throws(SpaceError) in try Self.multipliers(f) } ?? [1],
            embedDims: try o.value("embedDims") { f throws(SpaceError) in try Self.positiveInts(f, in: 1...65536, unique: true) } ?? [],
            inputChannels: try o.value("inputChannels") { f throws(SpaceError) in try Self.int(f, in: 1...64) } ?? 3,
            classes: try o.value("classes") { f throws(SpaceError) in try Self.int(f, in: 1...1_000_000) } ?? 1000,
            stem: [], stages: [], head: [])
        if family == .vit, embedDims.isEmpty { throw root.fail("a vit space needs embedDims") }
        if family != .vit, let f = o["embedDims"] { throw f.fail("only vit spaces have embedding widths") }

        var seen = Set<String>()
        stem = try Self.layers(try o.required("stem"), seen: &seen, space: self)
        stages = try Self.stages(try o.required("stages"), seen: &seen, space: self)
        head = try Self.layers(try o.required("head"), seen: &seen, space: self)
        let headField = try o.required("head")
        guard head.last?.kind == .linear else { throw headField.fail("the last head layer must be the linear classifier") }

        // A dry run of the two extreme architectures at the smallest resolution finds layouts
        // that cannot work (a resolution the patch size does not divide, a classifier before
        // any pooling, transformer stages without a patch embedding).
        for pick in [Architecture.Extreme.smallest, .largest] {
            let arch = extremeArchitecture(pick, resolution: resolutions[0])
            do {
                _ = try SpaceCompiler.layers(for: arch, in: self)
            } catch {
                if case .compile(_, let reason) = error { throw root.fail(reason) }
                throw error
            }
        }
    }

    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.first != "." && name.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || "-_.".contains($0) }
    }

    /// A list, or `{from, to, step}` (OFA's 128...224 step 4).
    private static func resolutions(_ f: YAMLField) throws(SpaceError) -> [Int] {
        var values: [Int]
        if case .mapping = f.node {
            let r = try f.object(allowed: ["from", "to", "step"])
            let from = try int(try r.required("from"), in: 8...4096), to = try int(try r.required("to"), in: 8...4096)
            let step = try int(try r.required("step"), in: 1...4096)
            guard from <= to else { throw f.fail("from \(from) is above to \(to)") }
            values = Array(stride(from: from, through: to, by: step))
        } else {
            values = try positiveInts(f, in: 8...4096, unique: true)
        }
        guard values == values.sorted() else { throw f.fail("must be ascending") }
        return values
    }

    private static func multipliers(_ f: YAMLField) throws(SpaceError) -> [Double] {
        let values = try f.doubles()
        guard !values.isEmpty else { throw f.fail("needs at least one value") }
        for v in values where !(v > 0 && v <= 4) { throw f.fail("\(Format.number(v)) is outside (0, 4]") }
        guard Set(values).count == values.count else { throw f.fail("lists a value twice") }
        return values.sorted()
    }
}
