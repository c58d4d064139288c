#!/usr/bin/env python3
"""A probe: captures that start or end in the middle of things. A recording cut from a longer
one, a daemon started mid set-up, an app stopped right after the last rep: the core must not
depend on a rest at the start or at the end of its data.

Reads SRCDIR/NAME.csv + NAME.truth.json (`thrust simulate` output, score.py's format) and
writes the cut captures with their truth, trimmed the same way, to OUTDIR:

  start-setup   starts 2 s before the first set (the lifter getting into position)
  start-in-set  starts 0.3 s into the first set (its set-up bridge or first rise under way)
  end-hold      ends 1 s after the last set's last rep (in its hold, or lowering the bar)
  end-mid-set   ends half way between two reps of the last set (the rest of it dropped)
  short-stand   belt captures only: starts 2 s before the upright stand ends (SPEC's shortest
                stand; its end is where the gyro first reads 0.15 rad/s off its first second)
  no-stand      belt captures only: starts 1 s after the stand ends (no upright pose in it)

usage: cut_captures.py SRCDIR OUTDIR MODE
then:  python3 ../shared/eval/score.py --dir OUTDIR \
           --cmd '.build/release/thrust analyze {capture} --mount {mount} --profile {profile} --json'
"""
import glob, json, os, sys


def stand_end(csv_path):
    """When the opening stand ends: the first sample whose angular rate is 0.15 rad/s off the
    mean of the capture's first second (the gyro bias), s."""
    first, bias = None, None
    rows = []
    with open(csv_path) as f:
        for line in f:
            if line.startswith("#") or line.startswith("t,"):
                continue
            v = [float(x) for x in line.split(",")]
            if first is None:
                first = v[0]
            if bias is None:
                if v[0] - first < 1.0:
                    rows.append(v[4:7])
                    continue
                bias = [sum(r[i] for r in rows) / len(rows) for i in range(3)]
            if sum((v[4 + i] - bias[i]) ** 2 for i in range(3)) > 0.15 ** 2:
                return v[0]
    sys.exit(f"{csv_path}: no movement after the stand")


def cut(truth, mode, csv_path):
    """(start, end) of the kept capture, s, and the truth trimmed to it."""
    sets = truth["sets"]
    first, last = sets[0], sets[-1]
    start, end = -float("inf"), float("inf")
    if mode == "short-stand":
        start = stand_end(csv_path) - 2.0
    elif mode == "no-stand":
        start = stand_end(csv_path) + 1.0
    elif mode == "start-setup":
        start = first["t_start"] - 2.0
    elif mode == "start-in-set":
        start = first["t_start"] + 0.3
        # Reps already under way when the capture starts are not in it.
        first = dict(first, t_start=start, reps=[r for r in first["reps"] if r["t"] > start + 0.2])
        sets = [first] + sets[1:]
    elif mode == "end-hold":
        end = last["reps"][-1]["t"] + 1.0
    elif mode == "end-mid-set":
        reps = last["reps"]
        k = max(1, len(reps) // 2)
        end = reps[k - 1]["t"] + 0.5 * (reps[k]["t"] - reps[k - 1]["t"]) if k < len(reps) else reps[-1]["t"] + 1.0
        sets = sets[:-1] + [dict(last, reps=reps[:k], t_end=end)]
    else:
        sys.exit(f"unknown mode {mode}")
    sets = [s for s in sets if s["t_start"] >= start]
    nonrep = [[max(a, start), min(b, end)] for a, b in truth["nonrep"] if b > start + 0.5 and a < end - 0.5]
    return start, end, dict(truth, sets=sets, nonrep=nonrep)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    src, out, mode = sys.argv[1:]
    os.makedirs(out, exist_ok=True)
    for truth_path in sorted(glob.glob(os.path.join(src, "*.truth.json"))):
        name = os.path.basename(truth_path)[: -len(".truth.json")]
        with open(truth_path) as f:
            truth = json.load(f)
        if mode in ("short-stand", "no-stand") and truth["mount"] != "belt":
            continue
        start, end, kept = cut(truth, mode, os.path.join(src, name + ".csv"))
        with open(os.path.join(out, name + ".truth.json"), "w") as f:
            json.dump(kept, f)
        with open(os.path.join(src, name + ".csv")) as f, open(os.path.join(out, name + ".csv"), "w") as g:
            for line in f:
                if line.startswith("#") or line.startswith("t,"):
                    g.write(line)
                    continue
                t = float(line[: line.index(",")])
                if t > end:
                    break
                if t >= start:
                    g.write(line)


if __name__ == "__main__":
    main()
