import BenchCore

#if canImport(Glibc)
    import Glibc
#endif

/// Time for cooldown polling, injectable so tests run without waiting.
public struct CooldownClock: Sendable {
    /// Seconds on a monotonic clock.
    public var now: @Sendable () -> Double
    public var sleep: @Sendable (_ seconds: Double) -> Void

    public init(now: @escaping @Sendable () -> Double, sleep: @escaping @Sendable (_ seconds: Double) -> Void) {
        self.now = now
        self.sleep = sleep
    }

    public static let system = CooldownClock(now: { MonotonicClock.seconds() }, sleep: { MonotonicClock.sleep(seconds: $0) })
}

public enum Cooldown {
    /// Polls `hottest` until it reads below `belowCelsius`, sleeping `pollSeconds` between
    /// reads, for at most `timeoutSeconds`.
    public static func wait(
        belowCelsius: Double, pollSeconds: Double, timeoutSeconds: Double, clock: CooldownClock = .system, hottest: () -> Double?
    ) -> CooldownOutcome {
        let start = clock.now()
        var last: Double?
        while true {
            let elapsed = clock.now() - start
            guard let celsius = hottest() else {
                return CooldownOutcome(status: .noThermalZones, targetCelsius: belowCelsius, lastCelsius: last, waitedSeconds: elapsed)
            }
            last = celsius
            if celsius < belowCelsius {
                return CooldownOutcome(status: .reached, targetCelsius: belowCelsius, lastCelsius: celsius, waitedSeconds: elapsed)
            }
            if elapsed >= timeoutSeconds {
                return CooldownOutcome(status: .timedOut, targetCelsius: belowCelsius, lastCelsius: celsius, waitedSeconds: elapsed)
            }
            clock.sleep(min(pollSeconds, timeoutSeconds - elapsed))
        }
    }
}

extension EnvironmentProbe {
    /// Waits until the hottest thermal zone is below `belowCelsius` (see `Cooldown.wait`).
    public func coolDown(belowCelsius: Double, pollSeconds: Double = 1, timeoutSeconds: Double = 120, clock: CooldownClock = .system)
        -> CooldownOutcome
    {
        Cooldown.wait(belowCelsius: belowCelsius, pollSeconds: pollSeconds, timeoutSeconds: timeoutSeconds, clock: clock) { hottestCelsius() }
    }
}
