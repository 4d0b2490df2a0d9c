/// BoardBench's own version; the agent reports it in `hello` and the host redeploys the
/// agent whenever the two differ.
public enum BoardBenchVersion {
    public static let current = "0.1.0"
}
