#!/bin/sh
# PID 1 of the QEMU guest built by Tests/qemu/run.sh (busybox sh, Debian kernel, i2c-stub).
#
# Runs the three phases of the real-kernel test and judges nothing itself: progress goes to
# the console (ttyS0) as "GUEST <uptime_s> ..." lines, and every artefact in /out is sent back
# to the host over the second serial port (ttyS1) as "FILE <name> <bytes>\n<bytes>", then
# "DONE\n" (Tests/qemu/feed.py receives them, Tests/qemu/check.py judges them).
#   a  detection: thrust probe; a short stream; the init registers read back with i2cget
#   b  a simulated session fed at RATE_HZ through the stub while thrust stream records it
#   c  the chip loses power (registers cleared), then the bus itself is removed (rmmod) and
#      comes back (insmod), while thrust stream keeps running
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /out /tmp
export PATH=/usr/bin:/bin
# RATE_HZ MOUNT PROFILE REGISTERS PHASE_C_SECONDS FEEDER_OPTIONS STREAM_PREFIX (from run.sh)
. /etc/qemu-test.conf

uptime_s() { read -r up _ < /proc/uptime; echo "$up"; }
say() { echo "GUEST $(uptime_s) $*"; }
# "<uptime_s> <event>" lines that check.py lines up with the stream's output.
mark() { echo "$(uptime_s) $*" >> /out/c-timeline.txt; say "c: $*"; }
# Prefixes each line with the uptime at which it arrived (the stream prints events live).
stamp() { while IFS= read -r line; do read -r up _ < /proc/uptime; echo "$up $line"; done; }

send_results() {
    stty -F /dev/ttyS1 raw -echo 2>/dev/null
    exec 4>/dev/ttyS1
    # gzip: the emulated UART is the slow part (and idle waits for it run the virtual clock on)
    for file in /out/*; do
        [ -f "$file" ] || continue
        gzip -c "$file" > /tmp/send.gz
        printf 'FILE %s.gz %s\n' "${file##*/}" "$(wc -c < /tmp/send.gz)" >&4
        cat /tmp/send.gz >&4
    done
    printf 'DONE\n' >&4
    exec 4>&-
    say "results sent"
}

stop_feeder() {
    [ -n "$FEEDER" ] || return 0
    kill -TERM "$FEEDER" 2>/dev/null
    wait "$FEEDER" 2>/dev/null
    FEEDER=
}

finish() {
    stop_feeder
    send_results
    say "end"
    poweroff -f
}

# Waits up to $2 seconds for the file $1 to contain the text $3.
wait_for_text() {
    tries=$(( $2 * 10 ))
    while [ "$tries" -gt 0 ]; do
        grep -q "$3" "$1" 2>/dev/null && return 0
        sleep 0.1
        tries=$((tries - 1))
    done
    return 1
}

say "boot done, kernel $(uname -r)"
if ! insmod /lib/modules/i2c-dev.ko || ! insmod /lib/modules/i2c-stub.ko chip_addr=0x68; then
    say "FATAL: insmod failed"
    finish
fi
[ -e /dev/i2c-0 ] || { say "FATAL: no /dev/i2c-0 after insmod"; finish; }
STREAM="$STREAM_PREFIX thrust stream --source i2c:/dev/i2c-0@0x68 --rate-hz $RATE_HZ --json"

# --- a: detection and init registers ---------------------------------------------------
say "a: stub-feeder (still pose) + thrust probe"
stub-feeder $FEEDER_OPTIONS --rate-hz "$RATE_HZ" > /out/a-feeder.log 2>&1 &
FEEDER=$!
sleep 0.5
timeout 30 thrust probe --bus /dev/i2c-0 --json > /out/a-probe.json 2> /out/a-probe.err
echo "$?" > /out/a-probe.rc
say "a: thrust stream 3 s, registers read back at 1.5 s"
timeout 30 $STREAM --seconds 3 > /out/a-stream.jsonl 2> /out/a-stream.err &
STREAM_PID=$!
sleep 1.5
for register in $REGISTERS; do
    echo "$register $(i2cget -y 0 0x68 "$register" 2>&1)"
