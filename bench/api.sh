#!/usr/bin/env bash
# API throughput benchmark: runs the shared Freezer bench scenarios (shared/bench/api-bench.sh:
# list jobs, get job, create backup metadata; wrk, 32 connections) against Permafrost and, when a
# second URL is given, against that server too in the same run, then prints both and the ratio.
#
#   bench/api.sh                      start Permafrost (noauth, fresh temp data dir) and bench it
#   bench/api.sh URL                  bench a running Freezer-compatible API
#   bench/api.sh URL OTHER_URL        bench both, print OTHER/URL ratios (e.g. the reference:
#                                     ../shared/compat/start-reference.sh prints its URL)
#   bench/api.sh - OTHER_URL          start Permafrost, bench it and OTHER_URL
#
# Knobs are passed through to api-bench.sh: BENCH_DURATION (15s), BENCH_CONNS (32),
# BENCH_THREADS (2), BENCH_JOBS (1000), BENCH_CONN_CLOSE=1; BENCH_WORKERS (auto: one API process
# per core) for the Permafrost this script starts. PERMAFROST_SHARED overrides the
# location of shared/ (default: beside the project root).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${PERMAFROST_SHARED:-$ROOT/../shared}"
BENCH="$SHARED/bench/api-bench.sh"
[[ -x "$BENCH" || -f "$BENCH" ]] || { echo "bench: $BENCH not found (set PERMAFROST_SHARED)" >&2; exit 1; }

A="${1:--}"; B="${2:-}"
PID=; TMP=
cleanup() { [[ -n "$PID" ]] && kill "$PID" 2>/dev/null; [[ -n "$TMP" ]] && rm -rf "$TMP"; true; }
trap cleanup EXIT

if [[ "$A" == - ]]; then
  [[ -f "$ROOT/dist/src/bin/permafrost.js" ]] || (cd "$ROOT" && npm run build >/dev/null)
  TMP=$(mktemp -d /tmp/permafrost-bench.XXXXXX)
  PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  PERMAFROST_LOG_LEVEL=warn node --max-semi-space-size=32 "$ROOT/dist/src/bin/permafrost.js" serve --auth noauth --workers "${BENCH_WORKERS:-auto}" \
    --bind "127.0.0.1:$PORT" --data-dir "$TMP" >"$TMP/server.log" 2>&1 &
  PID=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthcheck" >/dev/null && break; sleep 0.1; done
  A="http://127.0.0.1:$PORT"
  echo "bench: started Permafrost at $A (pid $PID, data $TMP)"
fi

run() { # label url -> summary file path
  local out; out=$(mktemp -d /tmp/permafrost-bench-out.XXXXXX)
  echo "bench: ---- $1: $2" >&2
  BENCH_OUT="$out" bash "$BENCH" "$2" >&2
  echo "$out/summary.txt"
}

SA=$(run permafrost "$A")
[[ -n "$B" ]] && SB=$(run other "$B")

echo
echo "bench: results (wrk -c${BENCH_CONNS:-32} -d${BENCH_DURATION:-15s}; summary columns: name req/s p50 p99 non-2xx)"
cols() { awk '{print $1, $2, $4, $5}' "$1" | sort; }
if [[ -z "$B" ]]; then
  cols "$SA" | awk '{printf "  %-12s %10s req/s  p99 %-9s non-2xx %s\n", $1, $2, $3, $4}'
else
  printf '  %-12s %12s %10s %12s %10s %8s\n' scenario permafrost p99 other p99 ratio
  join <(cols "$SA") <(cols "$SB") | awk '{ r = ($5 > 0) ? $2 / $5 : 0;
    printf "  %-12s %12s %10s %12s %10s %7.1fx\n", $1, $2, $3, $5, $6, r }'
fi
