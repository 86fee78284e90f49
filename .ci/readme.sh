#!/usr/bin/env bash
# Runs what README.md (and the guides in docs/) tell a new user to run, as
# written, on a scratch
# clone of this repository: the Build commands (build.sh and cargo-lambda),
# the offline deploy check (osls package, sam validate --lint, sam build),
# the "Try it locally" commands, the streaming example, the cargo-lambda
# emulator commands, the whole "Add a handler" walk-through (the `greet`
# handler, its table line and fixture, exactly as the README shows them,
# and an event that does not fit it), the typed SQS consumer, then `cargo
# test` there; then the `events` feature's handler, and the "Calling AWS
# services" handlers against moto and a local HTTPS webhook. The README
# marks each block it means with
# an HTML comment, `<!-- readme-check: NAME -->`, on the line before it;
# this script takes the blocks from there, so a change to the README is a
# change to what runs here.
#
# The capacity-provider block is checked by tests/packaging/sam.rs (osls
# packages it and cfn-lint reads the result), not here.
#
# Needs: cargo, git, python3, npx; cargo-lambda and the AWS SAM CLI
# (.ci/tools.sh; .ci/run sources it); moto_server (with boto3) and openssl
# for the AWS blocks (.ci/run installs them). `osls` is osls from npx, at
# the version tests/packaging.rs pins, as the README's "put `npx` in
# front" says. Run by .ci/run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scratch="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$scratch"
}
trap cleanup EXIT
fail() {
    echo "readme.sh: $*" >&2
    exit 1
}

# block NAME: the fenced block after `<!-- readme-check: NAME -->`, in
# README.md or one of the guides in docs/ (exactly one of them), its
# indentation (a list item's) removed.
block() {
    python3 - "$root" "$1" <<'PY'
import glob, os, sys, textwrap
root, name = sys.argv[1], sys.argv[2]
marker = f"<!-- readme-check: {name} -->"
found = []
for path in [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "docs", "*.md"))):
    text = open(path, encoding="utf-8").read().splitlines()
    found += [(path, text, i) for i, line in enumerate(text) if line.strip() == marker]
if len(found) != 1:
    sys.exit(f"README.md and docs/ have {len(found)} blocks marked {marker!r}, want 1")
path, text, start = found[0]
i = start + 1
if not text[i].strip().startswith("```"):
    sys.exit(f"no fenced block right after {marker!r} in {path}")
end = next(j for j in range(i + 1, len(text)) if text[j].strip() == "```")
print(textwrap.dedent("\n".join(text[i + 1:end])))
PY
}

git clone -q "$root" "$scratch/repo"
cd "$scratch/repo"
# The scratch clone's own ./target, as the README's commands expect: the
# scratch build adds a handler, which must not leak into the checkout's.
unset CARGO_TARGET_DIR

echo "--- README: Build (build.sh and cargo-lambda)"
bash -euo pipefail -c "$(block build)" >"$scratch/build.log" 2>&1 || fail "the Build commands failed: $(tail -n 20 "$scratch/build.log")"
[ -f bootstrap.zip ] || fail "./build.sh left no bootstrap.zip"
zipped="$(cd target/lambda && find . -type f)"
[ "$zipped" = ./bootstrap/bootstrap.zip ] || fail "cargo lambda build zipped: $zipped"

echo "--- README: Check before you deploy, offline (osls package, sam validate --lint, sam build)"
osls_version="$(grep -o '"osls@[0-9.]*"' "$root/tests/packaging.rs" | tr -d '"')"
[ -n "$osls_version" ] || fail "no osls version in tests/packaging.rs"
osls() { npx --yes "$osls_version" "$@"; }
export -f osls
export osls_version npm_config_update_notifier=false SAM_CLI_TELEMETRY=0
bash -euo pipefail -c "$(block deploy-offline)" >"$scratch/deploy.log" 2>&1 ||
    fail "the offline deploy check failed: $(tail -n 20 "$scratch/deploy.log")"
