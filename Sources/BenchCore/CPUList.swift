/// The kernel's CPU list format, `0-3,6` (sysfs `online`, taskset -c, a profile's `cores`), as
/// sorted unique indices. An empty item ("1,,2") is an error, not skipped.
public enum CPUList {
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Linux's NR_CPUS is at most 8192. Past it a number is a typo or hostile, and a range up to
    /// it ("0-99999999999") would otherwise be expanded element by element.
    public static let maxIndex = 8191

    public static func parse(_ text: String) throws(ParseError) -> [Int] {
        var cpus = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.filter { !$0.isWhitespace }) }
            if bounds.contains(where: { ($0 ?? 0) > maxIndex }) {
                throw ParseError(description: "\"\(part)\" in \"\(text)\" names a CPU above \(maxIndex), more than Linux supports")
            }
            switch bounds.count {
            case 1:
                guard let cpu = bounds[0], cpu >= 0 else { throw ParseError(description: "\"\(part)\" in \"\(text)\" is not a CPU number") }
                cpus.insert(cpu)
            case 2:
                guard let low = bounds[0], let high = bounds[1], low >= 0, low <= high else {
                    throw ParseError(description: "\"\(part)\" in \"\(text)\" is not a range like 0-3")
                }
                cpus.formUnion(low...high)
            default:
                throw ParseError(description: "\"\(part)\" in \"\(text)\" is not a CPU number or a range like 0-3")
            }
        }
        guard !cpus.isEmpty else { throw ParseError(description: "\"\(text)\" names no CPUs; write all, big, or a list like 0-3,6") }
        return cpus.sorted()
    }

    /// `[0, 1, 2, 3, 6]` -> "0-3,6".
    public static func format(_ cpus: [Int]) -> String {
        var parts: [String] = []
        var index = 0
        let sorted = Array(Set(cpus)).sorted()
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count && sorted[end + 1] == sorted[end] + 1 { end += 1 }
            parts.append(end == index ? "\(sorted[index])" : "\(sorted[index])-\(sorted[end])")
            index = end + 1
        }
        return parts.joined(separator: ",")
    }
}
