#!/usr/bin/env bash
# API throughput benchmark: the shared Freezer bench scenarios (shared/bench/api-bench.sh: list
# jobs, get job, create backup metadata; wrk, 32 connections) against Permafrost twice, on
# keep-alive connections and with "Connection: close" (one TCP connection per request), and
# against a second server with "Connection: close", then one table of all three.
#
# Why both: the stock Freezer API (uwsgi with Debian's ini: add-header = Connection: close) closes
# every connection, so each of its requests pays a TCP connect. Permafrost on keep-alive over the
# stock API mixes that cost into the ratio; close over close compares the servers.
#
#   bench/api.sh                  start Permafrost (noauth, fresh temp data dir) and bench it
#   bench/api.sh - stock          also start the stock Freezer API (shared/compat/start-reference.sh,
#                                 v2 only, private state dir and port, stopped at exit) and bench it
#   bench/api.sh - OTHER_URL      also bench a running Freezer-compatible API
#   bench/api.sh URL [OTHER]      bench a running API as Permafrost instead of starting one
#
# Knobs: BENCH_DURATION (15s), BENCH_CONNS (32), BENCH_THREADS (2), BENCH_JOBS (1000) are passed
# to api-bench.sh (BENCH_CONN_CLOSE is set here, per run); BENCH_WORKERS (auto: one API process
# per core) for the Permafrost started here, and the number of processes that ran is printed;
# FREEZER_REF_PROCESSES (4, Debian's) for the stock API started here. PERMAFROST_SHARED overrides
# the location of shared/ (default: beside the project root).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${PERMAFROST_SHARED:-$ROOT/../shared}"
BENCH="$SHARED/bench/api-bench.sh"
[[ -f "$BENCH" ]] || { echo "bench: $BENCH not found (set PERMAFROST_SHARED)" >&2; exit 1; }
bash "$ROOT/scripts/debian-packages.sh" wrk curl jq bc

A="${1:--}"; B="${2:-}"
PID=; TMP=; REF_STATE=
cleanup() {
  [[ -n "$PID" ]] && kill "$PID" 2>/dev/null
  [[ -n "$REF_STATE" ]] && FREEZER_REF_STATE="$REF_STATE" bash "$SHARED/compat/stop-reference.sh" --purge >/dev/null
  [[ -n "$TMP" ]] && rm -rf "$TMP"
  true
}
trap cleanup EXIT
# Only for the stock reference, whose start script needs a port number: there is a short window in
# which another process could take the port, and the reference would then not start. Permafrost binds port 0
# and reports the port it got.
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

OURS_WHAT="a running server at $A (not started here: its worker count is unknown)"
if [[ "$A" == - ]]; then
  [[ -f "$ROOT/dist/src/bin/permafrost.js" ]] || (cd "$ROOT" && npm run build >/dev/null)
  TMP=$(mktemp -d /tmp/permafrost-bench.XXXXXX)
  WORKERS="${BENCH_WORKERS:-auto}"
  # Info level for the 'listening' line, which names the port (the access log stays off).
  PERMAFROST_LOG_LEVEL=info node --max-semi-space-size=32 "$ROOT/dist/src/bin/permafrost.js" serve --auth noauth --workers "$WORKERS" \
    --bind "127.0.0.1:0" --data-dir "$TMP" >"$TMP/server.log" 2>&1 &
  PID=$!
  PORT=
  for _ in $(seq 1 200); do
    PORT=$(grep -m 1 -o '"bind":"127.0.0.1:[0-9]*"' "$TMP/server.log" | grep -o '[0-9]*"$' | tr -d '"')
    [[ -n "$PORT" ]] && curl -sf "http://127.0.0.1:$PORT/healthcheck" >/dev/null && break
    sleep 0.1
  done
  curl -sf "http://127.0.0.1:$PORT/healthcheck" >/dev/null || { echo "bench: Permafrost did not start:"; cat "$TMP/server.log"; exit 1; }
  A="http://127.0.0.1:$PORT"
  # With --workers N > 1 the primary forks all N workers at once and serves nothing itself; with 1
  # the primary is the API process. So the processes serving are its children, or itself.
  KIDS=$(ps --ppid "$PID" -o comm= | grep -c '^node$' || true)
  PROCS=$(( KIDS > 0 ? KIDS : 1 ))
  OURS_WHAT="Permafrost $PROCS API process(es) (--workers $WORKERS; $(nproc) cores), noauth, SQLite in $TMP"
  echo "bench: started Permafrost at $A (pid $PID): $PROCS API process(es), --workers $WORKERS, $(nproc) cores"
fi

