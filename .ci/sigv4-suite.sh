#!/usr/bin/env bash
# Gets AWS's published SigV4 test suite (requests, canonical requests,
# strings to sign, signatures) for `cargo test --features aws --test aws
# sigv4_suite -- --ignored`, which reads it from target/sigv4-suite/.
#
# Where it comes from: the package of the `aws-sigv4` crate on crates.io,
# at the version pinned below, which ships the suite as
# aws-signing-test-suite/ (taken by smithy-rs from awslabs/aws-c-auth's
# aws-signing-test-suite, Apache-2.0). Nothing of it is committed here: this
# script fetches the package with cargo (the ordinary client), unpacks the
# suite's folder under target/ and leaves the rest.
# Run by .ci/run; runs on its own too: bash .ci/sigv4-suite.sh
set -euo pipefail
cd "$(dirname "$0")/.."
version=1.6.4
dest="${CARGO_TARGET_DIR:-target}/sigv4-suite"
if [ -f "$dest/aws-sigv4-$version" ]; then
    echo "sigv4-suite.sh: the suite from aws-sigv4 $version is in $dest"
    exit 0
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
cat >"$work/Cargo.toml" <<TOML
[package]
name = "sigv4-suite-fetch"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
aws-sigv4 = { version = "=$version", default-features = false }
TOML
touch "$work/src/lib.rs"
# Fetching resolves the crate's dependencies too; only this host's are
# downloaded.
host="$(rustc -vV | sed -n 's/^host: //p')"
cargo fetch --quiet --manifest-path "$work/Cargo.toml" --target "$host"
crate="$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"aws-sigv4-$version.crate" | head -n 1)"
[ -f "$crate" ] || { echo "sigv4-suite.sh: cargo fetched no aws-sigv4-$version.crate" >&2; exit 1; }
tar -xzf "$crate" -C "$work" "aws-sigv4-$version/aws-signing-test-suite"
rm -rf "$dest"
mkdir -p "$dest"
cp -R "$work/aws-sigv4-$version/aws-signing-test-suite/." "$dest/"
echo "from the aws-sigv4 $version package on crates.io" >"$dest/aws-sigv4-$version"
echo "sigv4-suite.sh: $(ls "$dest/v4" | wc -l) cases in $dest/v4"
