#!/usr/bin/env bash
# Real-kernel test of the I2C path: boots Debian's kernel in QEMU (TCG) with i2c-stub
# emulating an MPU-6050 (Sources/stub-feeder) and runs the release `thrust` against it.
# See Tests/qemu/README.md. Prints one "PASS|FAIL name: detail" line per check (INFO: facts);
# exits 0 when none failed.
#
# Environment (all optional):
#   QEMU_SCRATCH=.build   SwiftPM scratch path for the release build
#   THRUST_BIN=… FEEDER_BIN=…  use these binaries instead of building
#   QEMU_SEED=8           seed of `thrust simulate --scenario quick`
#   QEMU_KERNEL_DEB=…     a linux-image-*-amd64 .deb to use instead of apt-get download
#   QEMU_KEEP=1           keep the guest's artefacts in Tests/qemu/work/out (always kept on failure)
#   QEMU_CLOCK=…          QEMU clock options (default "-icount shift=0,sleep=off"; empty = wall clock)
#   QEMU_SMP=1            guest CPUs
#   QEMU_FEEDER_OPTIONS=… stub-feeder options (default "--realtime 50")
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK="$HERE/work"
OUT="$WORK/out"
export PATH=/opt/swift/usr/bin:$PATH:/usr/sbin:/sbin

RATE_HZ=100
SEED=${QEMU_SEED:-8}   # quick seed 8: bar mount, barbell profile, ≈ 34 s, 4 reps
SCENARIO=quick
PHASE_C_SECONDS=22
QEMU_TIMEOUT_S=150

# The MPU-6050 configuration the driver must leave in the chip, "REGISTER=VALUE", read back
# with i2cget while `thrust stream --rate-hz 100` runs. From the polling init sequence in
# Sources/ThrustHardware/IMU/MPU6050Driver.swift with the default IMUConfig; keep in step:
# PWR_MGMT_1 = PLL with X gyro; SMPLRT_DIV = 1 kHz / 100 Hz - 1; CONFIG = DLPF 44/42 Hz
# (widest <= rate / 2); GYRO_CONFIG = +-500 deg/s; ACCEL_CONFIG = +-4 g; INT_ENABLE = DATA_RDY.
EXPECTED_INIT_REGISTERS="0x6B=0x01 0x19=0x09 0x1A=0x03 0x1B=0x08 0x1C=0x08 0x38=0x01"

started=$(date +%s.%N)
say() { echo "qemu-test: $*"; }
die() { echo "qemu-test: ERROR: $*" >&2; exit 2; }
elapsed() { awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

for tool in qemu-system-x86_64 busybox cpio xz python3 i2cget dpkg-deb; do
    command -v "$tool" >/dev/null ||
        die "'$tool' not found; install: qemu-system-x86 busybox-static cpio xz-utils python3 i2c-tools"
done
# ldd fails on a static binary; the guest has no libraries for a dynamic busybox
! ldd "$(command -v busybox)" >/dev/null 2>&1 ||
    die "$(command -v busybox) is not static; install busybox-static"
mkdir -p "$WORK"

# --- kernel and modules --------------------------------------------------------------------
fetch_kernel() {
    local dir="$WORK/kernel" deb package
    mkdir -p "$dir"
    deb=${QEMU_KERNEL_DEB:-}
    if [ -z "$deb" ]; then
        deb=$(ls "$dir"/linux-image-*-amd64_*.deb 2>/dev/null | head -n 1 || true)
    fi
    if [ -z "$deb" ]; then
        package=$(apt-cache depends linux-image-amd64 2>/dev/null |
            awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
        [ -n "$package" ] || die "apt does not know linux-image-amd64 (run apt-get update)"
        say "downloading $package"
        (cd "$dir" && apt-get download -q -o APT::Sandbox::User=root "$package" >/dev/null) ||
            die "apt-get download $package failed"
        deb=$(ls "$dir"/linux-image-*-amd64_*.deb | head -n 1)
    fi
    if [ ! -e "$dir/stamp" ] || [ "$deb" -nt "$dir/stamp" ]; then
        say "extracting $(basename "$deb")"
        rm -rf "$dir/x" "$dir/vmlinux" "$dir/bzImage" "$dir"/*.ko
        mkdir -p "$dir/x"
        dpkg-deb --fsys-tarfile "$deb" |
            tar -x -C "$dir/x" --wildcards './boot/vmlinuz-*' '*/i2c-dev.ko*' '*/i2c-stub.ko*'
        for module in i2c-dev i2c-stub; do
            local path
            path=$(find "$dir/x" -name "$module.ko*" | head -n 1)
            [ -n "$path" ] || die "$module.ko not in $deb"
            case "$path" in
                *.xz) xz -dc "$path" > "$dir/$module.ko" ;;
                *.zst) zstd -dcq "$path" > "$dir/$module.ko" ;;
                *) cp "$path" "$dir/$module.ko" ;;
            esac
        done
        cp "$dir"/x/boot/vmlinuz-* "$dir/bzImage"
        # The uncompressed ELF boots in about half the time through its PVH entry
        # (CONFIG_PVH): cut the xz stream out of the bzImage.
        local offset
        for offset in $(LC_ALL=C grep -abo $'\xFD7zXZ\x00' "$dir/bzImage" | cut -d: -f1); do
            # (tail dies of SIGPIPE once xz has its stream: judge by the ELF magic, not the status)
            tail -c +$((offset + 1)) "$dir/bzImage" | xz -dc --single-stream > "$dir/vmlinux" 2>/dev/null || true
            if [ "$(head -c 4 "$dir/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ]; then
                break
            fi
            rm -f "$dir/vmlinux"
        done
        rm -rf "$dir/x"
        touch "$dir/stamp"
    fi
    if [ -s "$dir/vmlinux" ]; then KERNEL="$dir/vmlinux"; else KERNEL="$dir/bzImage"; fi
}

