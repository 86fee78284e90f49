#!/usr/bin/env bash
# The template's two promises, on scratch clones of this repository:
#
# 1. Deleting an example is its file, its table line and its entries in
#    the two deploy files: after deleting `scheduleevent` so, `cargo test`
#    passes and no file of the function names it.
# 2. A clone of the template takes a runtime update by merge: a user's
#    change (a new handler, its table line, its deploy entries) committed,
#    then a commit that touches only crates/lambda-bootstrap/ merged over
#    it: no conflict, only the runtime's files change, `cargo test` passes
#    and the user's handler still answers.
#
# docs/keeping-current.md and the README's "Deleting an example" describe
# what this checks. Needs cargo, git, python3. Run by .ci/run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
fail() {
    echo "template.sh: $*" >&2
    exit 1
}
# One target directory for both clones, kept between runs.
export CARGO_TARGET_DIR="$root/target/template-check"
git_quiet() { git -c user.name=ci -c user.email=ci@localhost -c advice.detachedHead=false "$@"; }

echo "--- deleting an example (scheduleevent): its file, its line, its deploy entries"
git clone -q "$root" "$scratch/delete"
cd "$scratch/delete"
rm src/handlers/scheduleevent.rs
python3 - <<'PY'
import re

def drop_block(path, key, indent):
    """Removes the YAML mapping entry `key:` at `indent` spaces, with
    everything indented deeper below it."""
    lines = open(path, encoding="utf-8").read().split("\n")
    start = lines.index(" " * indent + key + ":")
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
        end += 1
    open(path, "w", encoding="utf-8").write("\n".join(lines[:start] + lines[end:]))

table = "src/handlers/mod.rs"
text = open(table, encoding="utf-8").read()
line = '    "scheduleevent" => scheduleevent with shutdown,\n'
assert text.count(line) == 1, "the table line"
open(table, "w", encoding="utf-8").write(text.replace(line, ""))
drop_block("serverless.yml", "scheduleevent", 2)
drop_block("template.yaml", "ScheduleeventFunction", 2)
drop_block("template.yaml", "ScheduleeventLogGroup", 2)
PY
cargo test --locked -q >"$scratch/delete.log" 2>&1 ||
    fail "cargo test failed with scheduleevent deleted: $(sed -n '/^failures:$/,$p' "$scratch/delete.log" | head -n 40; tail -n 20 "$scratch/delete.log")"
# The function's own files: the guides, the runtime and the packaging tests'
# expected stack (a list of the examples' resources) are not the function.
named="$(git grep -nwi scheduleevent -- . ':!README.md' ':!docs' ':!ARCHITECTURE.md' \
    ':!BENCHMARKS.md' ':!bench' ':!crates' ':!.ci' ':!tests/packaging.rs' ':!tests/packaging' || true)"
[ -z "$named" ] || fail "files still name the deleted example: $named"
echo "deleted; cargo test passes; nothing else names it"

echo "--- a runtime update merged into a clone with a user's change"
git clone -q "$root" "$scratch/upstream"
git clone -q --origin template "$root" "$scratch/mine"
cd "$scratch/mine"
cat >src/handlers/greet.rs <<'RS'
//! `greet`: says hello to whoever the event names.

use lambda_bootstrap::{Context, HandlerError};
use serde_json::{Value, json};

pub fn handle(event: Value, _ctx: &Context) -> Result<Value, HandlerError> {
    Ok(json!({ "greeting": format!("hello {}", event["name"].as_str().unwrap_or("world")) }))
}
RS
python3 - <<'PY'
def insert_after(path, anchor, text):
    body = open(path, encoding="utf-8").read()
    assert body.count(anchor) == 1, (path, anchor)
    open(path, "w", encoding="utf-8").write(body.replace(anchor, anchor + text))

insert_after("src/handlers/mod.rs", "lambda_bootstrap::handler_table! {\n", '    "greet" => greet,\n')
insert_after("serverless.yml", "functions:\n", "  greet:\n    handler: greet\n")
insert_after("template.yaml", "Resources:\n",
    "  GreetFunction:\n    Type: AWS::Serverless::Function\n    Metadata:\n      BuildMethod: makefile\n"
    "    Properties:\n      FunctionName: !Sub lambda-bootstrap-${Stage}-greet\n      Handler: greet\n")
PY
git_quiet add -A
git_quiet commit -qm "greet: a handler of mine"
# The runtime's change, upstream: its files only.
(
    cd "$scratch/upstream"
    printf '\n- A fix, released after this clone was made.\n' >>crates/lambda-bootstrap/CHANGELOG.md
    sed -i 's|^//! A minimal, blocking custom runtime for AWS Lambda.$|//! A minimal, blocking custom runtime for AWS Lambda (updated).|' crates/lambda-bootstrap/src/lib.rs
    git diff --quiet && { echo "template.sh: the upstream change changed nothing" >&2; exit 1; }
    git_quiet commit -qam "runtime: a fix"
)
git remote add upstream "$scratch/upstream"
git_quiet fetch -q upstream
branch="$(git -C "$scratch/upstream" rev-parse --abbrev-ref HEAD)"
before="$(git rev-parse HEAD)"
git_quiet merge --no-edit -q "upstream/$branch" >"$scratch/merge.log" 2>&1 || fail "the merge conflicted: $(cat "$scratch/merge.log"; git status --short)"
changed="$(git diff --name-only "$before" HEAD)"
[ -n "$changed" ] || fail "the merge changed nothing"
outside="$(grep -v '^crates/lambda-bootstrap/' <<<"$changed" || true)"
[ -z "$outside" ] || fail "the runtime update touched the function's files: $outside"
grep -q '"greet" => greet,' src/handlers/mod.rs || fail "the user's table line is gone"
cargo test --locked -q >"$scratch/merge-test.log" 2>&1 ||
    fail "cargo test failed after the merge: $(sed -n '/^failures:$/,$p' "$scratch/merge-test.log" | head -n 40)"
out="$(echo '{"name": "Ada"}' | cargo run -q --locked -- invoke greet -)"
[ "$out" = '{"greeting":"hello Ada"}' ] || fail "greet after the merge printed $out"
echo "merged without conflict; only crates/lambda-bootstrap/ changed; cargo test passes; greet answers"
