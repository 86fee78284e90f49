#!/usr/bin/env bash
# The durable-function tests (tests/durable/): the real binary under AWS's
# own local durable-execution runner, dex-local-runner from PyPI
# aws-durable-execution-sdk-python-testing (pinned below: the version the
# recorded exchanges in tests/data/durable/ came from), invoking it through
# cargo-lambda's emulator (.ci/tools.sh). The runner lives in a virtualenv
# of its own beside the tools', made anew when the pin changes: it brings
# boto3, which would fight the SAM CLI's pins in a shared one.
#
# Run by .ci/run; by hand: bash .ci/durable.sh [TEST_NAME_FILTER]
set -euo pipefail
cd "$(dirname "$0")/.."

DEX_TESTING_VERSION=1.4.0

. .ci/tools.sh
dex_pin="aws-durable-execution-sdk-python-testing==$DEX_TESTING_VERSION"
dex_venv="$tools_home/durable-venv"
if [ "$(cat "$dex_venv/pins" 2>/dev/null)" != "$dex_pin" ]; then
    echo "durable: installing $dex_pin into $dex_venv"
    rm -rf "$dex_venv"
    python3 -m venv "$dex_venv"
    "$dex_venv/bin/pip" install --quiet --disable-pip-version-check "$dex_pin"
    echo "$dex_pin" >"$dex_venv/pins"
fi
export DEX_LOCAL_RUNNER="$dex_venv/bin/dex-local-runner"
# The probe's handlers (crates/lambda-bootstrap/examples/durable_probe.rs), built here and named
# to the tests, which would otherwise build it themselves from inside the
# test run, where cargo sees another environment and builds its
# dependencies a second time.
cargo build --locked -p lambda-bootstrap --features durable --example durable_probe
export DURABLE_PROBE="$PWD/target/debug/examples/durable_probe"
cargo test --locked --features durable --test durable -- --ignored "$@"
