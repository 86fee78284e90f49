#!/usr/bin/env bash
# The packaging checks (tests/packaging.rs): build.sh for both architectures
# (twice each, and through the python3 fallback; with the aws feature, whose
# C build.sh compiles with zig from PyPI), the arm64 binary under qemu,
# serverless.yml packaged by osls (and refused when ARCH and the zip's
# architecture disagree: deploy/architecture.js, Node.js built-ins only);
# cargo-lambda's build for both architectures (tests/packaging/cargo_lambda.rs);
# template.yaml through `sam validate --lint` and `sam build`, kept alike to
# serverless.yml, and cfn-lint on osls's stack (tests/packaging/sam.rs).
# Installs what a fresh Debian machine with only rustup + cargo, Node.js + npm
# and python3 lacks (the PyPI tools through .ci/tools.sh), then runs them.
# Called by .ci/run; runs on its own too: bash .ci/packaging.sh
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

step "packaging: tools"
# build.sh would add these itself; here a failed download shows as what it is.
rustup target add x86_64-unknown-linux-musl aarch64-unknown-linux-musl
rustup component add rust-src
packages=()
# qemu-user runs the arm64 binary on an x86_64 machine; `zip` is what
# build.sh prefers (its python3 fallback is tested with ZIP_TOOL=python).
if [ "$(uname -m)" != aarch64 ] && ! command -v qemu-aarch64 >/dev/null 2>&1; then
    packages+=(qemu-user)
fi
command -v zip >/dev/null 2>&1 || packages+=(zip)
# `file`, as a user checks what cargo-lambda built.
command -v file >/dev/null 2>&1 || packages+=(file)
# The aws feature's build is checked talking TLS to `openssl s_server`.
command -v openssl >/dev/null 2>&1 || packages+=(openssl)
if [ ${#packages[@]} -gt 0 ]; then
    echo "installing ${packages[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
command -v npx >/dev/null 2>&1 || { echo "packaging: npx is missing: install Node.js (>= 20.19) and npm" >&2; exit 1; }
echo "node $(node --version), npm $(npm --version), $(python3 --version), $(zip -v | sed -n 2p | sed 's/^ *//')"
command -v qemu-aarch64 >/dev/null 2>&1 && qemu-aarch64 --version | head -n 1
# The AWS SAM CLI (and its cfn-lint), cargo-lambda: pinned, from PyPI.
. .ci/tools.sh
echo "$(sam --version), cfn-lint $(cfn-lint --version | sed 's/^cfn-lint //'), $(cargo-lambda lambda --version)"

step "packaging: cargo test --test packaging -- --ignored (release builds, qemu, npx osls, cargo-lambda, SAM)"
# One at a time: every build writes the one bootstrap.zip at the root.
export npm_config_update_notifier=false
cargo test --locked --test packaging -- --ignored --test-threads=1
