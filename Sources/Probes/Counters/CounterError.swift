/// Misuse of a counter session. Events that cannot be counted are not errors: they are
/// reported per event in `CounterResults` with their reason.
public enum CounterError: Error, Sendable, Equatable, CustomStringConvertible {
    case noEvents
    case duplicateEvent(String)
    case alreadyStarted
    case notStarted

    public var description: String {
        switch self {
        case .noEvents: "counter session: no events requested; pass at least one libpfm4 event name such as perf::CYCLES"
        case .duplicateEvent(let name): "counter session: event \(name) is requested twice; list each event once"
        case .alreadyStarted: "counter session: start() called twice; a session measures one window, create a new one"
        case .notStarted: "counter session: stop() called before start()"
        }
    }
}
