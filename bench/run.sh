#!/usr/bin/env bash
# Builds the three runtimes for x86_64-unknown-linux-musl (the target we
# ship), zips each like build.sh does, and runs the benchmark driver.
#
#   bench/run.sh                  the full run: 5 interleaved rounds x 20,000
#                                 invocations, then payload scaling (1 KB to
#                                 5 MB); rewrites BENCHMARKS.md above its marker
#   bench/run.sh --quick          a smoke test (1 round x 2,000, small payloads);
#                                 writes bench/target/BENCHMARKS.quick.md, so the
#                                 full run's numbers in BENCHMARKS.md stay
#   bench/run.sh --rounds 3 --n 10000   any driver option (bench --help)
#   bench/run.sh --callgrind ours       instructions per invocation under
#                                 valgrind (ours, floor or official), on
#                                 binaries built with symbols for callgrind_annotate
#   bench/run.sh --strace ours          system calls per invocation
#   bench/run.sh --concurrency [N]      the concurrency comparison instead: ours
#                                 and lambda_runtime's run_concurrent with
#                                 AWS_LAMBDA_MAX_CONCURRENCY=N (default 8), jobs
#                                 sleep10 and compute; rewrites only the
#                                 Concurrency part of BENCHMARKS.md (with --quick,
#                                 of bench/target/BENCHMARKS.quick.md)
#   bench/run.sh --streaming            the streaming comparison instead: ours and
#                                 lambda_runtime streaming 100 MB of the same
#                                 generator, beside a trivial writer; rewrites
#                                 only the Streaming part of BENCHMARKS.md (with
#                                 --quick, of bench/target/BENCHMARKS.quick.md)
#   bench/run.sh --typed                the typed-events comparison instead: a 5 MB
#                                 SQS batch and a 1 KB API Gateway event parsed
#                                 into each event type, in the shipped bootstrap,
#                                 ours-typed and lambda_runtime; rewrites only the
#                                 Typed events part of BENCHMARKS.md (with --quick,
#                                 of bench/target/BENCHMARKS.quick.md)
#   bench/run.sh --orders               the orders comparison instead: `orders`
#                                 against moto's server, three ways: bootstrap
#                                 with the aws feature, ours with the official
#                                 SDK, lambda_runtime with the official SDK;
#                                 builds the SDK (minutes, once), installs moto
#                                 if missing; rewrites only the Orders part of
#                                 BENCHMARKS.md (with --quick, of
#                                 bench/target/BENCHMARKS.quick.md)
#
# Respects CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")"
bench="$(pwd)"
root="$(cd .. && pwd)"
triple=x86_64-unknown-linux-musl
target="${CARGO_TARGET_DIR:-$bench/target}"
root_target="${CARGO_TARGET_DIR:-$root/target}"
start=$SECONDS

out="$root/BENCHMARKS.md"
profiling=false
concurrency=""
streaming=false
typed=false
orders=false
driver_args=()
quoted="bench/run.sh${*:+ $*}"
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) out="$target/BENCHMARKS.quick.md" ;;
        --callgrind|--callgrind=*|--strace|--strace=*) profiling=true ;;
    esac
    case "$1" in
        --concurrency)
            concurrency=8
            if [[ "${2:-}" =~ ^[0-9]+$ ]]; then
                concurrency="$2"
                shift
            fi
            ;;
        --concurrency=*) concurrency="${1#*=}" ;;
        --streaming) streaming=true ;;
        --typed) typed=true ;;
        --orders) orders=true ;;
        *) driver_args+=("$1") ;;
    esac
    shift
done

rustup target add "$triple" >/dev/null 2>&1 || true

# For the concurrency and streaming comparisons: each runtime on CPU 0, the
# driver on the other CPUs, when there are others and taskset.
runtimes_apart() {
    pin=()
    local cpus
    cpus="$(nproc 2>/dev/null || echo 1)"
    if command -v taskset >/dev/null 2>&1 && [ "$cpus" -ge 2 ]; then
        pin=(taskset -c "1-$((cpus - 1))")
        driver_args=(--runtime-cpus 0 "${driver_args[@]}")
    fi
}

