#!/usr/bin/env bash
# Builds bootstrap.zip: one static (musl) `bootstrap` binary, mode 0755, at
# the zip's root, for Lambda's provided.al2023 (and provided.al2) runtimes.
#
#   ./build.sh                  arm64 (the default; serverless.yml's too)
#   ./build.sh --arch x86_64    or: ARCH=x86_64 ./build.sh
#
# The same source gives the same zip bytes, so unchanged code deploys as
# unchanged. Respects CARGO_TARGET_DIR. Without `zip` it falls back to
# python3's zipfile (ZIP_TOOL=python forces that).
set -euo pipefail

usage() {
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
}

step=""
trap 'rc=$?; if [ $rc -ne 0 ]; then echo "build.sh: failed while: ${step:-starting} (exit $rc)" >&2; fi' EXIT

arch="${ARCH:-arm64}"
while [ $# -gt 0 ]; do
    case "$1" in
        --arch) [ $# -ge 2 ] || { echo "build.sh: --arch needs a value: x86_64 or arm64" >&2; exit 2; }
                arch="$2"; shift 2 ;;
        --arch=*) arch="${1#--arch=}"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done

# arm64 is the default: Graviton costs about 20% less per GB-second.
case "$arch" in
    arm64|aarch64) arch=arm64; triple=aarch64-unknown-linux-musl; elf_machine=183 ;;
    x86_64|amd64)  arch=x86_64; triple=x86_64-unknown-linux-musl; elf_machine=62 ;;
    *) echo "build.sh: unknown architecture '$arch': use x86_64 or arm64" >&2; exit 2 ;;
esac

cd "$(dirname "$0")"
root="$(pwd)"

step="checking the rust target $triple"
if command -v rustup >/dev/null 2>&1; then
    if ! rustup target list --installed | grep -qx "$triple"; then
        echo "adding rust target $triple"
        rustup target add "$triple"
    fi
elif ! rustc --print target-libdir --target "$triple" >/dev/null 2>&1; then
    echo "build.sh: the rust target $triple is missing; run: rustup target add $triple" >&2
    exit 1
fi

step="cargo build --release --target $triple"
# rust-lld ships with the toolchain, so arm64 links on an x86_64 machine with
# no cross C toolchain (nothing in the dependency tree compiles C).
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER="${CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER:-rust-lld}"
# Paths in panic messages would otherwise differ between machines.
export RUSTFLAGS="${RUSTFLAGS:-} --remap-path-prefix=$root=. --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=~/.cargo"
cargo build --release --locked --target "$triple" --bin bootstrap
binary="${CARGO_TARGET_DIR:-$root/target}/$triple/release/bootstrap"

step="checking the binary (architecture, static linking)"
python3 - "$binary" "$elf_machine" <<'PY'
import struct, sys
path, want = sys.argv[1], int(sys.argv[2])
data = open(path, "rb").read()
if data[:4] != b"\x7fELF" or data[4] != 2:
    sys.exit(f"{path}: not a 64-bit ELF file")
machine = struct.unpack_from("<H", data, 18)[0]
if machine != want:
    sys.exit(f"{path}: ELF machine {machine}, expected {want}")
phoff, = struct.unpack_from("<Q", data, 32)
phentsize, phnum = struct.unpack_from("<HH", data, 54)
for i in range(phnum):
    p_type, = struct.unpack_from("<I", data, phoff + i * phentsize)
    if p_type == 3:  # PT_INTERP: needs a dynamic loader
        sys.exit(f"{path}: dynamically linked (has an interpreter); expected a static binary")
    if p_type == 2:  # PT_DYNAMIC: static-pie keeps one for self-relocation; no libraries
        off, = struct.unpack_from("<Q", data, phoff + i * phentsize + 8)
        size, = struct.unpack_from("<Q", data, phoff + i * phentsize + 32)
        for j in range(0, size, 16):
            tag, = struct.unpack_from("<q", data, off + j)
            if tag == 1:  # DT_NEEDED
                sys.exit(f"{path}: needs a shared library; expected a static binary")
            if tag == 0:
                break
PY

step="zipping bootstrap.zip"
stage="$(mktemp -d)"
cp "$binary" "$stage/bootstrap"
chmod 0755 "$stage/bootstrap"
# A fixed timestamp and no extra fields make the zip depend on the binary only.
touch -t 198001010000.00 "$stage/bootstrap"
rm -f "$root/bootstrap.zip"
if [ "${ZIP_TOOL:-}" != python ] && command -v zip >/dev/null 2>&1; then
    (cd "$stage" && TZ=UTC zip -q -X -9 "$root/bootstrap.zip" bootstrap)
else
    command -v python3 >/dev/null 2>&1 || { echo "build.sh: neither zip nor python3 found: install zip (apt-get install zip)" >&2; exit 1; }
    echo "zipping with python3's zipfile"
    python3 - "$stage/bootstrap" "$root/bootstrap.zip" <<'PY'
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
info = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
info.create_system = 3  # unix, so the mode below is honoured
info.external_attr = (0o100755 << 16)
info.compress_type = zipfile.ZIP_DEFLATED
with zipfile.ZipFile(dst, "w") as z, open(src, "rb") as f:
    z.writestr(info, f.read(), compresslevel=9)
PY
fi
rm -rf "$stage"

step="summarising"
size=$(wc -c < "$root/bootstrap.zip")
sha=$(sha256sum "$root/bootstrap.zip" | cut -d' ' -f1)
echo "built $root/bootstrap.zip ($arch, $triple)"
echo "  size:   $size bytes"
echo "  sha256: $sha"
