/// One planned movement of one channel: from `from` at `t0` to `to` at `t1`, zero velocity at both ends.
struct Stroke: Sendable {
    var t0: Double
    var t1: Double
    var from: Double
    var to: Double
    var shape: StrokeShape
}

/// Value, first and second time derivative of a channel.
struct ChannelState: Sendable {
    var value: Double
    var rate: Double
    var accel: Double
}

/// A scalar channel (a position or an angle) as a time-ordered list of strokes; it holds its last
/// value between strokes. Evaluation keeps a cursor, so a forward sweep costs O(1) per call.
struct Track: Sendable {
    private(set) var strokes: [Stroke] = []
    /// Index of the first stroke that has not ended before the last evaluated time.
    private var cursor = 0
    /// The value before `strokes[0]` (changes when consumed strokes are dropped).
    private var baseValue: Double
    /// Value after the last stroke.
    private(set) var endValue: Double
    /// `t1` of the last stroke.
    private(set) var endTime: Double = -.infinity

    init(_ value: Double) {
        baseValue = value
        endValue = value
    }

    /// Adds a stroke to `to` over [t0, t1]. A start before the previous stroke's end is moved to it
    /// (strokes of one channel never overlap).
    mutating func move(to target: Double, from t0: Double, until t1: Double, shape: StrokeShape) {
        let start = max(t0, endTime)
        guard t1 > start else {
            // No room: jump the plan value only if nothing moves (keeps the channel continuous).
            return
        }
        strokes.append(Stroke(t0: start, t1: t1, from: endValue, to: target, shape: shape))
        endValue = target
        endTime = t1
    }

    /// The state at `t`. Times may go backwards (tests), forwards is the fast path.
    @inline(__always)
    mutating func state(at t: Double) -> ChannelState {
        let count = strokes.count
        while cursor < count && strokes[cursor].t1 <= t { cursor += 1 }
        while cursor > 0 && strokes[cursor - 1].t1 > t { cursor -= 1 }
        if cursor < count {
            let stroke = strokes[cursor]
            if t > stroke.t0 {
                let duration = stroke.t1 - stroke.t0
                let distance = stroke.to - stroke.from
                let shape = stroke.shape.evaluate((t - stroke.t0) / duration)
                return ChannelState(value: stroke.from + distance * shape.p,
                                    rate: distance * shape.dp / duration,
                                    accel: distance * shape.ddp / (duration * duration))
            }
        }
        let held = cursor > 0 ? strokes[cursor - 1].to : baseValue
        return ChannelState(value: held, rate: 0, accel: 0)
    }

    /// Planned value at `t` without touching the cursor (planning and tests).
    func value(at t: Double) -> Double {
        var copy = self
        return copy.state(at: t).value
    }

    /// Forgets strokes that ended before `t` (endless sessions keep O(1) memory).
    mutating func dropStrokes(endingBefore t: Double) {
        var n = 0
        while n < strokes.count && strokes[n].t1 < t && n < cursor { n += 1 }
        guard n >= 64 else { return }
        baseValue = strokes[n - 1].to
        strokes.removeFirst(n)
        cursor -= n
    }
}
