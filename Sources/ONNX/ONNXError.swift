import BenchCore

/// Why ONNX bytes could not be read, or a tensor's values could not be produced.
///
/// Every failure of the reader is one of these: arbitrary bytes never crash, trap or make it
/// allocate more than the input holds.
public enum ONNXError: Error, CustomStringConvertible, Sendable, Equatable, ExitStatusProviding {
    /// The bytes are not valid protobuf, or not a valid ONNX message. The text says where,
    /// from the outermost message inwards, e.g. "field 7 of ModelProto: field 1 of GraphProto
    /// 'main': field 5 of NodeProto #3 'conv1': length 123456 at offset 789 exceeds the 40 bytes left".
    case malformed(String)
    /// The tensor's values live in a file next to the model rather than inside it.
    case externalData(tensor: String)
    /// The tensor's data type (the TensorProto.DataType code) cannot be used here; `expected`
    /// says what would have been accepted.
    case unsupportedDataType(tensor: String, type: Int32, expected: String)
    /// The tensor's data does not match what its dims and data type need.
    case sizeMismatch(tensor: String, expectedBytes: Int, actualBytes: Int)
    /// A value cannot be represented in the requested Swift type.
    case valueOutOfRange(tensor: String, detail: String)

    public var description: String {
        switch self {
        case .malformed(let what):
            "malformed ONNX data: \(what); the file is truncated, corrupted or not an ONNX model (check that it loads with `onnx.load`)"
        case .externalData(let tensor):
            "tensor '\(tensor)' keeps its data in an external file, which BoardBench does not read; load the model with "
                + "`onnx.load(path)` (next to its data files) and re-save it with every tensor inside the file: "
                + "`onnx.save(model, new_path, save_as_external_data=False)` (only possible below 2 GB)"
        case .unsupportedDataType(let tensor, let type, let expected):
            "tensor '\(tensor)' has data type \(ONNXDataType.describe(code: type)), but BoardBench needs \(expected) here"
        case .sizeMismatch(let tensor, let expectedBytes, let actualBytes):
            "tensor '\(tensor)' holds \(actualBytes) bytes of data but its dims and data type need \(expectedBytes); "
                + "the file is corrupted or was written by a broken exporter"
        case .valueOutOfRange(let tensor, let detail):
            "tensor '\(tensor)': \(detail)"
        }
    }

    public var exitStatus: ExitStatus { .dataError }

    /// Prefixes a malformed-data message with the message (and field) it was found in, so
    /// the final text reads from the outermost message inwards. Other errors pass through.
    func within(_ context: String) -> ONNXError {
        guard case .malformed(let what) = self else { return self }
        return .malformed("\(context): \(what)")
    }
}
