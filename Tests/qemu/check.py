#!/usr/bin/env python3
"""Judges the artefacts of the real-kernel test (Tests/qemu/run.sh).

usage: check.py --out DIR --work DIR [--rate-hz 100] [--registers "0x6B=0x01 ..."]

DIR (--out) holds what the guest sent back (see guest-init.sh); --work holds the host's side:
fed.csv / fed.json (the samples fed), host-events.jsonl (`thrust analyze fed.csv --json`).
Prints one "PASS|FAIL|SKIP <check>: <detail>" line per check and exits 1 if any failed.
"""
import argparse
import json
import os
import statistics
import sys

RESULTS = []
# How soon after the chip comes back a `SENSOR recovered` must follow (driver back-off ≤ 1 s).
RECOVERY_LIMIT_S = 5.0
# How soon after the chip goes silent a `SENSOR fault` must follow.
FAULT_LIMIT_S = 3.0


def result(status, name, detail):
    RESULTS.append(status)
    print(f"{status} {name}: {detail}", flush=True)


def check(name, ok, detail):
    result("PASS" if ok else "FAIL", name, detail)
    return ok


def read_text(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def first_line(text, limit=200):
    text = (text or "").strip().splitlines()
    return (text[-1] if text else "")[:limit]


def json_lines(text):
    """-> list of (prefix, object) for each line holding a JSON object ('{' onwards)."""
    events = []
    for line in (text or "").splitlines():
        start = line.find("{")
        if start < 0:
            continue
        try:
            obj = json.loads(line[start:])
        except ValueError:
            continue
        if isinstance(obj, dict):
            events.append((line[:start].strip(), obj))
    return events


def of_class(events, name):
    return [obj for _, obj in events if str(obj.get("class", "")).upper() == name]


def stream_failure(out, prefix):
    """A one-line reason when the stream did not run, else None."""
    rc = (read_text(os.path.join(out, f"{prefix}-stream.rc")) or "").strip()
    if rc in ("", "0"):
        return None
    err = first_line(read_text(os.path.join(out, f"{prefix}-stream.err")))
    return f"thrust stream exited {rc}: {err or '(no stderr)'}"


def read_capture(path):
    """-> list of [t, ax, ay, az, gx, gy, gz] or None."""
    text = read_text(path)
    if text is None:
        return None
    rows, header = [], None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split(",")]
        if header is None:
            header = [fields.index(name) for name in ("t", "ax", "ay", "az", "gx", "gy", "gz")]
            continue
        rows.append([float(fields[i]) for i in header])
    return rows


def feeder_stats(out, prefix):
    for _, obj in json_lines(read_text(os.path.join(out, f"{prefix}-feeder.log"))):
        if obj.get("feeder") == "stats":
            return obj
    return None


# --- a: detection -------------------------------------------------------------------------------
def check_detection(out, registers):
    probe = read_text(os.path.join(out, "a-probe.json"))
    rc = (read_text(os.path.join(out, "a-probe.rc")) or "").strip()
    flat = (probe or "").lower().replace("-", "").replace("_", "")
    found = "mpu6050" in flat and ("0x68" in flat or '"address":104' in flat.replace(" ", ""))
    check("a1 probe finds the MPU-6050 at 0x68", rc == "0" and found,
          f"exit {rc}; " + (first_line(probe) if found else
                            f"stdout: {first_line(probe) or '(empty)'}; stderr: "
                            f"{first_line(read_text(os.path.join(out, 'a-probe.err'))) or '(empty)'}"))

    stream_problem = stream_failure(out, "a")
    lines = (read_text(os.path.join(out, "a-registers.txt")) or "").splitlines()
    read_back = dict(line.split(" ", 1) for line in lines if " " in line)
    wrong = []
    for pair in registers.split():
        register, expected = pair.split("=")
        got = read_back.get(register, "(not read)").strip()
        if got.lower() != expected.lower():
            wrong.append(f"{register}: expected {expected}, read {got}")
    check("a2 init registers read back with i2cget", not wrong and stream_problem is None,
          "; ".join(wrong) if wrong else (stream_problem or registers))

    stats = of_class(json_lines(read_text(os.path.join(out, "a-stream.jsonl"))), "STATS")
    if stream_problem or not stats:
        check("a3 short stream on the still chip", False, stream_problem or "no STATS line")
    else:
        s = stats[-1]
        check("a3 short stream on the still chip", s.get("samples", 0) >= 200 and s.get("missed", 1) == 0,
              f"STATS {json.dumps(s)}")


