#!/usr/bin/env bash
# Load test of `amiroll serve`'s webhook intake: wrk posts signed `pull_request` payloads (the
# real fixture, each with its own X-GitHub-Delivery so none is a duplicate) at about 1,000
# deliveries/s to a release build listening on loopback, and reports the acknowledgement latency
# (p50/p90/p99), the throughput, and the server's resident memory idle and under load
# (/proc sampling plus /usr/bin/time -v).
#
#   scripts/load-test.sh                 # ~1,000/s for 30 s (10 connections, each pausing 9 ms
#                                        # after every answer: 10 × 1000 / (9 + ~1) ms)
#   DURATION=60s CONNECTIONS=20 scripts/load-test.sh    # ~2,000/s
#   DELAY_MS=0 scripts/load-test.sh      # closed loop: as fast as the server answers
#   REPOS=1 scripts/load-test.sh         # every delivery in one repository's lane
#   AMIROLL_BIN=path/to/amiroll scripts/load-test.sh    # skip the release build
#
# Needs wrk and GNU time (`apt-get install -y wrk time`), openssl and python3. The server runs the
# real rollout engine against a stand-in GitHub (a small threaded Python server on loopback) that
# knows the App and its installation token and says the fixture's repository has no
# `.github/amiroll.yml`: each delivery is verified, parsed, queued, acknowledged (what is measured),
# then handled in the background with three GitHub calls.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-10}
DELAY_MS=${DELAY_MS:-9}
REPOS=${REPOS:-10}
PORT=${PORT:-18480}
SECRET=load-test-secret

