#!/usr/bin/env python3
"""Host side of the real-kernel test's sample link (Tests/qemu/run.sh).

usage: feed.py prepare SIM.csv OUT_PREFIX [--rate-hz 100]
       feed.py serve SOCKET DATA.bin OUT_DIR [--timeout 150]

prepare  reads a capture (SPEC §4, e.g. from `thrust simulate`; any rate, jitter, gaps),
         resamples it linearly onto an exact RATE_HZ grid, and writes
           OUT_PREFIX.csv  the fed capture (what `thrust analyze` on the host sees)
           OUT_PREFIX.bin  the same samples as 32-byte records for stub-feeder
           OUT_PREFIX.json {"samples", "duration_s", "mount", "profile", ...}
         Values are rounded to float32 in both files, so both sides see identical numbers.
serve    connects to QEMU's second serial port (a Unix socket), waits for the guest's
         "READY", writes all records (QEMU only reads the socket as fast as the guest's
         UART drains, so nothing is lost; the guest buffers them in memory), then saves
         every "FILE <name> <bytes>" the guest sends back into OUT_DIR until "DONE"
         (NAME.gz is stored decompressed as NAME).

Record format (little-endian, 32 bytes; Sources/stub-feeder/SampleLink.swift reads it):
  0xA5, type (1 sample, 2 end), uint32 sequence (end: sample count),
  6 x float32 (ax, ay, az m/s^2; gx, gy, gz rad/s), uint16 Fletcher-16 of bytes 0..29.
"""
import gzip
import json
import os
import socket
import struct
import sys
import threading
import time

COLUMNS = ["t", "ax", "ay", "az", "gx", "gy", "gz"]


def fail(message):
    sys.stderr.write(f"feed.py: {message}\n")
    sys.exit(2)


def read_capture(path):
    """-> (metadata dict, list of rows [t, ax, ay, az, gx, gy, gz])."""
    metadata, rows, header = {}, [], None
    try:
        handle = open(path, encoding="utf-8")
    except OSError as error:
        fail(f"{path}: {error.strerror}")
    with handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line:
                continue
            if line.startswith("#"):
                for word in line[1:].split():
                    if "=" in word:
                        key, value = word.split("=", 1)
                        metadata[key] = value
                continue
            fields = line.split(",")
            if header is None:
                names = [name.strip() for name in fields]
                missing = [name for name in COLUMNS if name not in names]
                if missing:
                    fail(f"{path}:{number}: header lacks column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}")
                header = [names.index(name) for name in COLUMNS]
                continue
            try:
                rows.append([float(fields[index]) for index in header])
            except (ValueError, IndexError):
                fail(f"{path}:{number}: expected 7 numbers in columns {','.join(COLUMNS)}, got '{line}'")
            if len(rows) > 1 and rows[-1][0] <= rows[-2][0]:
                fail(f"{path}:{number}: t={rows[-1][0]} is not after the previous t={rows[-2][0]}")
    if len(rows) < 2:
        fail(f"{path}: fewer than 2 samples")
    return metadata, rows


def as_float32(value):
    return struct.unpack("<f", struct.pack("<f", value))[0]


def resample(rows, rate_hz):
    """Linear interpolation of rows onto t0 + k / rate_hz, k = 0 … while inside the capture."""
    t0, t_end = rows[0][0], rows[-1][0]
    count = int((t_end - t0) * rate_hz) + 1
    out, j = [], 0
    for k in range(count):
        t = t0 + k / rate_hz
        while j + 2 < len(rows) and rows[j + 1][0] < t:
            j += 1
        a, b = rows[j], rows[j + 1]
        w = min(1.0, max(0.0, (t - a[0]) / (b[0] - a[0])))
        out.append([k / rate_hz] + [as_float32(a[i] + w * (b[i] - a[i])) for i in range(1, 7)])
    return out


def fletcher16(data):
    sum1 = sum2 = 0
    for byte in data:
        sum1 = (sum1 + byte) % 255
        sum2 = (sum2 + sum1) % 255
    return (sum2 << 8) | sum1


def record(kind, number, values):
    body = struct.pack("<BBI6f", 0xA5, kind, number, *values)
    return body + struct.pack("<H", fletcher16(body))