[ -f .serverless/cloudformation-template-update-stack.json ] || fail "osls package wrote no template"
grep -q 'is a valid SAM Template' "$scratch/deploy.log" || fail "sam validate: $(cat "$scratch/deploy.log")"
built=0
for function in .aws-sam/build/*/; do
    [ -x "$function/bootstrap" ] || fail "sam build left no bootstrap in $function"
    built=$((built + 1))
done
[ "$built" -gt 0 ] || fail "sam build built no function"

echo "--- README: Try it locally"
out="$(bash -euo pipefail -c "$(block local)")" || fail "the 'Try it locally' commands failed"
grep -q '"body":"Hello Bob from Rust"' <<<"$out" || fail "httpevent's answer is missing: $out"
grep -q '"runs":1' <<<"$out" || fail "scheduleevent's answer is missing: $out"
grep -q 'bootstrap invoke \[--timeout SECONDS\]' <<<"$out" || fail "--help's text is missing: $out"

echo "--- README: a streaming handler, locally"
out="$(bash -euo pipefail -c "$(block stream)" 2>"$scratch/stream.log")" || fail "streamevent failed: $(cat "$scratch/stream.log")"
[ "$out" = "$(printf 'line %d\n' $(seq 10))" ] || fail "streamevent printed $out"
grep -qF 'http: {"cookies":[],"headers":{"content-type":"text/plain; charset=utf-8"},"statusCode":200}' \
    "$scratch/stream.log" || fail "streamevent's HTTP part: $(cat "$scratch/stream.log")"

echo "--- README: Add a handler (greet)"
# add_line LINE: the table line, first in src/handlers/mod.rs's table,
# where the README shows a new line.
add_line() {
    python3 - "$1" <<'PY'
import sys
path = "src/handlers/mod.rs"
text = open(path, encoding="utf-8").read()
anchor = "handler_table! {\n"
assert text.count(anchor) == 1, "one handler_table! in src/handlers/mod.rs"
open(path, "w", encoding="utf-8").write(text.replace(anchor, anchor + "    " + sys.argv[1] + "\n"))
PY
}
# add_deploy NAME: the function in both deploy files, as the README's step 6
# says (tests/function.rs fails for a table line without them).
add_deploy() {
    python3 - "$1" <<'PY'
import sys
name = sys.argv[1]
def insert_after(path, anchor, text):
    body = open(path, encoding="utf-8").read()
    assert body.count(anchor) == 1, (path, anchor)
    open(path, "w", encoding="utf-8").write(body.replace(anchor, anchor + text))
insert_after("serverless.yml", "functions:\n", f"  {name}:\n    handler: {name}\n")
logical = name.capitalize() + "Function"
insert_after("template.yaml", "Resources:\n",
    f"  {logical}:\n    Type: AWS::Serverless::Function\n    Metadata:\n      BuildMethod: makefile\n"
    f"    Properties:\n      FunctionName: !Sub lambda-bootstrap-${{Stage}}-{name}\n      Handler: {name}\n")
PY
}
block src/handlers/greet.rs >src/handlers/greet.rs
block tests/data/greet.json >tests/data/greet.json
line="$(block 'table line' | grep -F '"greet" => greet,' | sed 's/^ *//')"
[ -n "$line" ] || fail "the README's table block has no greet line"
add_line "$line"
add_deploy greet
out="$(bash -euo pipefail -c "$(block 'run greet')" 2>"$scratch/greet.log")" || fail "running greet failed: $(cat "$scratch/greet.log")"
[ "$out" = '{"greeting":"hello Ada"}' ] || fail "greet printed $out"
grep -q 'INFO \[local-invoke\] greeting Ada, Some(' "$scratch/greet.log" ||
    fail "greet's log line: $(cat "$scratch/greet.log")"
# An event that does not fit: the error Lambda would get, exit 1.
code=0
out="$(bash -euo pipefail -c "$(block 'greet unfit')" 2>"$scratch/unfit.log")" || code=$?
[ "$code" = 1 ] || fail "an unfit event exited $code: $(cat "$scratch/unfit.log")"
[ "$out" = '{"errorMessage":"the event does not fit Greet: name: invalid type: integer `5`, expected a string (line 1, column 10)","errorType":"Runtime.UnmarshalError"}' ] ||
    fail "an unfit event printed $out"

