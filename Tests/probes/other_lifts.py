#!/usr/bin/env python3
"""A probe, not the simulator: squat, bench press and deadlift sessions with a bar-mounted IMU,
to see how `thrust analyze --mount bar --profile generic` counts lifts other than the hip thrust
(the held-out set has real recordings of other lifts; `thrust simulate` makes hip thrusts only).

Each session: 2-4 sets of 3-10 reps and 40-90 s rests with the bar racked (squat, bench: unrack
4 cm, walk out or move over the shoulders, reps with 0.1-2 s pauses, walk in, rack) or on the
floor (deadlift: roll it to the shins, bottom-start reps with 0.3-2 s on the floor). Strokes
follow minimum-jerk or polynomial bell profiles; 50-200 Hz; an arbitrary mount rotation;
MPU-6050-like errors (offsets +-0.4 m/s^2, gyro bias +-0.05 rad/s, +-3 % scale, white noise,
1 % timestamp jitter); tremor of 0.3-1.2 m/s^2 at 4-9 Hz while the bar is loaded. Writes
NAME.csv and NAME.truth.json (score.py's format; reps carry times and depths only).

usage: other_lifts.py OUTDIR N        (N sessions of each lift, seeds from SEED0, default 1000)
       IDEAL=1 exact sensor, NOTREMOR=1 no tremor, KINDS=squat,bench,deadlift
then:  python3 ../shared/eval/score.py --dir OUTDIR \
           --cmd '.build/release/thrust analyze {capture} --mount {mount} --profile {profile} --json'
"""
import json, math, os, random, sys

G = 9.80665


def minjerk(s):
    s = min(max(s, 0.0), 1.0)
    return s ** 3 * (10 - 15 * s + 6 * s * s)


def bell(a, b):
    # velocity ~ s^a (1-s)^b (integers): displacement is a polynomial, smooth to every order
    coef = [(math.comb(b, k) * (-1) ** k, a + k + 1) for k in range(b + 1)]
    total = sum(c / p for c, p in coef)

    def f(s):
        s = min(max(s, 0.0), 1.0)
        return sum(c * s ** p / p for c, p in coef) / total
    return f


SHAPES = [minjerk, bell(2, 3), bell(3, 2), bell(3, 3), bell(2, 4), bell(4, 2)]


class Track:
    """Piecewise moves of x (forward), z (up), pitch (about the bar), over time."""
    def __init__(self):
        self.segs = {'x': [], 'z': [], 'p': []}
        self.val = {'x': 0.0, 'z': 0.0, 'p': 0.0}
        self.t = 0.0

    def move(self, dur, **targets):
        shape = random.choice(SHAPES)
        for k, v in targets.items():
            self.segs[k].append((self.t, self.t + dur, self.val[k], v, shape))
            self.val[k] = v
        self.t += dur

    def wait(self, d):
        self.t += d

    def at(self, k, t):
        val = None
        for t0, t1, a, b, sh in self.segs[k]:
            if t < t0:
                break
            val = b if t >= t1 else a + (b - a) * sh((t - t0) / (t1 - t0))
        if val is None:
            return self.segs[k][0][2] if self.segs[k] else 0.0
        return val


def rot_matrix(yaw, pitch, roll):
    cy, sy, cp, sp, cr, sr = math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch), math.cos(roll), math.sin(roll)
    Rz = [[cy, -sy, 0], [sy, cy, 0], [0, 0, 1]]
    Ry = [[cp, 0, sp], [0, 1, 0], [-sp, 0, cp]]
    Rx = [[1, 0, 0], [0, cr, -sr], [0, sr, cr]]

    def mm(A, B):
        return [[sum(A[i][k] * B[k][j] for k in range(3)) for j in range(3)] for i in range(3)]
    return mm(Rz, mm(Ry, Rx))


def tv(M, v):
    return [sum(M[i][k] * v[k] for k in range(3)) for i in range(3)]


def transpose(M):
    return [[M[j][i] for j in range(3)] for i in range(3)]


