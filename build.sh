#!/usr/bin/env bash
# Builds bootstrap.zip beside this script: the binary of the crate beside it
# (any binary crate: copy this file next to its Cargo.toml), fully static
# (musl), as `bootstrap`, mode 0755, at the zip's root, for Lambda's
# provided.al2023 runtime.
# The same source gives the same zip bytes, so an unchanged function deploys
# as unchanged.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: ./build.sh [--arch arm64|x86_64] [--bin NAME | --example NAME] [--package NAME]
                  [--zip PATH] [--features LIST]

Builds bootstrap.zip (one static `bootstrap`, mode 0755) for AWS Lambda's
provided.al2023 runtime, of the crate beside this script.

  --arch ARCH   arm64 (default) or x86_64; without it, the ARCH environment
                variable, the same knob serverless.yml reads (and
                that `sam build` hands on, through the Makefile)
  --bin NAME    the binary packaged as `bootstrap` (default: the crate's
                only binary, or the one named bootstrap)
  --example NAME
                an example instead, built the same way into NAME.zip (the
                runtime's test probe: --package lambda-bootstrap --example
                probe; never deploy it)
  --package NAME
                the workspace member to build (default: the crate beside
                this script)
  --zip PATH    where the zip goes (default: bootstrap.zip beside build.sh,
                NAME.zip for an example); the Makefile `sam build` runs
                gives each function its own
  --features LIST
                cargo features to build with, comma-separated, passed to
                cargo as they are (the template's: events, aws). When the
                build's dependency tree holds ring (the aws feature's TLS
                and signing), which compiles C, build.sh fetches zig from
                PyPI, pinned, to compile it for musl; otherwise no C
                toolchain is needed at all
  -h, --help    this text

Environment:
  ARCH              architecture when --arch is not given (default arm64)
  FEATURES          features when --features is not given (default none)
  CC_<target>, AR_<target>
                    a C compiler and archiver for musl of your own (e.g.
                    CC_aarch64_unknown_linux_musl=aarch64-linux-musl-gcc):
                    used instead of zig when set
  CARGO_TARGET_DIR  where cargo builds (default ./target)
  ZIP_TOOL=python   zip with python3's zipfile even when `zip` is installed
                    (the fallback used without `zip`)
EOF
}

# Which step is running, so that any failure names it; the staging folder
# for the zip, removed however the script ends.
step=""
stage=""
on_exit() {
    local rc=$?
    [ -z "$stage" ] || rm -rf "$stage"
    if [ $rc -ne 0 ] && [ -n "$step" ]; then
        echo "build.sh: failed while $step (exit $rc)" >&2
    fi
}
trap on_exit EXIT
die() {
    echo "build.sh: $*" >&2
    exit 1
}

# --arch wins over ARCH. arm64 is the default: Graviton costs about 20% less
# per GB-second, and serverless.yml and template.yaml default to it too.
# An empty ARCH is an error, as it is for serverless.yml.
arch="${ARCH-arm64}"
bin=""
example=""
package=""
zip_arg=""
features="${FEATURES-}"
arch_from="ARCH"
[ -n "${ARCH+set}" ] || arch_from="the default"
while [ $# -gt 0 ]; do
    case "$1" in
        --arch)
            [ $# -ge 2 ] || { echo "build.sh: --arch needs a value: arm64 or x86_64" >&2; exit 2; }
            arch="$2" arch_from="--arch"
            shift 2
            ;;
        --arch=*) arch="${1#--arch=}" arch_from="--arch"; shift ;;
        --bin)
            [ $# -ge 2 ] && [ -n "$2" ] || { echo "build.sh: --bin needs a binary's name" >&2; exit 2; }
            bin="$2"
            shift 2
            ;;
        --bin=*) bin="${1#--bin=}"; shift ;;
        --example)
            [ $# -ge 2 ] && [ -n "$2" ] || { echo "build.sh: --example needs an example's name" >&2; exit 2; }
            example="$2"
            shift 2
            ;;
        --example=*) example="${1#--example=}"; shift ;;
        --package | -p)
            [ $# -ge 2 ] && [ -n "$2" ] || { echo "build.sh: --package needs a workspace member's name" >&2; exit 2; }
            package="$2"
            shift 2
            ;;
        --package=*) package="${1#--package=}"; shift ;;
        --zip)
            [ $# -ge 2 ] && [ -n "$2" ] || { echo "build.sh: --zip needs a path" >&2; exit 2; }
            zip_arg="$2"
            shift 2
            ;;
        --zip=*) zip_arg="${1#--zip=}"; shift ;;
        --features)
            [ $# -ge 2 ] || { echo "build.sh: --features needs a value, e.g. aws" >&2; exit 2; }
            features="$2"
            shift 2
            ;;
        --features=*) features="${1#--features=}"; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "build.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done

