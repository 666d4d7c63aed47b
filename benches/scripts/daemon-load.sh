#!/usr/bin/env bash
# Transactions per second and latency through h248d over UDP loopback, side by
# side with Erlang/OTP megaco's MG, both driven by the same load generator
# (Add/Modify/Subtract cycles): megaco-load's (../shared/tools/megaco-load, a
# raw-UDP MGC in Erlang) by default, or ours with `GEN=h248-load` (the
# `h248-load` binary of benches/: the same cycle and counting rules, through
# this stack's codec, and cheaper per transaction, so that the generator is
# not what limits the MG under test).
#
#   benches/scripts/daemon-load.sh [ENCODING] [LEVELS] [SECONDS]
#       ENCODING  pretty (default) or compact; ber with GEN=h248-load and
#                 H248_SKIP_ANCHOR=1 (the megaco tools speak text only)
#       LEVELS    transactions in flight, comma separated (default 1,16,64,256)
#       SECONDS   measured seconds per level (default 10; 2 s warm-up each)
#
# The generator is pinned to CPU 0 and the MG under test to CPU 1 (the fair
# comparison rule of megaco-load's README); h248d runs one tokio worker
# thread. Each MG prints one RESULT line per level (trans/s, p50/p90/p99,
# MG CPU% of one core, RSS). `H248_SKIP_ANCHOR=1` skips the megaco MG.
# `HOLD=N` also opens N contexts first and reports the MG's RSS with them
# (read again `HOLD_SETTLE` seconds later, default 16).
# `H248_BIN_DIR` names the directory of h248d and h248-load (default
# target/dist; target/dist-pgo for the profile-guided build of
# benches/scripts/pgo-build.sh).
# `MG_WRAP="cmd args"` runs h248d under a wrapper (daemon-instructions.sh
# uses it for callgrind); `TIMEOUT_MS` sets the generator's per-transaction
# timeout (default 2000).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
shared=${H248_SHARED:-$root/../shared}
load=$shared/tools/megaco-load
encoding=${1:-pretty}
levels=${2:-1,16,64,256}
seconds=${3:-10}
hold=${HOLD:-0}
[ -d "$load" ] || { echo "skipped: ../shared not found" >&2; exit 0; }
command -v erl >/dev/null || { echo "erl not installed (apt install erlang-base erlang-megaco)" >&2; exit 2; }

bin_dir=${H248_BIN_DIR:-$root/target/dist}
bin=$bin_dir/h248d
[ -x "$bin" ] || cargo build --profile dist --bin h248d --manifest-path "$root/Cargo.toml"
generator=${GEN:-megaco-load}
case $generator in
    megaco-load) gen_cmd=(env LOAD_CPU=0 "$load/run-load.sh") ;;
    h248-load)
        [ -x "$bin_dir/h248-load" ] ||
            cargo build --profile dist -p h248-benches --bin h248-load --manifest-path "$root/Cargo.toml"
        gen_cmd=(taskset -c 0 "$bin_dir/h248-load") ;;
    *) echo "GEN is megaco-load or h248-load" >&2; exit 2 ;;
esac
tmp=$(mktemp -d)
mg_pid=""
cleanup() { [ -n "$mg_pid" ] && kill "$mg_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

mgc_port=12944
mg_port=12946

# h248d: our MG, Iq profile, sim backend, limits raised for a load test.
cat >"$tmp/h248d.toml" <<EOF
[profile]
name = "iq"
[mg]
mid = "[127.0.0.1]:$mg_port"
[transport]
kind = "udp"
address = "127.0.0.1"
port = $mg_port
encoding = "$encoding"
[[mgc]]
mid = "[127.0.0.1]:$mgc_port"
address = "127.0.0.1"
port = $mgc_port
[engine]
# As the megaco MG of megaco-load keeps its replies (reply_timer 5 s); the table holds the
# replies of 5 s at up to 200 000 transactions/s (a full table drops new requests unanswered,
# which the generator counts as timeouts).
long_timer_ms = 5000
request_lifetime_ms = 4000
max_incoming_transactions = 1048576
[association]
version = 3
[security]
rate_limit_per_peer = 10000000
rate_limit_burst = 1000000
[metrics]
enabled = false
[log]
level = "warn"
[service]
ready = "listening"
[gateway]
max_contexts = 200000
max_terminations = 400000
EOF
# Four addresses of 27 500 RTP/RTCP port pairs: room for 110 000 streams (HOLD=100000).
for a in 1 2 3 4; do
    printf '[[gateway.sim.pools]]\naddress = "127.0.0.%s"\nfirst_port = 10000\nlast_port = 64999\n' "$a" >>"$tmp/h248d.toml"
done
"$bin" check-config "$tmp/h248d.toml" >/dev/null

run_level_set() { # name, command to start the MG (backgrounded)
    local name=$1
    shift
    echo "== $name ($encoding, levels $levels, ${seconds}s each, generator $generator)"
    "${gen_cmd[@]}" --listen 127.0.0.1:$mgc_port --mg 127.0.0.1:$mg_port \
        --encoding "$encoding" --concurrency "$levels" --duration "$seconds" --warmup 2 \
        --hold "$hold" --hold-settle "${HOLD_SETTLE:-16}" --mg-pid auto --max-seconds 900 --timeout-ms "${TIMEOUT_MS:-2000}" \
        >"$tmp/$name.out" 2>&1 &
    local gen=$!
    sleep 2
    "$@" &
    mg_pid=$!
    wait "$gen" || true
    kill "$mg_pid" 2>/dev/null || true
    wait "$mg_pid" 2>/dev/null || true
    mg_pid=""
    grep -E "RESULT|HOLD|error|Error" "$tmp/$name.out" || cat "$tmp/$name.out"
}

# shellcheck disable=SC2086 # MG_WRAP is a command line
run_level_set h248d env TOKIO_WORKER_THREADS=1 taskset -c 1 ${MG_WRAP:-} "$bin" --config "$tmp/h248d.toml"
if [ "${H248_SKIP_ANCHOR:-0}" != 1 ]; then
    run_level_set megaco-mg_min env MG_CPU=1 "$load/run-mg-min.sh" --port $mg_port \
        --mgc 127.0.0.1:$mgc_port --encoding "$encoding" --timeout 900
fi