for tool in wrk openssl; do
    command -v "$tool" >/dev/null || { echo "error: $tool is missing (apt-get install -y wrk openssl)" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time is missing (apt-get install -y time)" >&2; exit 1; }

BIN=${AMIROLL_BIN:-}
if [ -z "$BIN" ]; then
    cargo build --release --bin amiroll >&2
    BIN=target/release/amiroll
fi

WORK=$(mktemp -d)
SERVER_PID=
TIME_PID=
SAMPLER_PID=
GITHUB_PID=
cleanup() {
    [ -n "$GITHUB_PID" ] && kill "$GITHUB_PID" 2>/dev/null || true
    [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null || true
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# A throwaway App key (the stand-in GitHub does not check the JWT's signature).
openssl genrsa -out "$WORK/key.pem" 2048 2>/dev/null
GITHUB_PORT=$((PORT + 1))
cat >"$WORK/github.py" <<'PY'
import json, re, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class GitHub(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each answer waits out the client's delayed ACK

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/app":
            return self.answer(200, {"id": 1, "slug": "amiroll-load", "name": "amiroll"})
        if re.fullmatch(r"/repos/[^/]+/[^/]+", self.path):
            name = self.path.split("/", 2)[2]
            return self.answer(200, {"full_name": name, "default_branch": "main", "archived": False})
        if "/git/ref/heads/" in self.path:
            return self.answer(200, {"ref": "refs/heads/main", "object": {"sha": "a" * 40, "type": "commit"}})
        return self.answer(404, {"message": "Not Found"})

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        if re.fullmatch(r"/app/installations/\d+/access_tokens", self.path):
            return self.answer(201, {"token": "load-test-token", "expires_at": "2099-01-01T00:00:00Z"})
        return self.answer(404, {"message": "Not Found"})

    def log_message(self, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), GitHub).serve_forever()
PY
python3 "$WORK/github.py" "$GITHUB_PORT" &
GITHUB_PID=$!
BODY=fixtures/github/pull_request.opened.json
# One signed body per repository, so that deliveries spread over REPOS lanes as real traffic does.
for i in $(seq "$REPOS"); do
    python3 - "$BODY" "$i" >"$WORK/body-$i.json" <<'PY'
import json, sys
payload = json.load(open(sys.argv[1]))
payload["repository"]["name"] = f"repo-{sys.argv[2]}"
payload["repository"]["full_name"] = f"load/repo-{sys.argv[2]}"
sys.stdout.write(json.dumps(payload))
PY
    echo "sha256=$(openssl dgst -sha256 -hmac "$SECRET" -hex <"$WORK/body-$i.json" | awk '{print $NF}')" >>"$WORK/signatures"
done

cat >"$WORK/post.lua" <<LUA
local bodies, signatures = {}, {}
for i = 1, $REPOS do
    local file = io.open("$WORK/body-" .. i .. ".json", "rb")
    bodies[i] = file:read("*a")
    file:close()
end
for line in io.lines("$WORK/signatures") do
    table.insert(signatures, line)
end
local threads = {}
local counter = 0
local thread_id = 0

function setup(thread)
    thread:set("thread_id", #threads + 1)
    table.insert(threads, thread)
end

function request()
    counter = counter + 1
    local i = counter % $REPOS + 1
    return wrk.format("POST", "/webhooks/github", {
        ["Content-Type"] = "application/json",
        ["X-GitHub-Event"] = "pull_request",
        ["X-GitHub-Delivery"] = "load-" .. thread_id .. "-" .. counter,
        ["X-Hub-Signature-256"] = signatures[i],
    }, bodies[i])
end

function delay()
    return $DELAY_MS
end

statuses = {}
function response(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
    io.write(string.format("requests: %d in %.1f s = %.0f/s; errors: connect %d, read %d, write %d, status %d, timeout %d\n",
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
    for _, p in pairs({50, 90, 99, 99.9}) do
        io.write(string.format("ack latency p%s: %.3f ms\n", p, latency:percentile(p) / 1000))
    end
    io.write(string.format("ack latency max: %.3f ms\n", latency.max / 1000))
end
LUA

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

RUST_LOG=warn \
AMIROLL_APP_ID=1 \
AMIROLL_PRIVATE_KEY_PATH="$WORK/key.pem" \
AMIROLL_WEBHOOK_SECRET="$SECRET" \
AMIROLL_LISTEN="127.0.0.1:$PORT" \
AMIROLL_POLL_INTERVAL=0s \
AMIROLL_RECONCILE_INTERVAL=0s \
AMIROLL_GITHUB_API_URL="http://127.0.0.1:$GITHUB_PORT" \
    /usr/bin/time -v -o "$WORK/time.txt" "$BIN" serve &
TIME_PID=$!
for _ in $(seq 100); do
    SERVER_PID=$(pgrep -P "$TIME_PID" || true)
    [ -n "$SERVER_PID" ] && curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
[ -n "$SERVER_PID" ] || { echo "error: amiroll serve did not start" >&2; exit 1; }
sleep 1
IDLE_RSS=$(rss_kb "$SERVER_PID")

# Sample the RSS while wrk runs and keep the peak.
(
    peak=0
    while kill -0 "$SERVER_PID" 2>/dev/null; do
        now=$(rss_kb "$SERVER_PID")
        [ "${now:-0}" -gt "$peak" ] && peak=$now && echo "$peak" >"$WORK/peak"
        sleep 0.2
    done
) &
SAMPLER_PID=$!

echo "== wrk: $CONNECTIONS connections, ${DELAY_MS} ms between requests per connection, $DURATION"
wrk --threads 1 --connections "$CONNECTIONS" --duration "$DURATION" --timeout 5s \
    --script "$WORK/post.lua" "http://127.0.0.1:$PORT" | tee "$WORK/wrk.txt"

LOADED_RSS=$(cat "$WORK/peak" 2>/dev/null || echo 0)
echo "== server metrics"
curl -fs "http://127.0.0.1:$PORT/metrics" | grep -E '^amiroll_(webhooks_total|deliveries_handled_total|queue_depth)' || true

kill -TERM "$SERVER_PID"
wait "$TIME_PID" || true
kill "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=
SERVER_PID=

echo "== memory"
echo "idle RSS: $((IDLE_RSS / 1024)) MiB (${IDLE_RSS} kB)"
echo "peak RSS under load (sampled): $((LOADED_RSS / 1024)) MiB (${LOADED_RSS} kB)"
grep -E "Maximum resident set size" "$WORK/time.txt" | sed 's/^\s*/\/usr\/bin\/time -v: /'