# --- binaries ------------------------------------------------------------------------------
build_binaries() {
    if [ -n "${THRUST_BIN:-}" ] && [ -n "${FEEDER_BIN:-}" ]; then return; fi
    local scratch=${QEMU_SCRATCH:-.build}
    say "building release binaries (swift build -c release --static-swift-stdlib, scratch $scratch)"
    (cd "$ROOT" &&
        swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product stub-feeder &&
        swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product thrust) \
        > "$WORK/build.log" 2>&1 || { tail -n 40 "$WORK/build.log"; die "release build failed"; }
    local bin
    bin=$(cd "$ROOT" && swift build -c release --scratch-path "$scratch" --show-bin-path)
    THRUST_BIN=${THRUST_BIN:-$bin/thrust}
    FEEDER_BIN=${FEEDER_BIN:-$bin/stub-feeder}
}

# --- initramfs -----------------------------------------------------------------------------
copy_with_libraries() {  # BINARY DEST_DIR
    local root="$WORK/root" library
    cp "$1" "$root/$2/"
    strip "$root/$2/$(basename "$1")" 2>/dev/null || true
    # ldd exits 1 on static binaries: nothing to copy then
    for library in $(ldd "$1" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }'); do
        case "$library" in
            */ld-linux*) cp -L "$library" "$root/lib64/" ;;
            *) [ -e "$root/lib/$(basename "$library")" ] || cp -L "$library" "$root/lib/" ;;
        esac
    done
}

build_initramfs() {
    local root="$WORK/root" tool
    rm -rf "$root"
    mkdir -p "$root"/{bin,usr/bin,lib/modules,lib64,etc,proc,sys,dev,tmp,out}
    cp "$(command -v busybox)" "$root/bin/busybox"
    ln -s busybox "$root/bin/sh"
    cp "$WORK/kernel/i2c-dev.ko" "$WORK/kernel/i2c-stub.ko" "$root/lib/modules/"
    cp "$HERE/guest-init.sh" "$root/init"
    chmod 755 "$root/init"
    copy_with_libraries "$THRUST_BIN" usr/bin
    copy_with_libraries "$FEEDER_BIN" usr/bin
    for tool in i2cget i2cset i2cdetect i2cdump chrt; do
        copy_with_libraries "$(command -v $tool)" usr/bin
    done
    {
        echo "RATE_HZ=$RATE_HZ"
        echo "MOUNT=$MOUNT"
        echo "PROFILE=$PROFILE"
        echo "REGISTERS=\"$(for pair in $EXPECTED_INIT_REGISTERS; do printf '%s ' "${pair%%=*}"; done)\""
        echo "PHASE_C_SECONDS=$PHASE_C_SECONDS"
        echo "FEEDER_OPTIONS=\"${QEMU_FEEDER_OPTIONS---realtime 50}\""
        echo "STREAM_PREFIX=\"${QEMU_STREAM_PREFIX:-}\""
    } > "$root/etc/qemu-test.conf"
    # Uncompressed newc: the kernel unpacks it faster than it would gunzip it.
    (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$WORK/initramfs.cpio"
}

# --- host side: the session to feed and what the host's core makes of it ------------------------
prepare_session() {
    # Generated at the test's rate with the MPU-6050 noise model; feed.py still resamples
    # onto an exact grid (the simulator adds time-stamp jitter and drops).
    "$THRUST_BIN" simulate --scenario "$SCENARIO" --seed "$SEED" --rate "$RATE_HZ" --chip mpu6050 \
        --out "$WORK/sim.csv" > "$WORK/simulate.log" 2>&1 ||
        { cat "$WORK/simulate.log"; die "thrust simulate failed"; }
    python3 "$HERE/feed.py" prepare "$WORK/sim.csv" "$WORK/fed" --rate-hz "$RATE_HZ" > "$WORK/fed.info"
    MOUNT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mount"])' "$WORK/fed.json")
    PROFILE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["profile"])' "$WORK/fed.json")
    "$THRUST_BIN" analyze "$WORK/fed.csv" --mount "$MOUNT" --profile "$PROFILE" --json \
        > "$WORK/host-events.jsonl" 2> "$WORK/host-analyze.err" || true
}

