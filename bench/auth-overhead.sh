#!/usr/bin/env bash
# What token verification costs: the shared bench's get-job scenario (GET /v2/{p}/jobs/{id},
# wrk -t2 -c32) against two Permafrost servers started side by side in one run, one with
# auth=noauth (identity from headers) and one with auth=jwt (X-Auth-Token verified on every
# request), alternating rounds so drift hits both. Keep-alive on both: the same server compared
# with itself, so neither pays a TCP connect per request. Prints req/s and latency per round and the
# jwt/noauth throughput ratio.
#
#   bench/auth-overhead.sh
#
# Knobs: BENCH_DURATION (15s), BENCH_CONNS (32), BENCH_THREADS (2), BENCH_ROUNDS (2),
# BENCH_WORKERS (auto: one API process per core, for each server).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DUR="${BENCH_DURATION:-15s}"; CONNS="${BENCH_CONNS:-32}"; THREADS="${BENCH_THREADS:-2}"; ROUNDS="${BENCH_ROUNDS:-2}"
bash "$ROOT/scripts/debian-packages.sh" wrk curl jq
[[ -f "$ROOT/dist/src/bin/permafrost.js" ]] || (cd "$ROOT" && npm run build >/dev/null)
TMP=$(mktemp -d /tmp/permafrost-auth-bench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"; }
trap cleanup EXIT

port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
start() { # mode port -> starts a server in $TMP/<mode>
  mkdir -p "$TMP/$1"
  PERMAFROST_LOG_LEVEL=warn PERMAFROST_ADMIN_PASSWORD=bench-admin-pw node --max-semi-space-size=32 "$ROOT/dist/src/bin/permafrost.js" serve \
    --auth "$1" --workers "${BENCH_WORKERS:-auto}" --bind "127.0.0.1:$2" --data-dir "$TMP/$1" >"$TMP/$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$2/healthcheck" >/dev/null && break; sleep 0.1; done
  curl -sf "http://127.0.0.1:$2/healthcheck" >/dev/null || { echo "bench: $1 server did not start:"; cat "$TMP/$1.log"; exit 1; }
  # With --workers N > 1 the primary forks all N at once and serves nothing itself.
  local kids; kids=$(ps --ppid "${PIDS[-1]}" -o comm= | grep -c '^node$' || true)
  echo "bench: $1 server: $(( kids > 0 ? kids : 1 )) API process(es) (--workers ${BENCH_WORKERS:-auto}; $(nproc) cores)"
}
PN=$(port); start noauth "$PN"; PJ=$(port); start jwt "$PJ"
NOAUTH="http://127.0.0.1:$PN"; JWT="http://127.0.0.1:$PJ"

# noauth: identity from headers, as keystonemiddleware would forward it.
NH=(-H "X-User-Id: bench-user" -H "X-Project-Id: bench" -H "X-Roles: member")
# jwt: a password login at the server's own /v3, then only the token.
LOGIN='{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"id":"default"},"password":"bench-admin-pw"}}},"scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}'
TOKEN=$(curl -s -D - -o "$TMP/login.json" -X POST "$JWT/v3/auth/tokens" -H 'Content-Type: application/json' -d "$LOGIN" |
  awk 'tolower($1)=="x-subject-token:"{print $2}' | tr -d '\r')
PROJECT=$(jq -r .token.project.id "$TMP/login.json")
JH=(-H "X-Auth-Token: $TOKEN")
JOB='{"client_id": "benchhost", "description": "bench job", "job_actions": [{"freezer_action": {"action": "backup", "mode": "fs", "backup_name": "bench", "path_to_backup": "/tmp", "storage": "local"}}]}'
NJOB=$(curl -s -X POST "${NH[@]}" -H 'Content-Type: application/json' -d "$JOB" "$NOAUTH/v2/bench/jobs" | jq -r .job_id)
JJOB=$(curl -s -X POST "${JH[@]}" -H 'Content-Type: application/json' -d "$JOB" "$JWT/v2/$PROJECT/jobs" | jq -r .job_id)
[[ "$(curl -s -o /dev/null -w '%{http_code}' "${JH[@]}" "$JWT/v2/$PROJECT/jobs/$JJOB")" == 200 ]] || { echo "bench: jwt GET failed"; exit 1; }
echo "bench: noauth $NOAUTH job $NJOB; jwt $JWT job $JJOB (token ${#TOKEN} bytes); wrk -t$THREADS -c$CONNS -d$DUR, $ROUNDS rounds"

bench() { # label url headers... -> "req/s p50 p99 non2xx"
  local label="$1" url="$2"; shift 2
  wrk -t "$THREADS" -c "$CONNS" -d "$DUR" --latency "$@" "$url" >"$TMP/wrk.txt" 2>&1
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$TMP/wrk.txt")
  p50=$(awk '/^ +50%/ {print $2}' "$TMP/wrk.txt"); p99=$(awk '/^ +99%/ {print $2}' "$TMP/wrk.txt")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$TMP/wrk.txt")
  printf '  %-7s %10s req/s  p50 %-8s p99 %-8s non-2xx %s\n' "$label" "$rps" "$p50" "$p99" "${non2xx:-0}" >&2
  echo "$rps"
}
SUM_N=0; SUM_J=0
for r in $(seq 1 "$ROUNDS"); do
  echo "bench: round $r" >&2
  n=$(bench noauth "$NOAUTH/v2/bench/jobs/$NJOB" "${NH[@]}")
  j=$(bench jwt "$JWT/v2/$PROJECT/jobs/$JJOB" "${JH[@]}")
  SUM_N=$(echo "$SUM_N + $n" | bc); SUM_J=$(echo "$SUM_J + $j" | bc)
done
echo "bench: get-job mean over $ROUNDS rounds: noauth $(echo "scale=0; $SUM_N / $ROUNDS" | bc) req/s," \
  "jwt $(echo "scale=0; $SUM_J / $ROUNDS" | bc) req/s, jwt/noauth = $(echo "scale=3; $SUM_J / $SUM_N" | bc)"