OTHER_WHAT="$B"; OTHER=other
if [[ "$B" == stock ]]; then
  REF_STATE=$(mktemp -d /tmp/permafrost-bench-ref.XXXXXX)
  REF_PORT=$(free_port)
  echo "bench: starting the stock Freezer API (shared/compat/start-reference.sh, state $REF_STATE) ..."
  B=$(FREEZER_REF_STATE="$REF_STATE" FREEZER_REF_PORT="$REF_PORT" FREEZER_REF_V1_PORT='' FREEZER_REF_KS_PORT='' \
    bash "$SHARED/compat/start-reference.sh" | tail -n 1)
  OTHER=stock
  OTHER_WHAT="freezer-api 13.0.0 (Debian) at $B (uwsgi, ${FREEZER_REF_PROCESSES:-4} processes, SQLite)"
fi

# How a server treats connections, shown rather than assumed: curl makes two requests and counts
# the new connections each needed (0 for the second = the first connection was reused).
connections() { # url [curl args...] -> "reused" or "closed"
  local url="$1"; shift
  local n; n=$(curl -s "$@" -o /dev/null -o /dev/null -w '%{num_connects}\n' "$url/healthcheck" "$url/healthcheck" | tail -n 1)
  [[ "$n" == 0 ]] && echo reused || echo closed
}

SUMMARY=()
LABELS=()
run() { # label url close(0|1)
  local out; out=$(mktemp -d /tmp/permafrost-bench-out.XXXXXX)
  echo "bench: ---- $1: $2 (Connection: $([[ $3 == 1 ]] && echo close || echo keep-alive) requested)"
  BENCH_OUT="$out" BENCH_CONN_CLOSE="$3" BENCH_PROJECT="bench$$${1//-/}" bash "$BENCH" "$2"
  LABELS+=("$1"); SUMMARY+=("$out/summary.txt")
}

echo "bench: ours: $OURS_WHAT; connection after a keep-alive request: $(connections "$A"), after a 'Connection: close' request: $(connections "$A" -H 'Connection: close')"
[[ -n "$B" ]] && echo "bench: $OTHER: $OTHER_WHAT; connection after a keep-alive request: $(connections "$B")"
run ours-close "$A" 1
run ours-keepalive "$A" 0
[[ -n "$B" ]] && run "$OTHER-close" "$B" 1

rps() { awk -v s="$2" '$1 == s {print $2}' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.1fx", a / b; else printf "-" }'; }
DUR="${BENCH_DURATION:-15s}"
echo
echo "bench: results, req/s (wrk -t${BENCH_THREADS:-2} -c${BENCH_CONNS:-32} -d$DUR per scenario and run; wrk shares the cores with the servers)"
printf '  %-6s %s\n' ours: "$OURS_WHAT"
[[ -n "$B" ]] && printf '  %-6s %s\n' "$OTHER:" "$OTHER_WHAT"
if [[ -n "$B" ]]; then
  printf '  %-12s %12s %12s %16s %12s %17s\n' scenario "$OTHER close" 'ours close' 'ours keep-alive' 'close/close' 'keep-alive/close'
  for s in list-jobs get-job post-backup; do
    o=$(rps "${SUMMARY[2]}" "$s"); c=$(rps "${SUMMARY[0]}" "$s"); k=$(rps "${SUMMARY[1]}" "$s")
    printf '  %-12s %12s %12s %16s %12s %17s\n' "$s" "$o" "$c" "$k" "$(ratio "$c" "$o")" "$(ratio "$k" "$o")"
  done
  echo "  close/close compares the servers, each paying a TCP connect per request; keep-alive/close adds"
  echo "  what keep-alive saves us, which the $OTHER server (closing every connection) never gets."
else
  printf '  %-12s %12s %16s %17s\n' scenario 'ours close' 'ours keep-alive' 'keep-alive/close'
  for s in list-jobs get-job post-backup; do
    c=$(rps "${SUMMARY[0]}" "$s"); k=$(rps "${SUMMARY[1]}" "$s")
    printf '  %-12s %12s %16s %17s\n' "$s" "$c" "$k" "$(ratio "$k" "$c")"
  done
fi
echo "bench: latency and errors per run (req/s p50 p99 non-2xx socket-errors):"
for i in "${!LABELS[@]}"; do
  sed "s/^/  ${LABELS[i]} /" "${SUMMARY[i]}" | awk '{printf "  %-15s %-12s %10s %9s %9s %6s  %s %s %s %s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10}'
  if awk '$5 != 0 {bad = 1} END {exit !bad}' "${SUMMARY[i]}"; then
    echo "  WARNING: ${LABELS[i]} had non-2xx answers: its req/s counts failures too"
  fi
done