def prepare(sim_path, prefix, rate_hz):
    metadata, rows = read_capture(sim_path)
    samples = resample(rows, rate_hz)
    mount = metadata.get("mount", "bar")
    profile = metadata.get("profile", "generic")
    with open(prefix + ".csv", "w", encoding="utf-8") as out:
        out.write("# thrust-capture v1\n")
        extra = " ".join(f"{k}={v}" for k, v in metadata.items() if k not in ("rate_hz", "sensor", "mount", "profile"))
        out.write(f"# rate_hz={rate_hz:g} sensor=mpu6050 mount={mount} profile={profile} {extra}".rstrip() + "\n")
        out.write(",".join(COLUMNS) + "\n")
        for row in samples:
            out.write(f"{row[0]:.6f}," + ",".join(f"{v:.9g}" for v in row[1:]) + "\n")
    with open(prefix + ".bin", "wb") as out:
        for number, row in enumerate(samples):
            out.write(record(1, number, row[1:]))
        out.write(record(2, len(samples), [0.0] * 6))
    info = {"samples": len(samples), "duration_s": len(samples) / rate_hz, "rate_hz": rate_hz,
            "source_samples": len(rows), "source_rate_hz": metadata.get("rate_hz"),
            "mount": mount, "profile": profile}
    with open(prefix + ".json", "w", encoding="utf-8") as out:
        json.dump(info, out)
    print(json.dumps(info))


class Receiver(threading.Thread):
    """Reads the guest's lines and files from the socket."""

    def __init__(self, sock, out_dir):
        super().__init__(daemon=True)
        self.sock, self.out_dir = sock, out_dir
        self.buffer = b""
        self.ready = threading.Event()
        self.done = threading.Event()
        self.files = []
        self.bytes = 0
        self.first_file_at = None

    def fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError
        self.buffer += chunk

    def line(self):
        while b"\n" not in self.buffer:
            self.fill()
        text, self.buffer = self.buffer.split(b"\n", 1)
        return text.decode("utf-8", "replace").strip()

    def run(self):
        try:
            while True:
                text = self.line()
                if text == "READY":
                    self.ready.set()
                elif text.startswith("FILE "):
                    _, name, size = text.split(" ")
                    size = int(size)
                    while len(self.buffer) < size:
                        self.fill()
                    data, self.buffer = self.buffer[:size], self.buffer[size:]
                    name = os.path.basename(name)
                    if name.endswith(".gz"):
                        name, data = name[:-3], gzip.decompress(data)
                    with open(os.path.join(self.out_dir, name), "wb") as out:
                        out.write(data)
                    if not self.files:
                        self.first_file_at = time.monotonic()
                    self.files.append(name)
                    self.bytes += size
                elif text == "DONE":
                    break
        except (EOFError, OSError, ValueError):
            pass
        self.done.set()


def serve(socket_path, data_path, out_dir, timeout_s):
    os.makedirs(out_dir, exist_ok=True)
    with open(data_path, "rb") as handle:
        data = handle.read()
    deadline = time.monotonic() + timeout_s
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    while True:
        try:
            sock.connect(socket_path)
            break
        except OSError:
            if time.monotonic() > deadline:
                fail(f"could not connect to {socket_path}")
            time.sleep(0.05)
    receiver = Receiver(sock, out_dir)
    receiver.start()
    while not receiver.ready.is_set() and not receiver.done.is_set() and time.monotonic() < deadline:
        receiver.ready.wait(0.1)
    if not receiver.ready.is_set():
        print("feed.py: the guest never said READY", flush=True)
    else:
        start = time.monotonic()
        sock.sendall(data)
        print(f"feed.py: sent {len(data) // 32 - 1} samples ({len(data)} bytes) in {time.monotonic() - start:.2f} s",
              flush=True)
    receiver.done.wait(max(0.0, deadline - time.monotonic()))
    took = f" in {time.monotonic() - receiver.first_file_at:.1f} s" if receiver.first_file_at else ""
    print(f"feed.py: received {len(receiver.files)} files ({receiver.bytes} bytes gzip){took}", flush=True)
    sock.close()


def main(argv):
    if len(argv) >= 3 and argv[0] == "prepare":
        rate = float(argv[argv.index("--rate-hz") + 1]) if "--rate-hz" in argv else 100.0
        prepare(argv[1], argv[2], rate)
    elif len(argv) >= 4 and argv[0] == "serve":
        timeout_s = float(argv[argv.index("--timeout") + 1]) if "--timeout" in argv else 150.0
        serve(argv[1], argv[2], argv[3], timeout_s)
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
