#!/usr/bin/env bash
# Instructions per message of each codec direction, counted by callgrind:
# the repeatable measure on a shared machine (wall-clock figures swing with
# load). Runs `h248 bench --passes` once with 1 pass and once with 1+N
# passes per encoding × direction; the difference over N passes, divided by
# the number of messages, is what one message costs (loading excluded).
#
#   benches/scripts/instructions.sh [CORPUS_DIR] [N]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$root/../shared/corpus}
n=${2:-5}
bin=${H248_BIN_DIR:-$root/target/dist}/h248
command -v valgrind >/dev/null || { echo "valgrind not installed" >&2; exit 2; }
[ -x "$bin" ] || cargo build --profile dist --bin h248 --manifest-path "$root/Cargo.toml"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
count() { # encoding direction passes -> total instructions
    valgrind --tool=callgrind --callgrind-out-file="$tmp/out" "$bin" bench "$dir" \
        --encoding "$1" --direction "$2" --passes "$3" >"$tmp/stdout" 2>"$tmp/log"
    grep -o 'Collected : [0-9]*' "$tmp/log" | awk '{print $3}'
}
for encoding in pretty compact ber; do
    # every corpus message decodes, so the files are the messages
    case $encoding in
        pretty) messages=$(ls "$dir"/*.pretty.txt | wc -l) ;;
        compact) messages=$(ls "$dir"/*.compact.txt | wc -l) ;;
        ber) messages=$(ls "$dir"/*.ber.bin | wc -l) ;;
    esac
    for direction in decode encode; do
        one=$(count "$encoding" "$direction" 1)
        many=$(count "$encoding" "$direction" $((n + 1)))
        echo "$encoding $direction $(( (many - one) / (n * messages) )) instructions/msg"
    done
done
