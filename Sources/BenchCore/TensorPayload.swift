#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Runs a plan once on given inputs and returns its outputs (`boardbench infer --device`).
public struct InferRequest: Codable, Sendable, Equatable {
    /// Absolute path of the plan on the device.
    public var planPath: String
    /// SHA-256 (hex) of the plan the host pushed (checked with sha256sum before sending).
    public var planHash: String
    public var threads: Int
    /// One per graph input, in graph input order.
    public var inputs: [TensorPayload]
    /// Run by ONNX Runtime on the board instead (`planPath` is then the pushed ONNX file);
    /// nil: the builtin runtime. Only `onnxruntime` runners produce outputs.
    public var runner: RunnerRequest?

    public init(planPath: String, planHash: String, threads: Int, inputs: [TensorPayload], runner: RunnerRequest? = nil) {
        self.planPath = planPath
        self.planHash = planHash
        self.threads = threads
        self.inputs = inputs
        self.runner = runner
    }
}

/// A float32 tensor on the wire: shape plus little-endian IEEE 754 bytes in base64, so
/// values cross the protocol bit for bit (decimal JSON numbers would round).
public struct TensorPayload: Codable, Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var data: String

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        data = Data(bytes).base64EncodedString()
    }

    /// The values, or nil when `data` is not base64 of exactly one float per element.
    public func values() -> [Float]? {
        guard let raw = Data(base64Encoded: data), shape.allSatisfy({ $0 >= 0 }) else { return nil }
        var count = 1
        for d in shape {
            let (p, o) = count.multipliedReportingOverflow(by: d)
            guard !o else { return nil }
            count = p
        }
        // Compared as a count of floats: `count * 4` overflows for a hostile shape.
        guard raw.count % 4 == 0, raw.count / 4 == count else { return nil }
        return raw.withUnsafeBytes { buffer in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }
}
