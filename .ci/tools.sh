# The tools from PyPI that the checks run, at pinned versions: the AWS SAM
# CLI (with the cfn-lint it brings), cargo-lambda, and zig, which
# cargo-lambda's package depends on (pinned so that every install is the
# same; the project's own builds do not link with it: Cargo.toml tells
# cargo-lambda to use plain cargo and rust-lld).
#
# They live in a virtualenv of their own, kept between runs and made anew
# when a pin changes: the SAM CLI pins boto3 and botocore, which would
# fight other Python packages (moto's) in a shared one. Only their commands
# (sam, cfn-lint, cargo-lambda) go first on PATH, not the virtualenv's
# python3. A fresh machine needs python3 with venv (Debian: python3-venv,
# installed here when missing).
#
# Sourced, not run, by .ci/run and .ci/packaging.sh: `. .ci/tools.sh`.

AWS_SAM_CLI_VERSION=1.170.0
CARGO_LAMBDA_VERSION=1.9.2
ZIGLANG_VERSION=0.17.1

tools_pins="aws-sam-cli==$AWS_SAM_CLI_VERSION cargo-lambda==$CARGO_LAMBDA_VERSION ziglang==$ZIGLANG_VERSION"
tools_home="${LAMBDA_BOOTSTRAP_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/lambda-bootstrap}"
if [ "$(cat "$tools_home/venv/pins" 2>/dev/null)" != "$tools_pins" ]; then
    echo "tools: installing $tools_pins into $tools_home/venv"
    tools_started=$SECONDS
    if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
        if [ "$(id -u)" -eq 0 ]; then tools_root=(); else tools_root=(sudo); fi
        "${tools_root[@]}" apt-get update -qq
        "${tools_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
    fi
    rm -rf "$tools_home/venv" "$tools_home/bin"
    python3 -m venv "$tools_home/venv"
    # shellcheck disable=SC2086 # the pins are three words
    "$tools_home/venv/bin/pip" install --quiet --disable-pip-version-check $tools_pins
    mkdir -p "$tools_home/bin"
    for tool in sam cfn-lint cargo-lambda; do
        ln -s "$tools_home/venv/bin/$tool" "$tools_home/bin/$tool"
    done
    echo "$tools_pins" >"$tools_home/venv/pins"
    echo "tools: installed in $((SECONDS - tools_started)) s"
fi
case ":$PATH:" in
    *":$tools_home/bin:"*) ;;
    *) export PATH="$tools_home/bin:$PATH" ;;
esac
# Offline, and quiet about it.
export SAM_CLI_TELEMETRY=0
