#!/usr/bin/env bash
# Profile-guided build of the release binaries (`h248`, `h248d`, `h248-load`):
# rustc's PGO (`-Cprofile-generate`, then `-Cprofile-use`), the way large Rust
# and C++ projects build their releases. The compiler learns which branches
# are taken and which code runs hot, and lays the hot paths out together:
# h248d's per-transaction path is larger than the L1 instruction cache
# (callgrind's cache simulation: ~1 200 I1 misses per transaction), so the
# layout matters as much as the instruction count.
#
#   benches/scripts/pgo-build.sh
#
# The binaries land in target/dist-pgo/ (the plain `dist` build in
# target/dist/ is left as it is). The benchmark scripts take them with
# `H248_BIN_DIR=target/dist-pgo`.
#
# Training uses only what this repository holds, never ../shared (the
# corpus the codec benchmark measures is not what the compiler learns from):
#   - the codec: `h248 bench` over the golden vectors (stack/tests/vectors),
#     the example messages (examples/messages) and the saved fuzz corpus
#     (fuzz/corpus/text_decode, fuzz/corpus/ber_decode), each message that
#     decodes also transcoded to pretty, compact and BER, every encoding and
#     direction;
#   - the daemon: h248d (Iq profile, sim backend) under h248-load's
#     Add/Modify/Subtract cycles over UDP, pretty, compact and BER text, 16
#     and 64 transactions in flight (benches/scripts/daemon-load.sh).
#
# Needs llvm-profdata of rustc's own LLVM: `rustup component add llvm-tools`
# (tried here when missing). Takes two release builds, ~5 minutes on 2 cores.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
generate_dir=$target/pgo-generate
use_dir=$target/pgo-use
out=$target/dist-pgo
data=$target/pgo-data
profile=$target/pgo.profdata
bins=(--bin h248 --bin h248d --bin h248-load)

profdata() {
    find "$(rustc --print sysroot)" -name llvm-profdata -type f 2>/dev/null | head -n 1
}
llvm_profdata=$(profdata)
if [ -z "$llvm_profdata" ]; then
    rustup component add llvm-tools >&2 || true
    llvm_profdata=$(profdata)
fi
[ -n "$llvm_profdata" ] || {
    echo "pgo-build: llvm-profdata not found (rustup component add llvm-tools)" >&2
    exit 2
}

echo "pgo-build: instrumented build" >&2
rm -rf "$data"
mkdir -p "$data"
CARGO_TARGET_DIR=$generate_dir RUSTFLAGS="-Cprofile-generate=$data" \
    cargo build --profile dist "${bins[@]}" --manifest-path "$root/Cargo.toml"

echo "pgo-build: training the codec" >&2
train=$(mktemp -d)
trap 'rm -rf "$train"' EXIT
cp "$root"/stack/tests/vectors/text/* "$root"/stack/tests/vectors/ber/* "$root"/examples/messages/* "$train"/
for kind in text_decode ber_decode; do
    for f in "$root"/fuzz/corpus/$kind/*; do
        cp "$f" "$train/${kind}_$(basename "$f")"
    done
done
# Every message there in all three encodings, so that each decoder and
# encoder learns from the same traffic: the BER files on their own are
# mostly error vectors and the two rare length forms (long, indefinite),
# which would otherwise weigh as much as every well-formed message.
for f in "$train"/*; do
    for to in pretty compact ber; do
        case $to in ber) ext=bin ;; *) ext=txt ;; esac
        "$generate_dir/dist/h248" transcode --to "$to" "$f" >"$train/as-$(basename "$f").$to.$ext" 2>/dev/null ||
            rm -f "$train/as-$(basename "$f").$to.$ext"
    done
done
# Files that are not messages (or hostile on purpose) are named and skipped.
"$generate_dir/dist/h248" bench "$train" --seconds 1 >/dev/null 2>&1

echo "pgo-build: training the daemon" >&2
for encoding in pretty compact ber; do
    H248_BIN_DIR=$generate_dir/dist H248_SKIP_ANCHOR=1 GEN=h248-load \
        "$root/benches/scripts/daemon-load.sh" "$encoding" 16,64 4 | grep RESULT >&2 || true
done

"$llvm_profdata" merge -o "$profile" "$data"

echo "pgo-build: optimised build" >&2
CARGO_TARGET_DIR=$use_dir RUSTFLAGS="-Cprofile-use=$profile" \
    cargo build --profile dist "${bins[@]}" --manifest-path "$root/Cargo.toml"
mkdir -p "$out"
for b in h248 h248d h248-load; do
    cp "$use_dir/dist/$b" "$out/$b"
done
echo "pgo-build: $out/{h248,h248d,h248-load} (profile $profile)" >&2
