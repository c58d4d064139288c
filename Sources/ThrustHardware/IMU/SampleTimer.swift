/// Time-stamps samples from the chip's output rate, corrected against the monotonic clock.
///
/// A chip's oscillator is off by up to a few percent, so "sample k at k / ODR" drifts away
/// from real time, while the time a read returns jitters by up to a poll interval. This is a
/// second-order tracking loop (a PLL in software): samples are spaced by an estimated period;
/// each observation nudges the phase (`phaseGain`) and the period (`periodGain`) toward the
/// clock. Its steady-state error to a constant rate offset is zero, and the jitter of
/// individual reads is averaged over tens of samples.
public struct SampleTimer: Sendable {
    /// The chip's nominal period, s.
    public let nominalPeriod: Double
    /// The current period estimate, s.
    public private(set) var period: Double
    /// The time given to the last sample, s.
    public private(set) var lastT: Double?

    // Loop gains: ζ ≈ 0.6–0.9, time constant ≈ 20–40 observations.
    private let phaseGain: Double
    private let periodGain: Double
    /// The period estimate stays within ±5 % of nominal (datasheets give a few percent).
    private let periodBounds: ClosedRange<Double>

    public init(nominalPeriod: Double, phaseGain: Double = 0.05, periodGain: Double = 0.002) {
        self.nominalPeriod = nominalPeriod
        period = nominalPeriod
        self.phaseGain = phaseGain
        self.periodGain = periodGain
        periodBounds = (nominalPeriod * 0.95)...(nominalPeriod * 1.05)
    }

    /// Forget the phase (after an overflow or re-initialisation); keeps the period estimate and
    /// the last time, so times stay increasing.
    public mutating func reanchor() {
        anchorNext = true
    }
    private var anchorNext = true

    /// Start a new timer after another one's last sample (e.g. the chip came back at another rate).
    public mutating func continueAfter(_ t: Double) {
        lastT = t
        anchorNext = true
    }

    /// One sample from data-ready polling, seen by a read finishing at `arrival`; it was
    /// produced `latency` earlier on average (half the poll interval).
    /// Returns its time and how many samples were skipped before it.
    ///
    /// `mayHaveSkipped`: whether samples could have been overwritten since the last one (the
    /// poller was late by more than a period). Polling at ≥ 2× the output rate on time cannot
    /// miss a sample, so read jitter alone is never counted as a loss.
    public mutating func stampSingle(arrival: Double, latency: Double, mayHaveSkipped: Bool = true)
        -> (t: Double, missed: Int) {
        let estimate = arrival - latency
        guard let last = lastT, !anchorNext else {
            let t = lastT.map { max(estimate, $0 + period * 0.5) } ?? estimate
            lastT = t
            anchorNext = false
            return (t, 0)
        }
        let steps = mayHaveSkipped ? max(1, Int(((estimate - last) / period).rounded())) : 1
        let predicted = last + Double(steps) * period
        let error = estimate - predicted
        period = clamp(period + periodGain * error / Double(steps))
        let t = max(predicted + phaseGain * error, last + period * 0.5)
        lastT = t
        return (t, steps - 1)
    }

    /// A FIFO batch of `count` samples whose newest was produced about `latency` before
    /// `arrival`. Returns the time of the first sample and the spacing of the batch.
    public mutating func stampBatch(count: Int, arrival: Double, latency: Double) -> (first: Double, spacing: Double) {
        guard count > 0 else { return (lastT ?? arrival, period) }
        let newestEstimate = arrival - latency
        guard let last = lastT, !anchorNext else {
            var first = newestEstimate - Double(count - 1) * period
            if let last = lastT { first = max(first, last + period * 0.5) }
            let newest = max(newestEstimate, first + Double(count - 1) * period * 0.5)
            lastT = newest
            anchorNext = false
            return (first, count > 1 ? (newest - first) / Double(count - 1) : period)
        }
        let predicted = last + Double(count) * period
        let error = newestEstimate - predicted
        // Batches are fewer and far apart: stronger gains per observation.
        period = clamp(period + periodGain * 2 * error / Double(count))
        let newest = max(predicted + phaseGain * 2 * error, last + Double(count) * period * 0.5)
        let spacing = (newest - last) / Double(count)
        lastT = newest
        return (last + spacing, spacing)
    }

    private func clamp(_ p: Double) -> Double {
        min(max(p, periodBounds.lowerBound), periodBounds.upperBound)
    }
}
