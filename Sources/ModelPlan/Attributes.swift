/// Typed node attributes, ONNX-style. Encoded sorted by key so equal graphs encode to equal bytes.
public struct Attributes: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case int(Int64)
        case ints([Int64])
        case float(Float)
        case floats([Float])
        case string(String)
    }

    public var values: [String: Value]

    public init(_ values: [String: Value] = [:]) { self.values = values }

    public subscript(key: String) -> Value? {
        get { values[key] }
        set { values[key] = newValue }
    }

    public func int(_ key: String, default value: Int) throws(PlanError) -> Int {
        switch values[key] {
        case nil: return value
        case .int(let v)?: return Int(v)
        default: throw PlanError.invalidAttribute(key: key, reason: "expected an integer")
        }
    }

    public func ints(_ key: String, count: Int, default value: [Int]) throws(PlanError) -> [Int] {
        switch values[key] {
        case nil: return value
        case .ints(let v)? where v.count == count: return v.map { Int($0) }
        case .ints(let v)?: throw PlanError.invalidAttribute(key: key, reason: "expected \(count) integers, got \(v.count)")
        default: throw PlanError.invalidAttribute(key: key, reason: "expected a list of integers")
        }
    }

    /// A list of integers of any length (bounded by the decoder).
    public func ints(_ key: String, default value: [Int]? = nil) throws(PlanError) -> [Int] {
        switch values[key] {
        case nil:
            guard let value else { throw PlanError.invalidAttribute(key: key, reason: "is required") }
            return value
        case .ints(let v)?: return v.map { Int($0) }
        default: throw PlanError.invalidAttribute(key: key, reason: "expected a list of integers")
        }
    }

    public func float(_ key: String, default value: Float) throws(PlanError) -> Float {
        switch values[key] {
        case nil: return value
        case .float(let v)?: return v
        default: throw PlanError.invalidAttribute(key: key, reason: "expected a float")
        }
    }

    public func floats(_ key: String, default value: [Float]? = nil) throws(PlanError) -> [Float] {
        switch values[key] {
        case nil:
            guard let value else { throw PlanError.invalidAttribute(key: key, reason: "is required") }
            return value
        case .floats(let v)?: return v
        default: throw PlanError.invalidAttribute(key: key, reason: "expected a list of floats")
        }
    }
}