done > /out/a-registers.txt
wait "$STREAM_PID"
echo "$?" > /out/a-stream.rc
stop_feeder

# --- b: simulated session through the stub ----------------------------------------------
say "b: waiting for the host's samples on ttyS1"
stub-feeder $FEEDER_OPTIONS --rate-hz "$RATE_HZ" --input /dev/ttyS1 --published-log /out/b-published.csv \
    > /out/b-feeder.log 2>&1 &
FEEDER=$!
if wait_for_text /out/b-feeder.log 300 "loaded"; then
    count=$(sed -n 's/.*loaded \([0-9]*\) samples.*/\1/p' /out/b-feeder.log)
    # the fed samples plus 2 s, so the driver reads every one (then a still tail)
    seconds=$(( (count + RATE_HZ - 1) / RATE_HZ + 2 ))
    say "b: $count samples loaded; thrust stream --seconds $seconds --mount $MOUNT --profile $PROFILE"
    timeout $((seconds + 30)) $STREAM --seconds "$seconds" --record /out/b-recorded.csv \
        --mount "$MOUNT" --profile "$PROFILE" > /out/b-stream.jsonl 2> /out/b-stream.err
    echo "$?" > /out/b-stream.rc
    # the core once more, offline, on exactly what the stream recorded (same CPU and libm)
    timeout 120 thrust analyze /out/b-recorded.csv --mount "$MOUNT" --profile "$PROFILE" --json \
        > /out/b-analyze-recorded.jsonl 2> /out/b-analyze-recorded.err
else
    say "b: no samples arrived from the host within 300 s"
fi
stop_feeder

# --- c: power loss, then bus removal, while streaming ------------------------------------
say "c: thrust stream ${PHASE_C_SECONDS} s with a power loss at 3 s and a bus removal at 10 s"
: > /out/c-timeline.txt
[ -e /sys/bus/i2c/devices/i2c-0/driver ] || mark "unbind-unsupported (i2c-stub's adapter has no driver to unbind)"
stub-feeder $FEEDER_OPTIONS --rate-hz "$RATE_HZ" > /out/c-feeder.log 2>&1 &
FEEDER=$!
mark "stream-start"
( timeout $((PHASE_C_SECONDS + 30)) $STREAM --seconds "$PHASE_C_SECONDS" 2> /out/c-stream.err
  echo "EXIT $?" ) | stamp > /out/c-stream.jsonl &
STREAM_PID=$!
sleep 3
mark "c1-unplug"
kill -USR1 "$FEEDER"
sleep 2
mark "c1-plug"
kill -USR2 "$FEEDER"
sleep 5
# With the bus open, the kernel refuses to unload i2c-stub (module in use): expected.
mark "rmmod-while-open $(rmmod i2c-stub 2>&1 || true)"
mark "c2-unplug"
kill -USR1 "$FEEDER"
removed=no
tries=40
while [ "$tries" -gt 0 ]; do
    if rmmod i2c-stub 2>/dev/null; then removed=yes; break; fi
    sleep 0.1
    tries=$((tries - 1))
done
if [ "$removed" = yes ]; then
    mark "c2-rmmod ok ($( [ -e /dev/i2c-0 ] && echo '/dev/i2c-0 still there' || echo '/dev/i2c-0 gone'))"
    sleep 1.5
    insmod /lib/modules/i2c-stub.ko chip_addr=0x68
    mark "c2-insmod rc=$?"
else
    mark "c2-rmmod failed: i2c-stub still in use 4 s after the power loss (someone keeps /dev/i2c-0 open)"
fi
mark "c2-plug"
kill -USR2 "$FEEDER"
wait "$STREAM_PID"
mark "stream-end"
stop_feeder
finish
