/// Checks shared by the fields of space files.
extension SearchSpace {
    static func int(_ f: YAMLField, in range: ClosedRange<Int>) throws(SpaceError) -> Int {
        let v = try f.int()
        guard range.contains(v) else { throw f.fail("\(v) is outside \(range)") }
        return v
    }

    static func positiveInts(_ f: YAMLField, in range: ClosedRange<Int>, unique: Bool) throws(SpaceError) -> [Int] {
        let values = try f.ints()
        guard !values.isEmpty else { throw f.fail("needs at least one value") }
        for v in values where !range.contains(v) { throw f.fail("\(v) is outside \(range)") }
        if unique, Set(values).count != values.count { throw f.fail("lists a value twice") }
        return values
    }

    static func activation(_ f: YAMLField?, default value: ActivationKind) throws(SpaceError) -> ActivationKind {
        guard let f else { return value }
        let s = try f.string()
        guard let a = ActivationKind(rawValue: s) else {
            throw f.fail("\(s.debugDescription) is not one of \(ActivationKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return a
    }

    static func kernelSize(_ f: YAMLField) throws(SpaceError) -> Int {
        let k = try f.int()
        guard k % 2 == 1, (1...11).contains(k) else { throw f.fail("\(k) is not an odd size in 1...11") }
        return k
    }

    static func name(_ o: YAMLObject, seen: inout Set<String>) throws(SpaceError) -> String {
        let f = try o.required("name")
        let n = try f.string()
        guard isValidName(n) else { throw f.fail("\(n.debugDescription) must be lower-case letters, digits, '-', '_' or '.'") }
        guard seen.insert(n).inserted else { throw f.fail("\(n.debugDescription) names two layers or stages") }
        return n
    }
}
