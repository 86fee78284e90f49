#!/usr/bin/env bash
# Runs each fuzz target for a bounded time: ./fuzz/run.sh [SECONDS_EACH]
# (default 30). Seeds the HTTP target with the real events in tests/data.
# A crash stops the script non-zero, leaving the input in fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-30}"
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
mkdir -p corpus/http_request corpus/runtime_answer
cp ../tests/data/*.json corpus/http_request/
for target in runtime_answer http_request; do
    echo "fuzzing $target for ${seconds}s"
    cargo +nightly fuzz run "$target" -- -max_total_time="$seconds"
done
