#!/usr/bin/env bash
# Instructions h248d executes per transaction under megaco-load's
# Add/Modify/Subtract cycles, counted by callgrind: the repeatable measure of
# the daemon's user-space work on a machine whose speed moves with its
# neighbours (kernel time is not counted). Runs daemon-load.sh twice under
# callgrind, SHORT and LONG measured seconds; the difference of the
# instruction totals over the difference of the transactions counted is
# what one transaction costs (start-up, warm-up and drain cancel out).
#
#   benches/scripts/daemon-instructions.sh [ENCODING] [IN_FLIGHT] [SHORT] [LONG]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
encoding=${1:-pretty}
level=${2:-16}
short=${3:-4}
long=${4:-24}
command -v valgrind >/dev/null || { echo "valgrind not installed" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() { # seconds -> "instructions transactions"
    local out
    out=$(H248_SKIP_ANCHOR=1 TIMEOUT_MS=20000 \
        MG_WRAP="valgrind --tool=callgrind --callgrind-out-file=$tmp/cg.$1 --log-file=$tmp/vg.$1" \
        "$root/benches/scripts/daemon-load.sh" "$encoding" "$level" "$1" 2>/dev/null)
    local trans
    trans=$(grep -o 'RESULT.* trans=[0-9]*' <<<"$out" | grep -o '[0-9]*$')
    echo "$(grep -o 'Collected : [0-9]*' "$tmp/vg.$1" | awk '{print $3}') $trans"
}
read -r i1 t1 < <(run "$short")
read -r i2 t2 < <(run "$long")
echo "h248d $encoding, $level in flight: $(( (i2 - i1) / (t2 - t1) )) instructions/transaction" \
    "($i1 instructions for $t1 transactions, $i2 for $t2)"