echo "--- README: Typed events (an SQS consumer)"
block src/handlers/queue.rs >src/handlers/queue.rs
add_line '"queue" => queue,'
add_deploy queue
out="$(bash -euo pipefail -c "$(block 'run queue')" 2>"$scratch/queue.log")" || fail "running queue failed: $(cat "$scratch/queue.log")"
[ "$out" = '{"batchItemFailures":[{"itemIdentifier":"2b7c4a19-1e5d-4f3a-8c6b-9d0e1f2a3b02"},{"itemIdentifier":"c3d2e1f0-a9b8-4c7d-8e6f-5a4b3c2d1e03"}]}' ] ||
    fail "queue printed $out"
grep -q 'INFO \[local-invoke\] order o-1001: qty 2' "$scratch/queue.log" ||
    fail "queue's log: $(cat "$scratch/queue.log")"

echo "--- README: cargo test with greet and queue added"
cargo test --locked -q >"$scratch/test.log" 2>&1 ||
    fail "cargo test failed with greet and queue added: $(sed -n '/^failures:$/,$p' "$scratch/test.log")"
tail -n 5 "$scratch/test.log"


echo "--- README: the cargo-lambda emulator"
if command -v cargo-lambda >/dev/null 2>&1; then
    commands="$(block emulator)"
    # Its first line starts the emulator in the background and prints where
    # it listens; a user waits for that line before going on, and so does
    # this script. The rest runs as written; the servers it leaves in the
    # background are stopped when the script ends.
    watch="$(head -n 1 <<<"$commands" | sed 's/ *&.*$//')"
    rest="$(tail -n +2 <<<"$commands")"
    bash -c "exec $watch" >"$scratch/watch.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 600); do
        grep -q 'AWS_LAMBDA_RUNTIME_API=' "$scratch/watch.log" && break
        kill -0 "${pids[-1]}" 2>/dev/null || fail "cargo lambda watch ended: $(cat "$scratch/watch.log")"
        sleep 0.2 # a poll for readiness, bounded by the loop
    done
    grep -q 'AWS_LAMBDA_RUNTIME_API=' "$scratch/watch.log" || fail "the emulator never said where it listens"
    out="$(timeout 300 bash -euo pipefail -c "$rest"$'\nkill $(jobs -p) 2>/dev/null || true')" ||
        fail "the emulator commands failed: $out"
    grep -q '"statusCode":200' <<<"$out" || fail "no answer through the emulator: $out"
else
    fail "cargo-lambda is not installed (pip install cargo-lambda)"
fi
# The features' handlers last, each in the table only while its feature is
# built: the scratch clone's other builds have neither.
echo "--- README: the events feature's types"
cp src/handlers/mod.rs "$scratch/mod.rs"
block events >src/handlers/evqueue.rs
add_line '"evqueue" => evqueue,'
out="$(cargo run -q --locked --features events -- invoke evqueue tests/data/sqs-orders.json 2>"$scratch/events.log")" ||
    fail "the events block failed: $(cat "$scratch/events.log")"
[ "$out" = '{"batchItemFailures":[]}' ] || fail "the events block printed $out"
cp "$scratch/mod.rs" src/handlers/mod.rs
rm src/handlers/evqueue.rs

echo "--- README: Calling AWS services (order and notify, against moto)"
# moto listens where the README says; its
# resources are made with boto3, which moto installs.
command -v moto_server >/dev/null 2>&1 || fail "moto_server is not installed (pip install 'moto[server]')"
block src/handlers/order.rs >src/handlers/order.rs
block src/handlers/notify.rs >src/handlers/notify.rs
python3 - <<'PY'
path = "src/handlers/mod.rs"
text = open(path, encoding="utf-8").read()
anchor = "handler_table! {\n"
open(path, "w", encoding="utf-8").write(text.replace(anchor, anchor + '    "notify" => notify,\n    "order" => order,\n'))
PY
moto_server -H 127.0.0.1 -p 5000 >"$scratch/moto.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
    grep -q 'Running on' "$scratch/moto.log" && break
    kill -0 "${pids[-1]}" 2>/dev/null || fail "moto_server ended: $(cat "$scratch/moto.log")"
    sleep 0.1 # a poll for readiness, bounded by the loop