# --- run -----------------------------------------------------------------------------------
fetch_kernel
build_binaries
say "binaries ready after $(elapsed) s"
rm -rf "$OUT"
mkdir -p "$OUT"
prepare_session
build_initramfs
say "kernel $(basename "$KERNEL"), initramfs $(( $(stat -c %s "$WORK/initramfs.cpio") / 1048576 )) MiB," \
    "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%d samples (%.1f s)" % (d["samples"], d["duration_s"]))' "$WORK/fed.json")" \
    "mount=$MOUNT profile=$PROFILE; booting after $(elapsed) s"

rm -f "$WORK/ttyS1.sock" "$WORK/console.log"
boot_started=$(date +%s.%N)
# KVM hangs at boot on these machines: TCG. Console on ttyS0 (a file), samples on ttyS1.
# The guest's clock is virtual (-icount): 2^shift ns per guest instruction, shift 0 = 1 G
# instructions per guest second (about a Pi Zero 2 W core), and with sleep=off idle time is
# skipped. Guest timing is then deterministic and immune to host load (other jobs on the 2
# cores used to make wall-clock guests late by tens of ms), and the 35 s session replays in a
# few seconds. QEMU_CLOCK= (empty) runs the guest on the wall clock instead.
timeout "$QEMU_TIMEOUT_S" qemu-system-x86_64 -accel tcg -cpu max -m 512 -smp "${QEMU_SMP:-1}" \
    ${QEMU_CLOCK--icount shift=0,sleep=off} -nodefaults \
    -kernel "$KERNEL" -initrd "$WORK/initramfs.cpio" \
    -append "console=ttyS0 quiet panic=-1 rdinit=/init" -no-reboot -display none -monitor none \
    -serial "file:$WORK/console.log" -serial "unix:$WORK/ttyS1.sock,server=on,wait=off" \
    > "$WORK/qemu.log" 2>&1 &
qemu_pid=$!
python3 "$HERE/feed.py" serve "$WORK/ttyS1.sock" "$WORK/fed.bin" "$OUT" --timeout "$QEMU_TIMEOUT_S" \
    > "$WORK/feed.log" 2>&1 &
feed_pid=$!
qemu_status=0
wait "$qemu_pid" || qemu_status=$?
wait "$feed_pid" || true
guest_s=$(awk -v a="$boot_started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

grep '^GUEST ' "$WORK/console.log" | sed 's/^GUEST /  guest /' || true
sed 's/^/  /' "$WORK/feed.log"
[ "$qemu_status" = 0 ] || say "QEMU exited with status $qemu_status (124 = timed out after $QEMU_TIMEOUT_S s)"

status=0
# The core on the host, on exactly the samples the stream read (b6: stream and analyze agree).
if [ -s "$OUT/b-recorded.csv" ]; then
    "$THRUST_BIN" analyze "$OUT/b-recorded.csv" --mount "$MOUNT" --profile "$PROFILE" --json \
        > "$WORK/host-recorded-events.jsonl" 2> "$WORK/host-recorded-analyze.err" || true
fi
python3 "$HERE/check.py" --out "$OUT" --work "$WORK" --rate-hz "$RATE_HZ" \
    --registers "$EXPECTED_INIT_REGISTERS" --phase-c-seconds "$PHASE_C_SECONDS" || status=$?
if [ "$status" != 0 ] || [ "$qemu_status" != 0 ]; then
    echo "--- guest console (last 60 lines of $WORK/console.log) ---"
    tail -n 60 "$WORK/console.log" || true
    for log in "$OUT"/*.err "$OUT"/*-feeder.log; do
        [ -s "$log" ] || continue
        echo "--- $(basename "$log") (last 8 lines; all artefacts in $OUT) ---"
        tail -n 8 "$log"
    done
    status=1
elif [ -z "${QEMU_KEEP:-}" ]; then
    rm -rf "$OUT"
fi
say "guest ran $guest_s s; total $(elapsed) s"
exit "$status"