if [ -n "$concurrency" ] && $streaming; then
    echo "bench/run.sh: --concurrency and --streaming are separate runs: pick one" >&2
    exit 2
fi
if $typed && { [ -n "$concurrency" ] || $streaming; }; then
    echo "bench/run.sh: --typed is a run of its own: not with --concurrency or --streaming" >&2
    exit 2
fi
if $orders && { [ -n "$concurrency" ] || $streaming || $typed; }; then
    echo "bench/run.sh: --orders is a run of its own: not with --concurrency, --streaming or --typed" >&2
    exit 2
fi

# Zips a built binary as build.sh does: one `bootstrap`, a fixed time, -X.
zip_as_bootstrap() { # BINARY ZIP
    local stage
    stage="$(mktemp -d)"
    cp "$1" "$stage/bootstrap"
    touch -t 198001010000.00 "$stage/bootstrap"
    rm -f "$2"
    (cd "$stage" && zip -q -X -9 "$2" bootstrap)
    rm -rf "$stage"
}

if $orders; then
    moto=5.2.1 # as .ci/run installs it
    if ! command -v moto_server >/dev/null 2>&1; then
        echo "bench/run.sh: installing moto[server]==$moto from PyPI (the AWS the runtimes call)" >&2
        python3 -m pip install --quiet --disable-pip-version-check "moto[server]==$moto"
    fi
    # Ours with the aws feature, as a user builds it; ring's C is compiled
    # for musl by the zig build.sh fetches, which the SDK builds use too.
    "$root/build.sh" --arch x86_64 --features aws
    mkdir -p "$target"
    cp "$root/bootstrap.zip" "$target/orders-ours.zip"
    zig_dir="$(ls -d "$root_target"/ziglang-* | tail -n 1)"
    # Both SDK runtimes in one build, so that they share every crate's
    # features, lambda_runtime without its concurrency feature, as
    # `official`; linked by rust-lld, as build.sh links ours.
    sdk_started=$SECONDS
    CC_x86_64_unknown_linux_musl="$zig_dir/bin/cc-$triple" AR_x86_64_unknown_linux_musl="$zig_dir/bin/ar" \
        ZIG_GLOBAL_CACHE_DIR="$zig_dir/cache" ZIG_LOCAL_CACHE_DIR="$zig_dir/cache" \
        CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER=rust-lld \
        cargo build --release --locked --target "$triple" --no-default-features --features sdk \
        --bin ours-sdk --bin official-orders
    echo "bench/run.sh: the SDK runtimes built in $((SECONDS - sdk_started)) s" >&2
    cargo build --release --locked --bin bench
    zip_as_bootstrap "$target/$triple/release/ours-sdk" "$target/orders-ours-sdk.zip"
    zip_as_bootstrap "$target/$triple/release/official-orders" "$target/orders-official.zip"
    # Each runs from its zip, unpacked as Lambda unpacks it.
    deployed="$target/deployed"
    for name in ours ours-sdk official; do
        rm -rf "$deployed/orders-$name"
        mkdir -p "$deployed/orders-$name"
        (cd "$deployed/orders-$name" && unzip -q "$target/orders-$name.zip")
    done

    # Crates: the packages `cargo tree -e normal` lists for the target, for
    # what each function's Cargo.toml would hold, bench/Cargo.lock's
    # versions. Ours: the runtime crate with `aws` (itself counted; the
    # function crate around it is not, as the scratch crates are not). The
    # SDK ones: a scratch crate (not counted) with the SDK lines of
    # bench/Cargo.toml.
    packages() { cargo tree "$@" -e normal --prefix none --target "$triple" | sed 's/ (\*)$//; s/ (proc-macro)$//' | sort -u; }
    sdk_lines="$(grep -E '^(aws-config|aws-sdk-dynamodb|aws-smithy-http-client) = ' Cargo.toml | sed 's/, optional = true//')"
    scratch_crates() { # DEPENDENCY-LINES
        local scratch count
        scratch="$(mktemp -d)"
        mkdir -p "$scratch/src" && touch "$scratch/src/main.rs"
        printf '[package]\nname = "function"\nversion = "0.0.0"\nedition = "2024"\n[dependencies]\n%s\n%s\n' \
            "$sdk_lines" "$1" >"$scratch/Cargo.toml"
        cp Cargo.lock "$scratch/Cargo.lock"
        count="$(packages --manifest-path "$scratch/Cargo.toml" | grep -vc '^function v0.0.0')"
        rm -rf "$scratch"
        echo "$count"
    }
    runtime="$root/crates/lambda-bootstrap"
    ours_crates="$(packages --manifest-path "$runtime/Cargo.toml" --features aws | wc -l)"
    ours_sdk_crates="$(scratch_crates "lambda-bootstrap = { path = \"$runtime\" }
tokio = { version = \"1\", features = [\"rt\"] }")"
    official_crates="$(scratch_crates "$(grep -E '^lambda_runtime = ' Cargo.toml)
tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }
serde = { version = \"1\", features = [\"derive\"] }
serde_json = \"1\"")"

    # Each runtime on CPU 0, the driver and moto (Python, the busiest part
    # of every invocation) on the others: moto's work does not take turns
    # with the runtime measured.
    runtimes_apart
    "${pin[@]}" "$target/release/bench" --orders "$deployed/orders-ours-sdk/bootstrap" \
        --ours "$deployed/orders-ours/bootstrap" \
        --official "$deployed/orders-official/bootstrap" \
        --zips "$target/orders-ours.zip,$target/orders-ours-sdk.zip,$target/orders-official.zip" \
        --crates "$ours_crates,$ours_sdk_crates,$official_crates" \
        --out "$out" --command "$quoted" "${driver_args[@]}"
    echo "bench/run.sh: done in $((SECONDS - start)) s" >&2
    exit 0