# --- b: the fed session ----------------------------------------------------------------------------
def check_session(out, work, rate_hz):
    info = json.load(open(os.path.join(work, "fed.json")))
    expected = info["samples"]
    feeder = feeder_stats(out, "b")
    if feeder is None:
        check("b1 samples reach the feeder intact", False, "no FEEDER stats line in b-feeder.log: "
              + first_line(read_text(os.path.join(out, "b-feeder.log"))))
        return
    check("b1 samples reach the feeder intact",
          feeder.get("input_samples") == expected and feeder.get("input_complete") is True
          and feeder.get("input_bad_records") == 0 and feeder.get("input_sequence_gaps") == 0,
          f"{feeder.get('input_samples')} of {expected} samples, {feeder.get('input_bad_records')} bad records, "
          f"{feeder.get('input_sequence_gaps')} sequence gaps")

    problem = stream_failure(out, "b")
    events = json_lines(read_text(os.path.join(out, "b-stream.jsonl")))
    stats = of_class(events, "STATS")
    if problem or not stats:
        check("b2 stream: no missed or duplicate samples", False, problem or "no STATS line")
    else:
        s = stats[-1]
        check("b2 stream: no missed or duplicate samples",
              s.get("missed") == 0 and s.get("duplicates") == 0 and s.get("faults", 0) == 0
              and s.get("samples", 0) >= expected,
              f"STATS {json.dumps(s)} (fed {expected})")
    check("b3 feeder: driver never late, every fed sample published",
          feeder.get("late_fed") == 0 and feeder.get("fed") == expected and feeder.get("underruns") == 0,
          f"late {feeder.get('late_fed')} (fed samples unread a whole period after publication; "
          f"{feeder.get('late')} counting the filler), longest unread {feeder.get('max_unread_fed_ms')} ms, "
          f"fed {feeder.get('fed')} "
          f"of {expected}, underruns {feeder.get('underruns')}, resets {feeder.get('resets')}, "
          f"±{feeder.get('accel_range_g')} g, ±{feeder.get('gyro_range_dps')} °/s")

    check_recording(out, work, rate_hz, expected)
    check_reps(out, work, events)
    check_same_core(out, work, events)


def check_recording(out, work, rate_hz, expected):
    name = "b4 recorded capture equals the fed samples within 1 LSB"
    recorded = read_capture(os.path.join(out, "b-recorded.csv"))
    fed = read_capture(os.path.join(work, "fed.csv"))
    published = read_text(os.path.join(out, "b-published.csv"))
    if not recorded:
        check(name, False, "no b-recorded.csv from the guest")
        return
    rows = [line.split(",") for line in (published or "").splitlines()[1:] if line]
    fed_rows = [r for r in rows if r[1] == "fed"]
    if len(fed_rows) != expected:
        check(name, False, f"published log lists {len(fed_rows)} fed samples of {expected}")
        return
    accel_lsb, gyro_lsb = float(fed_rows[0][9]), float(fed_rows[0][10])
    if any(float(r[9]) != accel_lsb or float(r[10]) != gyro_lsb for r in fed_rows):
        check(name, False, "the full-scale range changed while the session was fed")
        return
    lsb = [accel_lsb] * 3 + [gyro_lsb] * 3

    def error_lsb(rec, values):
        """Largest |recorded − fed| in LSB, the fed value saturated like the chip."""
        worst = 0.0
        for axis in range(6):
            want = max(-32768.0, min(32767.0, values[axis] * lsb[axis]))
            worst = max(worst, abs(rec[axis + 1] * lsb[axis] - want))
        return worst

    # The recording may start with filler samples (the driver's first reads); find fed[0].
    start = next((i for i in range(min(len(recorded), 400))
                  if all(i + k < len(recorded) and error_lsb(recorded[i + k], fed[k][1:]) <= 1.0
                         for k in range(5))), None)
    if start is None:
        # A constant ratio between recorded and fed values points at a full-scale mismatch.
        ratios = [r / f for rec, fd in zip(recorded[:50], fed[:50])
                  for r, f in zip(rec[1:], fd[1:]) if abs(f) > 0.05 * (9.80665 if abs(f) > 1 else 1)]
        hint = f"; median recorded/fed ratio {statistics.median(ratios):.3f} (≠ 1: wrong scale?)" if ratios else ""
        check(name, False, f"the first fed sample {fed[0][1:]} is not among the first 400 recorded rows "
              f"(first recorded: {recorded[0][1:]}){hint}")
        return
    if start + expected > len(recorded):
        check(name, False, f"only {len(recorded) - start} of {expected} fed samples were recorded")
        return
    errors = [error_lsb(recorded[start + k], fed[k][1:]) for k in range(expected)]
    bad = [k for k, e in enumerate(errors) if e > 1.0]
    timing = timing_summary([r[0] for r in recorded[start:start + expected]],
                            [float(r[11]) for r in fed_rows] if len(fed_rows[0]) > 11 else None)
    check(name, not bad,
          (f"{len(bad)} samples off by more than 1 LSB, first at fed #{bad[0]} "
           f"(recorded {recorded[start + bad[0]][1:]}, fed {fed[bad[0]][1:]})") if bad else
          f"{expected} samples from recorded row {start}, worst error {max(errors):.2f} LSB; {timing}")


