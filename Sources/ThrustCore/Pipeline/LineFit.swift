/// Least-squares line through points added (and removed) one at a time.
struct LineFit: Sendable {
    var origin = 0.0
    var n = 0.0, st = 0.0, stt = 0.0, sv = 0.0, stv = 0.0, svv = 0.0

    init(origin: Double = 0) { self.origin = origin }

    mutating func add(_ t: Double, _ v: Double) {
        let x = t - origin
        n += 1; st += x; stt += x * x; sv += v; stv += x * v; svv += v * v
    }

    mutating func remove(_ t: Double, _ v: Double) {
        let x = t - origin
        n -= 1; st -= x; stt -= x * x; sv -= v; stv -= x * v; svv -= v * v
    }

    var slope: Double {
        let d = stt - st * st / n
        return d > 1e-12 ? (stv - st * sv / n) / d : 0
    }

    func value(at t: Double) -> Double {
        guard n > 0 else { return 0 }
        return sv / n + slope * ((t - origin) - st / n)
    }

    var residual: Double {
        let d = stt - st * st / n
        let dv = svv - sv * sv / n
        let c = stv - st * sv / n
        let rss = d > 1e-12 ? dv - c * c / d : dv
        return (max(rss, 0) / n).squareRoot()
    }
}