fi

if $typed; then
    # The shipped binary, as build.sh makes it; ours with one handler per
    # event type, and lambda_runtime with SqsEvent, built like `official`.
    "$root/build.sh" --arch x86_64
    cargo build --release --locked --target "$triple" --features typed --bin ours-typed
    cargo build --release --locked --target "$triple" --no-default-features --features typed \
        --bin official-sqs
    cargo build --release --locked --bin bench
    # One CPU for all, as in the side-by-side run.
    pin=()
    if command -v taskset >/dev/null 2>&1; then pin=(taskset -c 0); fi
    "${pin[@]}" "$target/release/bench" --typed "$target/$triple/release/ours-typed" \
        --ours "$root_target/$triple/release/bootstrap" \
        --official "$target/$triple/release/official-sqs" \
        --out "$out" --command "$quoted" "${driver_args[@]}"
    echo "bench/run.sh: done in $((SECONDS - start)) s" >&2
    exit 0
fi

if $streaming; then
    # Both streaming runtimes from this crate, with the same settings;
    # lambda_runtime without the concurrency feature, as `official`.
    cargo build --release --locked --target "$triple" --no-default-features \
        --bin ours-streaming --bin official-streaming
    cargo build --release --locked --bin bench
    # As for concurrency: the real Runtime API reads a stream outside the
    # function's CPU share, so the fake API's reading must not take turns
    # with the runtime on its CPU.
    runtimes_apart
    "${pin[@]}" "$target/release/bench" --streaming \
        --ours "$target/$triple/release/ours-streaming" \
        --official "$target/$triple/release/official-streaming" \
        --out "$out" --command "$quoted" "${driver_args[@]}"
    echo "bench/run.sh: done in $((SECONDS - start)) s" >&2
    exit 0
fi