def timing_summary(recorded_t, published_t):
    """Spacing of the driver's time stamps, and how far they stray from the feeder's publication
    times (same guest clock; the constant offset between the two is removed)."""
    def spread(values):
        ordered = sorted(values)
        return (f"median {statistics.median(values) * 1000:.2f} ms, "
                f"p99 {ordered[int(0.99 * (len(ordered) - 1))] * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms")
    if len(recorded_t) < 2:
        return ""
    text = "recorded t spacing " + spread([b - a for a, b in zip(recorded_t, recorded_t[1:])])
    if published_t and len(published_t) == len(recorded_t):
        text += "; feeder publication spacing " + spread([b - a for a, b in zip(published_t, published_t[1:])])
        offsets = [r - p for r, p in zip(recorded_t, published_t)]
        middle = statistics.median(offsets)
        text += f"; driver time − publication time within ±{max(abs(o - middle) for o in offsets) * 1000:.1f} ms"
    return text


def check_reps(out, work, stream_events):
    host_events = json_lines(read_text(os.path.join(work, "host-events.jsonl")))
    host_reps = of_class(host_events, "REP")
    guest_reps = of_class(stream_events, "REP")
    analyze_err = first_line(read_text(os.path.join(work, "host-analyze.err")))
    if not host_events and analyze_err:
        check("b5 REP events match thrust analyze on the host", False, f"thrust analyze failed: {analyze_err}")
        return
    note = " (the core counts no reps yet: counts compared anyway)" if not host_reps and not guest_reps else ""
    detail = f"stream {len(guest_reps)} reps, analyze {len(host_reps)} reps{note}"
    if host_reps and len(host_reps) == len(guest_reps):
        offsets = [g.get("t", 0) - h.get("t", 0) for g, h in zip(guest_reps, host_reps)]
        spread = max(offsets) - min(offsets)
        depth = max(abs((g.get("depth_cm") or 0) - (h.get("depth_cm") or 0)) for g, h in zip(guest_reps, host_reps))
        detail += f"; lockout times agree within {spread:.3f} s (clock offset removed), depth within {depth:.2f} cm"
    check("b5 REP events match thrust analyze on the host", len(guest_reps) == len(host_reps), detail)


def check_same_core(out, work, stream_events):
    """The stream's core and `thrust analyze` on the capture the stream recorded saw the same
    samples, so the rep counts must be equal. The capture rounds t to 1 µs and values to 6
    digits, which the core may amplify: value differences are reported, and flagged when they
    exceed eval/score.py's don't-care bands (0.12 s, 1 cm), but do not fail the check."""
    name = "b6 stream REP count = thrust analyze on the recorded capture (in the guest)"
    text = read_text(os.path.join(out, "b-analyze-recorded.jsonl"))
    if text is None:
        check(name, False, "no analysis of b-recorded.csv in the guest")
        return
    analyzed = of_class(json_lines(text), "REP")
    on_host = of_class(json_lines(read_text(os.path.join(work, "host-recorded-events.jsonl"))), "REP")
    streamed = of_class(stream_events, "REP")
    tolerance = {"t": 0.12, "eccentric_s": 0.12, "concentric_s": 0.12, "depth_cm": 1.0, "lockout_cm": 1.0}
    worst = {key: 0.0 for key in tolerance}
    mismatched = []
    for g, h in zip(streamed, analyzed):
        for key in tolerance:
            a, b = g.get(key), h.get(key)
            if (a is None) != (b is None):
                mismatched.append(f"{key} null on one side only")
            elif a is not None:
                worst[key] = max(worst[key], abs(a - b))
    beyond = [key for key in tolerance if worst[key] > tolerance[key]] + mismatched
    largest = ", ".join(f"{key} {worst[key]:.3g}" for key in tolerance)
    check(name, len(streamed) == len(analyzed),
          f"stream {len(streamed)} reps, analyze {len(analyzed)} reps; largest differences: {largest}"
          + (f" (beyond score.py's bands: {', '.join(beyond)})" if beyond else "")
          + f"; the same file analyzed on the host: {len(on_host)} reps")


