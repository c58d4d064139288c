#!/usr/bin/env bash
# Checks the systemd unit: hardening exposure ≤ 2.0 and `systemd-analyze verify` clean.
# Needs systemd-analyze (Debian package: systemd). Usage: systemd/check.sh [PATH_TO_THRUSTD]
# verify insists that ExecStart's binary exists: it checks a copy of the unit whose ExecStart
# points at the given (built) binary, so the check runs before anything is installed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="${1:-$here/../.build/debug/thrustd}"
binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"
[ -x "$binary" ] || { echo "check.sh: $binary is not an executable; build thrustd first (swift build --product thrustd)" >&2; exit 2; }

echo "== systemd-analyze security --offline=true (threshold 2.0)"
systemd-analyze security --offline=true --threshold=20 "$here/thrustd.service" | tail -1

echo "== systemd-analyze verify"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sed "s|^ExecStart=/usr/local/bin/thrustd|ExecStart=$binary|" "$here/thrustd.service" > "$work/thrustd.service"
output="$(systemd-analyze verify --man=no "$work/thrustd.service" 2>&1)" || { echo "$output" >&2; exit 1; }
if [ -n "$output" ]; then
    echo "$output" >&2
    echo "check.sh: systemd-analyze verify printed warnings" >&2
    exit 1
fi
echo "verify: clean"

echo "== sysusers.d and tmpfiles.d, applied to a scratch root"
root="$work/root"
mkdir -p "$root/etc"
for file in passwd group shadow gshadow; do [ -f "/etc/$file" ] && cp "/etc/$file" "$root/etc/"; done
systemd-sysusers --root="$root" "$here/thrustd.sysusers.conf" 2>&1 | sed 's/^/  /'
grep -q '^thrustd:' "$root/etc/passwd" && grep -q '^thrust:.*thrustd' "$root/etc/group"
systemd-tmpfiles --root="$root" --create "$here/thrustd.tmpfiles.conf"
[ -d "$root/var/lib/thrustd/log" ]
echo "sysusers/tmpfiles: OK"