done
grep -q 'Running on http://127.0.0.1:5000' "$scratch/moto.log" || fail "moto is not on 127.0.0.1:5000: $(cat "$scratch/moto.log")"
aws_py() {
    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 \
        AWS_ENDPOINT_URL=http://127.0.0.1:5000 python3 -c "import boto3, json, sys; $1"
}
aws_py "
boto3.client('dynamodb').create_table(TableName='orders', KeySchema=[{'AttributeName': 'id', 'KeyType': 'HASH'}],
    AttributeDefinitions=[{'AttributeName': 'id', 'AttributeType': 'S'}], BillingMode='PAY_PER_REQUEST')
boto3.client('sqs').create_queue(QueueName='orders')
boto3.client('s3').create_bucket(Bucket='receipts')"
order="$(block 'run order')"
out="$(bash -euo pipefail -c "$order" 2>"$scratch/order.log")" || fail "order failed: $(cat "$scratch/order.log")"
grep -q '"stored":"o-1"' <<<"$out" && grep -q '"receipt_bytes":20' <<<"$out" || fail "order printed $out"
out="$(bash -euo pipefail -c "$order" 2>"$scratch/order.log")" || fail "order, again, failed: $(cat "$scratch/order.log")"
[ "$out" = '{"duplicate":"o-1"}' ] || fail "order, again, printed $out"
aws_py "
item = boto3.client('dynamodb').get_item(TableName='orders', Key={'id': {'S': 'o-1'}})['Item']
assert item == {'id': {'S': 'o-1'}, 'qty': {'N': '3'}}, item
url = boto3.client('sqs').get_queue_url(QueueName='orders')['QueueUrl']
got = boto3.client('sqs').receive_message(QueueUrl=url, MaxNumberOfMessages=10).get('Messages', [])
assert [json.loads(m['Body']) for m in got] == [{'id': 'o-1', 'qty': 3}], got
body = boto3.client('s3').get_object(Bucket='receipts', Key='receipts/o-1.json')['Body'].read()
assert json.loads(body) == {'id': 'o-1', 'qty': 3}, body" || fail "moto does not hold what order wrote"

# notify: a webhook over HTTPS, its certificate from a CA made here and
# named by AWS_CA_BUNDLE; the server keeps what it was sent.
(
    cd "$scratch"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=readme-ca 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout hook.key -out hook.csr -subj /CN=localhost 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1\n' >hook.ext
    openssl x509 -req -in hook.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out hook.pem -days 2 -extfile hook.ext 2>/dev/null
)
python3 - "$scratch" >"$scratch/hook.port" 2>"$scratch/hook.log" <<'PY' &
import http.server, ssl, sys
scratch = sys.argv[1]
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        open(f"{scratch}/hook.body", "wb").write(body)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(f"{scratch}/hook.pem", f"{scratch}/hook.key")
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
pids+=($!)
for _ in $(seq 100); do [ -s "$scratch/hook.port" ] && break; sleep 0.1; done # readiness poll, bounded
[ -s "$scratch/hook.port" ] || fail "the webhook server did not start: $(cat "$scratch/hook.log")"
out="$(echo '{"text": "shipped"}' | WEBHOOK_URL="https://127.0.0.1:$(cat "$scratch/hook.port")/hook" \
    AWS_CA_BUNDLE="$scratch/ca.pem" AWS_REGION=us-east-1 cargo run -q --features aws -- invoke notify - 2>"$scratch/notify.log")" ||
    fail "notify failed: $(cat "$scratch/notify.log")"
[ "$out" = '{"status":200}' ] || fail "notify printed $out"
[ "$(cat "$scratch/hook.body")" = '{"text":"shipped"}' ] || fail "the webhook got $(cat "$scratch/hook.body")"

echo "readme.sh: every README command worked"