# --- c: faults ---------------------------------------------------------------------------------------
def check_faults(out, phase_seconds, rate_hz):
    timeline = []
    for line in (read_text(os.path.join(out, "c-timeline.txt")) or "").splitlines():
        stamp, _, event = line.partition(" ")
        try:
            timeline.append((float(stamp), event))
        except ValueError:
            pass
    marks = {event.split(" ")[0]: t for t, event in timeline}
    for t, event in timeline:
        if event.startswith("rmmod-while-open") or event.startswith("unbind"):
            result("INFO", "c0", event)

    stamped = []  # (uptime, event)
    exit_code = None
    for line in (read_text(os.path.join(out, "c-stream.jsonl")) or "").splitlines():
        stamp, _, rest = line.partition(" ")
        if rest.startswith("EXIT "):
            exit_code = rest[5:].strip()
            continue
        events = json_lines(rest)
        if events:
            stamped.append((float(stamp), events[0][1]))
    sensor = [(t, e) for t, e in stamped if str(e.get("class", "")).upper() == "SENSOR"]
    stats = [e for _, e in stamped if str(e.get("class", "")).upper() == "STATS"]
    err = first_line(read_text(os.path.join(out, "c-stream.err")))
    if exit_code != "0" or not stats:
        check("c1 power loss: fault reported and recovered", False, f"thrust stream exited {exit_code}: {err}")
        check("c2 bus removed (rmmod) and back (insmod): fault and recovery", False, "stream did not run")
        return
    # A stream that buffers its output prints everything at exit: then only the order is known.
    start = marks.get("stream-start", 0.0)
    live = bool(stamped) and (stamped[-1][0] - stamped[0][0] > 1.0 or stamped[0][0] - start < phase_seconds - 1)

    def judge(name, unplug, plug, extra_ok=True, extra=""):
        if unplug is None or plug is None:
            check(name, False, "the guest's timeline lacks the unplug/plug marks")
            return
        faults = [(t, e) for t, e in sensor if e.get("state") == "fault"]
        recovered = [(t, e) for t, e in sensor if e.get("state") == "recovered"]
        if not live:
            check(name, False, "thrust stream's output arrived all at once at exit (stdout not flushed per "
                  f"line), so fault/recovery timing cannot be judged; {len(faults)} faults, "
                  f"{len(recovered)} recoveries")
            return
        fault = next(((t, e) for t, e in faults if unplug <= t <= plug + FAULT_LIMIT_S), None)
        back = next(((t, e) for t, e in recovered if t >= plug), None)
        ok = fault is not None and back is not None and back[0] - plug <= RECOVERY_LIMIT_S and extra_ok
        parts = [f"fault {fault[0] - unplug:.2f} s after the power loss ({fault[1].get('detail', '')})"
                 if fault else "no SENSOR fault after the power loss",
                 f"recovered {back[0] - plug:.2f} s after the chip came back" if back
                 else "no SENSOR recovered after the chip came back"]
        check(name, ok, "; ".join(parts) + extra)

    judge("c1 power loss: fault reported and recovered", marks.get("c1-unplug"), marks.get("c1-plug"))
    removed = "c2-rmmod" in marks and any(event.startswith("c2-rmmod ok") for _, event in timeline)
    removal_note = next((event for _, event in timeline if event.startswith("c2-rmmod")), "no rmmod mark")
    judge("c2 bus removed (rmmod) and back (insmod): fault and recovery", marks.get("c2-unplug"),
          marks.get("c2-plug"), removed, f"; {removal_note}")

    s = stats[-1]
    recovered_times = [t for t, e in sensor if e.get("state") == "recovered"]
    outage = 0.0
    for key in ("c1", "c2"):
        unplug = marks.get(f"{key}-unplug")
        back = next((t for t in recovered_times if unplug is not None and t > unplug), None)
        if unplug is not None and back is not None:
            outage += back - unplug
    minimum = int(0.9 * rate_hz * (phase_seconds - outage)) - 100
    check("c3 the stream continues after the faults",
          s.get("recoveries", 0) >= 2 and s.get("samples", 0) >= minimum,
          f"STATS {json.dumps(s)}; expected ≥ {minimum} samples outside {outage:.1f} s of outage")



def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--rate-hz", type=float, default=100.0)
    parser.add_argument("--registers", default="")
    parser.add_argument("--phase-c-seconds", type=float, default=22.0)
    args = parser.parse_args()
    if not os.listdir(args.out):
        check("guest results", False, "the guest sent nothing back (see the console log)")
        sys.exit(1)
    check_detection(args.out, args.registers)
    check_session(args.out, args.work, args.rate_hz)
    check_faults(args.out, args.phase_c_seconds, args.rate_hz)
    failed = RESULTS.count("FAIL")
    print(f"{RESULTS.count('PASS')} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