def session(kind, seed, outdir):
    random.seed(seed)
    rate = random.choice([50, 100, 100, 200])
    tr = Track()
    sets = []
    nonrep = []
    # bar-axis frame: world x forward, y along bar, z up. Pitch = rotation about y (bar roll).
    tr.wait(random.uniform(3, 6))
    nonrep_start = 0.0
    nsets = random.randint(2, 4)
    for si in range(nsets):
        reps = []
        depth = {'squat': random.uniform(0.45, 0.65), 'bench': random.uniform(0.33, 0.45),
                 'deadlift': random.uniform(0.48, 0.6)}[kind]
        n = random.randint(3, 10)
        if kind in ('squat', 'bench'):
            # unrack: up 4 cm, (squat) walk back 3 steps
            tr.move(random.uniform(0.6, 1.0), z=tr.val['z'] + 0.04)
            tr.wait(random.uniform(0.5, 1.0))
            if kind == 'squat':
                for _ in range(3):
                    x0, z0 = tr.val['x'], tr.val['z']
                    tr.move(0.3, x=x0 - 0.1, z=z0 - 0.015)
                    tr.move(0.3, x=x0 - 0.2, z=z0)
                    tr.wait(random.uniform(0.1, 0.4))
            else:
                tr.move(random.uniform(0.5, 0.9), x=tr.val['x'] + 0.15)  # bench: bar moved over shoulders
            tr.wait(random.uniform(0.8, 2.0))
            nonrep.append((nonrep_start, tr.t - 0.5))
            t_start = tr.t
            top = tr.val['z']
            for k in range(n):
                ecc = random.uniform(0.8, 2.0) * (1.0 if kind == 'squat' else 0.9)
                con = random.uniform(0.6, 1.6) * (1 + 0.06 * k)
                d = depth * random.uniform(0.95, 1.05)
                tr.move(ecc, z=top - d, p=random.uniform(-0.03, 0.03))
                tr.wait(random.choice([0, 0, random.uniform(0.05, 0.5)]))
                tr.move(con, z=top + random.uniform(-0.01, 0.01), p=0.0)
                reps.append(dict(t=tr.t, depth_cm=d * 100))
                tr.wait(random.uniform(0.3, 2.0) if kind == 'squat' else random.uniform(0.1, 1.0))
            t_end = tr.t
            if kind == 'squat':
                for _ in range(3):
                    x0, z0 = tr.val['x'], tr.val['z']
                    tr.move(0.3, x=x0 + 0.1, z=z0 - 0.015)
                    tr.move(0.3, x=x0 + 0.2, z=z0)
                    tr.wait(random.uniform(0.1, 0.4))
            else:
                tr.move(random.uniform(0.5, 0.9), x=tr.val['x'] - 0.15)
            tr.wait(random.uniform(0.3, 0.8))
            tr.move(random.uniform(0.5, 0.9), z=tr.val['z'] - 0.04)  # rack
        else:  # deadlift: bar on the floor, bottom-start
            floor = tr.val['z']
            # set-up: roll the bar a little towards the shins
            tr.move(random.uniform(0.4, 0.8), x=tr.val['x'] + 0.03, p=tr.val['p'] + 0.03 / 0.0225)
            tr.wait(random.uniform(1.0, 3.0))
            nonrep.append((nonrep_start, tr.t - 0.5))
            t_start = tr.t
            for k in range(n):
                con = random.uniform(0.7, 1.8) * (1 + 0.06 * k)
                d = depth * random.uniform(0.98, 1.02)
                tr.move(con, z=floor + d)
                reps.append(dict(t=tr.t, depth_cm=d * 100))
                tr.wait(random.uniform(0.2, 1.0))
                tr.move(random.uniform(0.8, 1.6), z=floor)
                tr.wait(random.uniform(0.3, 2.0) if k < n - 1 else 0)
            t_end = tr.t
        sets.append(dict(set=si + 1, t_start=t_start, t_end=t_end, reps=reps))
        tr.wait(random.uniform(1, 2))
        nonrep_start = tr.t
        tr.wait(random.uniform(40, 90))
    nonrep.append((nonrep_start, tr.t))
    duration = tr.t
    # sensor: arbitrary mount rotation, noise, offsets
    mount = rot_matrix(random.uniform(0, 6.28), random.uniform(-1, 1), random.uniform(0, 6.28))
    acc_off = [random.uniform(-0.4, 0.4) for _ in range(3)]
    gyr_off = [random.uniform(-0.05, 0.05) for _ in range(3)]
    scale = [1 + random.uniform(-0.03, 0.03) for _ in range(3)]
    tremor_amp = random.uniform(0.3, 1.2)
    noise_a, noise_g = 0.03, 0.003
    if os.environ.get('IDEAL'):
        acc_off, gyr_off, scale, noise_a, noise_g = [0, 0, 0], [0, 0, 0], [1, 1, 1], 0, 0
    if os.environ.get('NOTREMOR'):
        tremor_amp = 0
    tf = [random.uniform(4, 9), random.uniform(4, 9)]
    tp = [random.uniform(0, 6.28), random.uniform(0, 6.28)]

    def loaded(t):
        # tremor envelope 0..1, ramped over a second (a step would be an acceleration spike)
        e = 0.0
        for s in sets:
            a, b = s['t_start'] - 3, s['t_end'] + 3
            if a - 1 < t < b + 1:
                e = max(e, min(1.0, t - (a - 1), (b + 1) - t))
        return e

    def state(t):
        x, z, p = tr.at('x', t), tr.at('z', t), tr.at('p', t)
        env = loaded(t)
        if env > 0:
            for f, ph in zip(tf, tp):
                # tremor_amp is a peak acceleration here, m/s^2 (physiological: well under 1)
                z += env * tremor_amp * 0.5 * math.sin(2 * math.pi * f * t + ph) / (2 * math.pi * f) ** 2
        return x, z, p

    dt = 1.0 / rate
    h = 1e-3
    lines = ['# thrust-capture v1', f'# rate_hz={rate} sensor=mpu6050 mount=bar profile=generic scenario={kind} seed={seed}',
             't,ax,ay,az,gx,gy,gz']
    t = 0.0
    while t < duration:
        x0, z0, p0 = state(t - h)
        x1, z1, p1 = state(t)
        x2, z2, p2 = state(t + h)
        ax = (x2 - 2 * x1 + x0) / h / h
        az = (z2 - 2 * z1 + z0) / h / h
        w = (p2 - p0) / (2 * h)
        # world specific force, then into the bar frame (pitch about y), then the mount
        f_world = [ax, 0.0, az + G]
        Rb = rot_matrix(0, p1, 0)  # bar frame -> world
        f_bar = tv(transpose(Rb), f_world)
        w_bar = [0.0, w, 0.0]
        f_s = tv(transpose(mount), f_bar)
        w_s = tv(transpose(mount), w_bar)
        a = [f_s[i] * scale[i] + acc_off[i] + random.gauss(0, noise_a) for i in range(3)]
        g = [w_s[i] + gyr_off[i] + random.gauss(0, noise_g) for i in range(3)]
        lines.append('%.5f,%.4f,%.4f,%.4f,%.5f,%.5f,%.5f' % (t, *a, *g))
        t += dt * (1 + random.uniform(-0.01, 0.01))
    name = f'{kind}-{seed}'
    open(os.path.join(outdir, name + '.csv'), 'w').write('\n'.join(lines) + '\n')
    truth = dict(mount='bar', profile='generic', count_only=False, scenario=kind, seed=seed, rate_hz=rate,
                 sets=[dict(set=s['set'], t_start=s['t_start'], t_end=s['t_end'],
                            reps=[dict(t=r['t'], depth_cm=r['depth_cm'], eccentric_s=None, bottom_s=None,
                                       concentric_s=None, hold_s=None, lockout_cm=None, torso_deg=None,
                                       tilt_deg=None) for r in s['reps']]) for s in sets],
                 nonrep=[list(x) for x in nonrep])
    json.dump(truth, open(os.path.join(outdir, name + '.truth.json'), 'w'))


if __name__ == '__main__':
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    n = int(sys.argv[2])
    kinds = os.environ.get('KINDS', 'squat,bench,deadlift').split(',')
    for i in range(n):
        for kind in kinds:
            session(kind, int(os.environ.get("SEED0", "1000")) + i, out)