# Only the names Lambda (and so serverless.yml) takes: one spelling for both.
# The ELF type is what the stable musl target links by default: x86_64's is
# static-pie (ET_DYN, 3); aarch64's has no static-pie on stable Rust, so it
# is a static fixed-address executable (ET_EXEC, 2).
case "$arch" in
    arm64) triple=aarch64-unknown-linux-musl elf_machine=183 elf_type=2 linking=static ;; # EM_AARCH64
    x86_64) triple=x86_64-unknown-linux-musl elf_machine=62 elf_type=3 linking=static-pie ;; # EM_X86_64
    *) echo "build.sh: unknown architecture '$arch' (from $arch_from): use arm64 or x86_64" >&2; exit 2 ;;
esac

[ -z "$bin" ] || [ -z "$example" ] || { echo "build.sh: --bin and --example exclude each other" >&2; exit 2; }

# A --zip path is the caller's, relative to where it ran.
if [ -n "$zip_arg" ]; then
    zip_dir="$(cd "$(dirname "$zip_arg")" 2>/dev/null && pwd)" ||
        { echo "build.sh: no directory for --zip '$zip_arg'" >&2; exit 2; }
    zip_path="$zip_dir/$(basename "$zip_arg")"
fi

# Cargo checks the features itself and names an unknown one.
features="${features// /}"
feature_args=()
[ -z "$features" ] || feature_args=(--features "$features")

cd "$(dirname "$0")"
root="$(pwd)"
package_args=()
[ -z "$package" ] || package_args=(--package "$package")

# What to build: an example if asked; else the binary asked for, or the
# crate's only one (or the one named bootstrap), read from cargo's metadata
# of the crate beside this script.
step="finding the binary to build (cargo metadata)"
if [ -n "$example" ]; then
    cargo_target=(--example "$example") built_as="examples/$example"
    zip_path="${zip_path:-$root/$example.zip}"
else
    if [ -z "$bin" ]; then
        metadata="$(cargo metadata --no-deps --format-version 1 --locked)"
        bins="$(python3 -c '
import json, os, sys
manifest, package = sys.argv[1], sys.argv[2]
for p in json.load(sys.stdin)["packages"]:
    if (package and p["name"] == package) or (not package and os.path.samefile(p["manifest_path"], manifest)):
        print("\n".join(t["name"] for t in p["targets"] if "bin" in t["kind"]))
' "$root/Cargo.toml" "$package" <<<"$metadata")"
        case "$(grep -c . <<<"$bins" || true)" in
            0) die "the crate has no binary to build: give one with --bin, or an example with --example" ;;
            1) bin="$bins" ;;
            *) grep -qx bootstrap <<<"$bins" && bin=bootstrap ||
                die "the crate has several binaries ($(tr '\n' ' ' <<<"$bins")): say which with --bin" ;;
        esac
    fi
    cargo_target=(--bin "$bin") built_as="$bin"
    zip_path="${zip_path:-$root/bootstrap.zip}"
fi

step="checking for the rust target $triple"
if command -v rustup >/dev/null 2>&1; then
    # Read the list first: `rustup ... | grep -q` can die of SIGPIPE under pipefail.
    installed="$(rustup target list --installed)"
    if ! grep -qx "$triple" <<<"$installed"; then
        step="adding the rust target $triple (rustup target add $triple)"
        echo "build.sh: adding the rust target $triple"
        rustup target add "$triple"
    fi
else
    libdir="$(rustc --print target-libdir --target "$triple" 2>/dev/null || true)"
    if [ -z "$libdir" ] || ! ls "$libdir"/libstd-*.rlib >/dev/null 2>&1; then
        die "the rust target $triple is missing; run: rustup target add $triple"
    fi
fi

