#!/usr/bin/env bash
# Builds the three runtimes for x86_64-unknown-linux-musl (the target we
# ship), zips each like build.sh does, and runs the side-by-side benchmark,
# rewriting BENCHMARKS.md.
#   bench/run.sh            the full run (5 rounds x 20,000 invocations + payloads)
#   bench/run.sh --quick    one short round, for a smoke test
set -euo pipefail
cd "$(dirname "$0")"
bench="$(pwd)"
root="$(cd .. && pwd)"
triple=x86_64-unknown-linux-musl

rustup target add "$triple" >/dev/null 2>&1 || true
"$root/build.sh" --arch x86_64
cp "$root/bootstrap.zip" "$bench/target/ours.zip" 2>/dev/null || { mkdir -p "$bench/target"; cp "$root/bootstrap.zip" "$bench/target/ours.zip"; }
ours="${CARGO_TARGET_DIR:-$root/target}/$triple/release/bootstrap"

cargo build --release --locked --target "$triple" --bin floor --bin official
cargo build --release --locked --bin bench
for name in floor official; do
    stage="$(mktemp -d)"
    cp "target/$triple/release/$name" "$stage/bootstrap"
    touch -t 198001010000.00 "$stage/bootstrap"
    rm -f "target/$name.zip"
    (cd "$stage" && zip -q -X -9 "$bench/target/$name.zip" bootstrap)
    rm -rf "$stage"
done

# One CPU for the fake API and the runtime alike: the figures are stable to
# a few percent run to run (unpinned, cross-core wake-ups make cycle times
# jump between modes), and a 128 MB function gets a fraction of one vCPU.
pin=()
if command -v taskset >/dev/null 2>&1; then pin=(taskset -c 0); fi
"${pin[@]}" "target/release/bench" \
    --ours "$ours" --floor "target/$triple/release/floor" --official "target/$triple/release/official" \
    --zips "target/ours.zip,target/floor.zip,target/official.zip" \
    --out "$root/BENCHMARKS.md" --command "bench/run.sh${*:+ $*}" "$@"