if [ -n "$concurrency" ]; then
    # Both concurrent runtimes from this crate, with the same settings.
    cargo build --release --locked --target "$triple" --bin ours-concurrent --bin official-concurrent
    cargo build --release --locked --bin bench
    # Not the side-by-side run's one shared CPU: there the driver's share is
    # the same for every runtime, here it grows with the throughput being
    # measured, and a runtime with N workers should have a CPU to itself.
    # Each runtime gets CPU 0, one vCPU (Lambda Managed Instances default to
    # 8 concurrent requests per vCPU), the driver the other CPUs.
    runtimes_apart
    "${pin[@]}" "$target/release/bench" --concurrency "$concurrency" \
        --ours "$target/$triple/release/ours-concurrent" \
        --official "$target/$triple/release/official-concurrent" \
        --out "$out" --command "$quoted" "${driver_args[@]}"
    echo "bench/run.sh: done in $((SECONDS - start)) s" >&2
    exit 0
fi
"$root/build.sh" --arch x86_64
mkdir -p "$target"
cp "$root/bootstrap.zip" "$target/ours.zip"
ours="$root_target/$triple/release/bootstrap"

# The floor is the least any runtime can do, so it gets every packaging
# choice build.sh makes for ours: the stable toolchain, the musl target's
# default (static-pie) build, rust-lld, the release profile of its crate
# (the same settings as ours). lambda_runtime is built as its users build
# it. Each in a target dir of its own, so one build's flags never leak into
# another's.
build_floor() { # TARGET_DIR
    CARGO_TARGET_DIR="$1" CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER=rust-lld \
        cargo build --release --locked --target "$triple" --bin floor
}
build_floor "$target/floor-build"
# Without the concurrency feature (official-concurrent's), which `official`
# does not use and which would lay its code out differently.
cargo build --release --locked --target "$triple" --bin official --no-default-features
cargo build --release --locked --bin bench
floor="$target/floor-build/$triple/release/floor"
official="$target/$triple/release/official"
for name in floor official; do
    zip_as_bootstrap "${!name}" "$target/$name.zip"
done

# Each runtime runs from its zip, unpacked as Lambda unpacks a function:
# the bytes measured are the bytes shipped, and all three files have the
# same page-cache history. (That history moves a start-up's page faults:
# the linker's output and the same bytes unzipped do not fault alike.)
deployed="$target/deployed"
rm -rf "$deployed"
for name in ours floor official; do
    mkdir -p "$deployed/$name"
    (cd "$deployed/$name" && unzip -q "$target/$name.zip")
    printf -v "$name" '%s' "$deployed/$name/bootstrap"
done

if $profiling; then
    # The same code with symbols and line tables (debug info does not change
    # the machine code), so that callgrind_annotate can name functions.
    symbols="$target/symbols"
    # Each built as above; build.sh's zip of this build is replaced by the
    # shipped one again.
    export CARGO_PROFILE_RELEASE_STRIP=none CARGO_PROFILE_RELEASE_DEBUG=line-tables-only
    CARGO_TARGET_DIR="$symbols" "$root/build.sh" --arch x86_64
    cp "$target/ours.zip" "$root/bootstrap.zip"
    build_floor "$symbols/floor-build"
    CARGO_TARGET_DIR="$symbols" cargo build --release --locked --target "$triple" --bin official \
        --no-default-features
    unset CARGO_PROFILE_RELEASE_STRIP CARGO_PROFILE_RELEASE_DEBUG
    ours="$symbols/$triple/release/bootstrap"
    floor="$symbols/floor-build/$triple/release/floor"
    official="$symbols/$triple/release/official"
fi

# One CPU for the fake API and the runtime alike: pinned, the figures repeat
# run to run (unpinned, cross-core wake-ups make cycle times jump between
# modes), and a 128 MB function gets a fraction of one vCPU.
pin=()
if command -v taskset >/dev/null 2>&1; then pin=(taskset -c 0); fi
"${pin[@]}" "$target/release/bench" \
    --ours "$ours" --floor "$floor" --official "$official" \
    --zips "$target/ours.zip,$target/floor.zip,$target/official.zip" \
    --profile-dir "$target/profile" \
    --out "$out" --command "$quoted" "${driver_args[@]}"
echo "bench/run.sh: done in $((SECONDS - start)) s" >&2