# ring (the aws feature's TLS and signing) compiles C for the target, and
# this machine has no C compiler for musl. As cargo-lambda does, zig is
# fetched from PyPI (pinned) and drives the build through CC_<target> and
# AR_<target> wrappers; a CC_<target> the caller set wins. Only when ring is
# in this build's dependency tree, whichever feature or crate brings it:
# the runtime's default build needs no C toolchain.
zig_version=0.13.0
target_var="${triple//-/_}"
cc_var="CC_$target_var" ar_var="AR_$target_var"
step="looking for ring in the dependency tree (cargo tree -i ring)"
tree="$(cargo tree --locked -e normal,build --target "$triple" -i ring "${package_args[@]}" "${feature_args[@]}" 2>/dev/null || true)"
# A CC_<target> naming build.sh's own wrapper (what .cargo/config.toml sets
# for cargo-lambda, and cargo passes on to what `cargo test` runs) is no
# compiler of the caller's: the wrapper is (re)written here.
own_cc=""
case "${!cc_var:-}" in */ziglang-$zig_version/bin/cc-$triple) own_cc=1 ;; esac
if grep -q '^ring v' <<<"$tree" && { [ -z "${!cc_var:-}" ] || [ -n "$own_cc" ]; }; then
    zig_dir="${CARGO_TARGET_DIR:-$root/target}/ziglang-$zig_version"
    if [ ! -x "$zig_dir/ziglang/zig" ]; then
        step="getting zig $zig_version from PyPI (python3 -m pip install ziglang==$zig_version) to compile ring's C for $triple"
        echo "build.sh: the aws feature compiles C (ring): getting zig $zig_version from PyPI"
        python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
            --target "$zig_dir" "ziglang==$zig_version"
    fi
    zig="$zig_dir/ziglang/zig"
    mkdir -p "$zig_dir/bin"
    # cc-rs adds --target=<rust triple>, which zig does not take: it gets
    # zig's own name for the target instead. One wrapper per musl target,
    # whichever this run builds: .cargo/config.toml names them for
    # cargo-lambda (docs/build.md), once build.sh has run.
    for pair in aarch64-unknown-linux-musl:aarch64-linux-musl x86_64-unknown-linux-musl:x86_64-linux-musl; do
        cat >"$zig_dir/bin/cc-${pair%%:*}" <<WRAPPER
#!/bin/sh
# A C compiler for ${pair%%:*}: zig's clang (build.sh, for ring).
for arg do shift; case "\$arg" in --target=*) ;; *) set -- "\$@" "\$arg" ;; esac; done
exec "$zig" cc -target ${pair#*:} "\$@"
WRAPPER
        chmod +x "$zig_dir/bin/cc-${pair%%:*}"
    done
    printf '#!/bin/sh\nexec "%s" ar "$@"\n' "$zig" >"$zig_dir/bin/ar"
    chmod +x "$zig_dir/bin/ar"
    export "$cc_var=$zig_dir/bin/cc-$triple" "$ar_var=$zig_dir/bin/ar"
    # zig keeps a cache of what it compiled; under target/, not in $HOME.
    export ZIG_GLOBAL_CACHE_DIR="$zig_dir/cache" ZIG_LOCAL_CACHE_DIR="$zig_dir/cache"
fi

step="building: cargo build --release --locked --target $triple ${package_args[*]} ${cargo_target[*]} ${feature_args[*]}"
# rust-lld ships with every toolchain, so either architecture links on either
# kind of machine without a cross C toolchain (nothing in the default
# dependency tree compiles C; the aws feature's ring is compiled by zig,
# above, and linked the same way), and the bytes depend on the toolchains
# alone, not on the machine's binutils. A linker the caller sets wins.
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER="${CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER:-rust-lld}"
export CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER="${CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER:-rust-lld}"
# Source paths end up in panic messages: keep this machine's out of them.
# Passed encoded (0x1f between flags), which cargo prefers to RUSTFLAGS, so a
# path with spaces stays one flag; the caller's own flags are kept.
if [ -n "${CARGO_ENCODED_RUSTFLAGS:-}" ]; then
    IFS=$'\x1f' read -ra flags <<<"$CARGO_ENCODED_RUSTFLAGS"
else
    read -ra flags <<<"${RUSTFLAGS:-}"
fi
# Nothing else is added: the build is the stable toolchain's, with the musl
# target's default code model and linking: on x86_64 a static
# position-independent executable (static-pie), so the binary's own code and
# data are placed at a random address like everything else in the process;
# on aarch64, whose stable target cannot link static-pie, a static
# fixed-address one. No unstable features and no -Z flags, for this crate or any other.
# (bench/run.sh builds its floor runtime with these same flags.)
flags+=("--remap-path-prefix=$root=." "--remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=~/.cargo")
CARGO_ENCODED_RUSTFLAGS="$(IFS=$'\x1f' && echo "${flags[*]}")"
export CARGO_ENCODED_RUSTFLAGS
cargo build --release --locked --target "$triple" "${package_args[@]}" "${cargo_target[@]}" "${feature_args[@]}"
binary="${CARGO_TARGET_DIR:-$root/target}/$triple/release/$built_as"
[ -f "$binary" ] || die "cargo built no $binary"

step="checking $binary (architecture, $linking linking)"
# With od (coreutils) rather than readelf or python3: a fresh machine may lack
# them. le OFFSET SIZE prints the little-endian unsigned integer found there.
le() {
    local n=0 shift_by=0 byte
    for byte in $(od -An -v -t u1 -j "$1" -N "$2" "$binary"); do
        n=$((n + (byte << shift_by)))
        shift_by=$((shift_by + 8))
    done
    echo "$n"
}
[ "$(le 0 4)" -eq $((0x464c457f)) ] || die "$binary is not an ELF file"
[ "$(le 4 2)" -eq $((2 + (1 << 8))) ] || die "$binary is not a 64-bit (ELFCLASS64) little-endian (ELFDATA2LSB) ELF file"
machine="$(le 18 2)"
[ "$machine" -eq "$elf_machine" ] || die "$binary is for ELF machine $machine, not $elf_machine ($arch)"
# ET_DYN (3): position-independent, so its image is placed at a random
# address. A fixed-address executable (ET_EXEC, 2) gives that up: the best
# the stable aarch64 musl target does.
[ "$(le 16 2)" -eq "$elf_type" ] || die "$binary is ELF type $(le 16 2), want $elf_type ($linking, as the $triple target links)"
phoff="$(le 32 8)" phentsize="$(le 54 2)" phnum="$(le 56 2)"
for ((i = 0; i < phnum; i++)); do
    ph=$((phoff + i * phentsize))
    case "$(le "$ph" 4)" in
        3) die "$binary asks for a dynamic loader (PT_INTERP): not a static binary" ;;
        2) # PT_DYNAMIC: a static-pie binary keeps one to relocate itself; it
           # must name no shared library (DT_NEEDED = 1) before DT_NULL (0).
            dyn="$(le $((ph + 8)) 8)" dynsize="$(le $((ph + 32)) 8)"
            for ((at = dyn; at < dyn + dynsize; at += 16)); do
                tag="$(le "$at" 8)"
                [ "$tag" -ne 1 ] || die "$binary needs a shared library (DT_NEEDED): not a static binary"
                [ "$tag" -ne 0 ] || break
            done
            ;;
    esac
