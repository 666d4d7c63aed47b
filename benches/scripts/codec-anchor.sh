#!/usr/bin/env bash
# Erlang/OTP megaco's own codec and ours on the same corpus, measured alternately in the
# same minutes: this VM's speed moves by 2-3x over hours, so a megaco figure taken at
# another time does not compare with ours (issues 2 and 3 ask for >= 10x megaco).
#
#   benches/scripts/codec-anchor.sh [--help] [CORPUS_DIR] [ROUNDS] [SECONDS]
#       CORPUS_DIR  default ../shared/corpus relative to the repository root
#       ROUNDS      rounds (default 3, or env ROUNDS)
#       SECONDS     seconds per encoding x direction x configuration (default 3, or env
#                   BENCH_SECONDS)
#
# Builds our `h248` (`cargo build --profile dist --bin h248`; `H248_SKIP_BUILD=1` uses
# the binary already there; CARGO_TARGET_DIR is honoured). `H248_BIN_DIR=target/dist-pgo`
# measures the profile-guided build of benches/scripts/pgo-build.sh instead (no build).
# In each round, for each encoding (pretty, compact, ber), it runs megaco's codec
# (benches/scripts/megaco-codec.escript: one Erlang scheduler) and then
# `h248 bench CORPUS --encoding E --seconds SECONDS` (one thread), or the other way round
# on even rounds. Every line measured is printed as it comes ("round N megaco|ours: ..."),
# then a table: per encoding, direction and megaco configuration (default; flex = megaco's
# C flex scanner; native = BER without megaco's record transformation), megaco's best
# msgs/s over the rounds, ours best, and ours / megaco.
# Messages that megaco or we cannot decode are left out by each tool and named on stderr
# (shown for the first round only; `h248 bench` also names the corpus's INDEX.tsv and
# README.md, which are not messages).
#
# Exit status 2 when erl, escript or Erlang/OTP megaco is missing
# (apt-get install -y erlang-base erlang-megaco).
set -euo pipefail
usage() { sed -n '2,/^$/{/^#/!q;s/^# \{0,1\}//;p}' "$0"; }
case ${1:-} in -h|--help) usage; exit 0 ;; esac

root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$root/../shared/corpus}
rounds=${2:-${ROUNDS:-3}}
seconds=${3:-${BENCH_SECONDS:-3}}
escript_file=$root/benches/scripts/megaco-codec.escript
target=${CARGO_TARGET_DIR:-$root/target}
bin=${H248_BIN_DIR:-$target/dist}/h248

command -v erl >/dev/null || { echo "codec-anchor: erl not installed (apt-get install -y erlang-base erlang-megaco)" >&2; exit 2; }
command -v escript >/dev/null || { echo "codec-anchor: escript not installed (apt-get install -y erlang-base)" >&2; exit 2; }
erl -noshell -eval 'halt(case code:which(megaco_pretty_text_encoder) of non_existing -> 1; _ -> 0 end).' \
    || { echo "codec-anchor: Erlang/OTP megaco not installed (apt-get install -y erlang-megaco)" >&2; exit 2; }
[ -d "$dir" ] || { echo "codec-anchor: $dir: not a directory" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "codec-anchor: ROUNDS must be a positive integer" >&2; exit 2; }
[[ $seconds =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "codec-anchor: SECONDS must be a positive number" >&2; exit 2; }

if [ "${H248_SKIP_BUILD:-0}" != 1 ] && [ -z "${H248_BIN_DIR:-}" ]; then
    cargo build --profile dist --bin h248 --manifest-path "$root/Cargo.toml"
fi
[ -x "$bin" ] || { echo "codec-anchor: $bin not built" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
results=$tmp/results # lines: WHO ROUND LABEL DIRECTION MSGS_PER_S

# run WHO ROUND ENCODING: one tool on one encoding; its lines go to stdout and $results.
run() {
    local who=$1 round=$2 enc=$3 status=0
    local -a cmd
    if [ "$who" = megaco ]; then
        cmd=(escript "$escript_file" "$dir" --seconds "$seconds" --encoding "$enc")
    else
        cmd=("$bin" bench "$dir" --seconds "$seconds" --encoding "$enc")
    fi
    if [ "$round" = 1 ]; then
        "${cmd[@]}" >"$tmp/out" || status=$?
    else
        "${cmd[@]}" >"$tmp/out" 2>"$tmp/stderr" || { status=$?; cat "$tmp/stderr" >&2; }
    fi
    if [ "$status" != 0 ]; then
        echo "codec-anchor: failed ($status): ${cmd[*]}" >&2
        exit 1
    fi
    while read -r label direction msgs _; do
        echo "round $round $who: $label $direction $msgs msgs/s"
        echo "$who $round $label $direction $msgs" >>"$results"
    done <"$tmp/out"
}

echo "codec-anchor: $(date -u '+%Y-%m-%d %H:%M UTC'), corpus $dir, $rounds rounds, ${seconds}s per line, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
    for enc in pretty compact ber; do
        if [ $((round % 2)) = 1 ]; then
            run megaco "$round" "$enc"; run ours "$round" "$enc"
        else
            run ours "$round" "$enc"; run megaco "$round" "$enc"
        fi
    done
done
echo "codec-anchor: finished $(date -u '+%H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# Two statistics: the best round of each side, and the median of the rounds'
# own ratios (ours over megaco in the same round, the two measured back to
# back). On a VM whose speed moves within seconds the second is the steadier:
# a best figure of one side may come from a moment the other never saw.
awk -v rounds="$rounds" '
    {
        key = $3 " " $4
        if ($5 > best[$1, key]) best[$1, key] = $5
        value[$1, $2, key] = $5
    }
    function median_ratio(label, base,    r, n, i, j, t, x) {
        n = 0
        for (r = 1; r <= rounds; r++) {
            if (value["megaco", r, label] == "" || value["ours", r, base] == "") continue
            x[++n] = value["ours", r, base] / value["megaco", r, label]
        }
        for (i = 2; i <= n; i++) for (j = i; j > 1 && x[j - 1] > x[j]; j--) {
            t = x[j]; x[j] = x[j - 1]; x[j - 1] = t
        }
        if (n == 0) return "-"
        return sprintf("%.1fx", n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2)
    }
    END {
        printf "Best of %d rounds, messages per second (one thread each), and the median of the rounds'"'"' own ratios:\n\n", rounds
        print "| encoding | direction | megaco config | megaco msgs/s | ours msgs/s | best / best | median of round ratios |"
        print "|---|---|---|---:|---:|---:|---:|"
        split("pretty compact ber", encs, " ")
        split("decode encode", dirs, " ")
        split("default flex native", cfgs, " ")
        for (e = 1; e <= 3; e++) for (d = 1; d <= 2; d++) for (c = 1; c <= 3; c++) {
            label = encs[e] (cfgs[c] == "default" ? "" : "+" cfgs[c])
            m = best["megaco", label " " dirs[d]]
            o = best["ours", encs[e] " " dirs[d]]
            if (m == "") continue
            printf "| %s | %s | %s | %d | %s | %s | %s |\n", encs[e], dirs[d], cfgs[c], m,
                (o == "" ? "-" : o), (o == "" ? "-" : sprintf("%.1fx", o / m)),
                median_ratio(label " " dirs[d], encs[e] " " dirs[d])
        }
    }' "$results"
