import BenchCore

extension EnergyMeasurement {
    /// Turns a window's samples into joules and watts: trapezoid over power samples, summed
    /// interval deltas (with wraparound) over counter samples. Where the samples do not reach
    /// the window's edges (a failed read), the average power is applied to the whole window.
    /// `workSeconds`, when given, is the span of the work itself (first inference's start to the
    /// last one's end) and replaces the sampler's window, whose edges are the midpoints of its
    /// first and last reads: a meter command that takes milliseconds to answer would otherwise
    /// stretch the window past the work.
    public static func from(
        window: EnergyWindow, source: any EnergySource, precision rule: EnergyPrecision, inferences: Int, idle: EnergyMeasurement? = nil,
        workSeconds: Double? = nil
    ) -> EnergyMeasurement {
        let samples = window.samples
        let failure = window.firstFailure.map { ": \($0)" } ?? ""
        guard let first = samples.first, let last = samples.last else {
            return .unavailable("no reading of \(source.description) succeeded during the window\(failure)", inferences: inferences)
        }
        if source.quantity == .energyCounter && samples.count < 2 {
            return .unavailable("fewer than two readings of the counter \(source.description) succeeded\(failure)", inferences: inferences)
        }
        let windowSeconds = workSeconds ?? window.seconds
        let covered = Double(last.timeNanoseconds - first.timeNanoseconds) / 1e9
        if source.quantity == .energyCounter && covered <= 0 {
            return .unavailable("the counter readings of \(source.description) span no time: the window is too short", inferences: inferences)
        }
        var reasons: [String] = []
        var notes: [String] = source.caveat.map { [$0] } ?? []
        var wraps = 0

        let averageWatts: Double
        switch source.quantity {
        case .power:
            averageWatts = covered > 0 ? EnergyIntegration.trapezoidJoules(samples) / covered : first.value
        case .energyCounter:
            let delta = EnergyIntegration.counterDelta(samples, rangeJoules: source.counterRangeJoules)
            wraps = delta.wraps
            averageWatts = delta.joules / covered
            if delta.ambiguousIntervals > 0 {
                reasons.append(
                    "the counter could have wrapped more than once in \(delta.ambiguousIntervals) sample interval(s) "
                        + "(range \(source.counterRangeJoules ?? 0) J): raise energy.sampleRateHertz")
            }
            if delta.resets > 0 { reasons.append("the counter went backwards \(delta.resets) time(s) (reset?); those intervals count 0 J") }
        }
        let totalJoules = averageWatts * windowSeconds

        let distinct = rule.distinctSamples(count: samples.count, coveredSeconds: covered)
        if distinct < rule.minimumSamples {
            let sensor = rule.sensorUpdateIntervalSeconds.map { ", sensor updates every \(milliseconds($0)) ms" } ?? ""
            reasons.append(
                "only \(distinct) distinct readings over \(milliseconds(windowSeconds)) ms (minimum \(rule.minimumSamples) at "
                    + "\(rule.sampleRateHertz) Hz\(sensor)): lengthen the window to at least \(milliseconds(rule.minimumWindowSeconds)) ms")
        }
        if window.failedReads > 0 {
            reasons.append("\(window.failedReads) of \(window.failedReads + samples.count) readings failed\(failure)")
        }
        if windowSeconds > 0 && covered < 0.9 * windowSeconds {
            reasons.append("readings cover only \(milliseconds(covered)) ms of the \(milliseconds(windowSeconds)) ms window")
        }

        var idleWatts: Double?
        if let idle {
            if idle.status == .measured, let watts = idle.averageWatts {
                idleWatts = watts
                if idle.precision == .imprecise { notes.append("idle baseline imprecise: " + idle.imprecisionReasons.joined(separator: "; ")) }
            } else {
                notes.append("no idle baseline: \(idle.reason ?? "unavailable")")
            }
        }
        let perInference = inferences > 0 ? totalJoules / Double(inferences) : nil
        let aboveIdle = idleWatts.flatMap { w in inferences > 0 ? (totalJoules - w * windowSeconds) / Double(inferences) : nil }
        let gaps = zip(samples, samples.dropFirst()).map { Double($1.timeNanoseconds - $0.timeNanoseconds) / 1e9 }

        return EnergyMeasurement(
            status: .measured, reason: nil, source: source.description, quantity: source.quantity, windowSeconds: windowSeconds,
            totalJoules: totalJoules, averageWatts: averageWatts, inferences: inferences, joulesPerInference: perInference, idleWatts: idleWatts,
            joulesPerInferenceAboveIdle: aboveIdle, sampleCount: samples.count,
            achievedRateHertz: covered > 0 ? Double(samples.count - 1) / covered : nil, maxSampleIntervalSeconds: gaps.max(),
            counterWraps: wraps, precision: reasons.isEmpty ? .precise : .imprecise, imprecisionReasons: reasons,
            minimumWindowSeconds: rule.minimumWindowSeconds, notes: notes)
    }
}

/// Milliseconds with one decimal, for messages.
private func milliseconds(_ seconds: Double) -> String {
    let tenths = (seconds * 10_000).rounded()
    return "\(Int(tenths) / 10).\(abs(Int(tenths)) % 10)"
}