done

step="zipping $zip_path"
stage="$(mktemp -d)"
cp "$binary" "$stage/bootstrap"
chmod 0755 "$stage/bootstrap"
# The zip depends on the binary alone: a fixed timestamp (1980-01-01 00:00,
# the first a zip can hold, in UTC for both touch and zip), a fixed mode and
# no extra fields (-X: no unix uid/gid or extended timestamps).
TZ=UTC touch -t 198001010000.00 "$stage/bootstrap"
rm -f "$zip_path"
if [ "${ZIP_TOOL:-}" != python ] && command -v zip >/dev/null 2>&1; then
    (cd "$stage" && TZ=UTC zip -q -X -9 "$zip_path" bootstrap)
elif command -v python3 >/dev/null 2>&1; then
    echo "build.sh: zipping with python3's zipfile"
    python3 - "$stage/bootstrap" "$zip_path" <<'PY'
import sys, zipfile

src, dst = sys.argv[1], sys.argv[2]
# Same guarantees as `zip -X`: fixed time, unix mode 0755, no extra fields.
info = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
info.create_system = 3  # unix: without it Lambda ignores the mode below
info.external_attr = 0o100755 << 16  # regular file, rwxr-xr-x
info.compress_type = zipfile.ZIP_DEFLATED
with open(src, "rb") as f, zipfile.ZipFile(dst, "w") as z:
    z.writestr(info, f.read(), compresslevel=9)
PY
else
    die "neither zip nor python3 is installed: install one (apt-get install zip)"
fi

step="summarising $zip_path"
size="$(wc -c <"$zip_path" | tr -d ' ')"
if command -v sha256sum >/dev/null 2>&1; then
    sha="$(sha256sum "$zip_path" | cut -d' ' -f1)"
else
    sha="$(shasum -a 256 "$zip_path" | cut -d' ' -f1)"
fi
echo "built $zip_path ($arch, $triple, $linking${features:+, features: $features})"
echo "  rustc:  $(rustc --version)"
echo "  size:   $size bytes"
echo "  sha256: $sha"
