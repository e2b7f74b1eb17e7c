#!/usr/bin/env bash
# Backup engine benchmark on shared/bench/dataset.py data (1 GiB, then a 1% mutation), measured in
# one run beside the machine's limit, `tar -cf - . | zstd -1 -T0`:
#   limit      tar | zstd -1 -T0 of the tree (cold page cache when we may drop it)
#   full       permafrost action backup, zstd (level 1, the default), local storage
#   full+enc   the same with the default sealed encryption
#   incr       level 1 after `dataset.py mutate`
#   restore    levels 0 and 1 into an empty directory
#   stock      (with --stock) the stock freezer-agent, gzip, for reference
# Prints wall s, CPU s (user+sys, children included), memory and stored MiB for each. Memory is
# the whole pipeline's: tree_MiB is the peak of the summed RSS of every process of the run (node,
# tar, the compressor, openssl...), sampled every 20 ms by bench/tree-rss.ts; node_MiB is the
# Permafrost process's own peak (VmHWM). (/usr/bin/time's maximum RSS is the largest single
# process of the tree, not the sum.) The page cache is dropped before every run when we may
# (root, writable /proc/sys/vm/drop_caches); when not, the header says that every run reads a
# warm cache, and so does each row.
# Usage: bash bench/engine.sh [--stock] [WORKDIR]   (default WORKDIR /tmp/permafrost-bench)
# Knobs: ROUNDS (3), BENCH_DROP_CACHES=0 (keep the cache warm on purpose).
set -euo pipefail
cd "$(dirname "$0")/.."
STOCK=0
[[ "${1:-}" == "--stock" ]] && { STOCK=1; shift; }
W=${1:-/tmp/permafrost-bench}
DATASET=${DATASET_PY:-../shared/bench/dataset.py}
CLI="node dist/src/bin/permafrost.js"
[[ -f dist/src/bin/permafrost.js && -f dist/bench/tree-rss.js ]] || npm run build >/dev/null
bash scripts/debian-packages.sh zstd bc
[[ -f "$DATASET" ]] || { echo "dataset.py not found at $DATASET (set DATASET_PY)"; exit 1; }

mkdir -p "$W"
if [[ ! -f "$W/.generated" ]]; then
  rm -rf "$W/src"; mkdir -p "$W/src"
  echo "generating the 1 GiB dataset in $W/src ..."
  python3 "$DATASET" gen "$W/src" && touch "$W/.generated"
fi
rm -rf "$W/store" "$W/restore" "$W/limit.tar.zst" "$W/stock-store"
# The mutation is applied once per run, to a fresh copy of the generated tree's state.
if [[ -f "$W/.mutated" ]]; then
  echo "regenerating (the tree was mutated by a previous run) ..."
  rm -rf "$W/src"; mkdir -p "$W/src"; python3 "$DATASET" gen "$W/src"; rm -f "$W/.mutated"
fi

# Cold runs need the page cache dropped, which only root with a writable /proc/sys may do. A run
# that cannot is still measured, from a warm cache, and says so: in the header and in each row.
CACHE=cold; CACHE_WHY="page cache dropped (sync; echo 3 > /proc/sys/vm/drop_caches) before every run"
if [[ "${BENCH_DROP_CACHES:-1}" == 0 ]]; then
  CACHE=warm; CACHE_WHY="page cache NOT dropped (BENCH_DROP_CACHES=0)"
elif ! { sync && echo 3 > /proc/sys/vm/drop_caches; } 2>/dev/null; then
  CACHE=warm; CACHE_WHY="page cache NOT dropped: cannot write /proc/sys/vm/drop_caches (uid $(id -u); needs root and a writable /proc/sys)"
fi
[[ $CACHE == warm ]] && CACHE_WHY="WARM-CACHE FALLBACK: $CACHE_WHY; every run below reads files the previous run left in memory, faster than from disk: do not compare with cold figures"
drop_caches() {
  sync
  [[ $CACHE == cold ]] || return 0
  if ! { echo 3 > /proc/sys/vm/drop_caches; } 2>/dev/null; then
    CACHE=warm
    echo "bench: WARM-CACHE FALLBACK: dropping the page cache failed from here on; the rows below are warm" | tee -a "$ROWS"
  fi
}

# measure NAME STORED_PATH COMMAND...: one row of the table, and the processes it ran.
ROWS=$(mktemp)
trap 'rm -f "$ROWS"' EXIT
measure() {
  local name=$1 stored=$2; shift 2
  local t m err; t=$(mktemp); m=$(mktemp); err=$(mktemp)
  node dist/bench/tree-rss.js "$m" --interval-ms 20 --wrapper -- /usr/bin/time -f '%e %U %S' -o "$t" "$@" >/dev/null 2>"$err" ||
    { echo "$name FAILED:"; cat "$err"; exit 1; }
  rm -f "$err"
  read -r wall user sys < "$t"; rm -f "$t"
  local tree node procs samples
  tree=$(sed -E 's/.*tree_peak_kib=([0-9]+).*/\1/' "$m"); node=$(sed -E 's/.*node_kib=([0-9]+).*/\1/' "$m")
  procs=$(sed -E 's/.*procs=([^ ]*).*/\1/' "$m"); samples=$(sed -E 's/.*samples=([0-9]+).*/\1/' "$m"); rm -f "$m"
  local mib="-"
  [[ -n "$stored" && -e "$stored" ]] && mib=$(du -sb "$stored" | awk '{printf "%.1f", $1/1048576}')
  local node_mib="-"; (( node > 0 )) && node_mib=$(awk -v k="$node" 'BEGIN {printf "%.1f", k / 1024}')
  printf '%-10s %8.2f %8.2f %9.1f %9s %10s  %s\n' "$name" "$wall" "$(echo "$user + $sys" | bc)" "$(echo "$tree / 1024" | bc -l)" "$node_mib" "$mib" "$CACHE" | tee -a "$ROWS"
  echo "           processes, own peak MiB: ${procs//,/, } ($samples samples)"
}

SRC_MIB=$(du -sb "$W/src" | awk '{printf "%.0f", $1/1048576}')
echo "dataset: $SRC_MIB MiB, $(find "$W/src" -type f | wc -l) files; $(nproc) cores"
echo "bench: $CACHE_WHY"
echo "bench: tree_MiB = peak of the summed RSS of all processes of the run (sampled every 20 ms), node_MiB = the node process's own peak"
printf '%-10s %8s %8s %9s %9s %10s  %s\n' run wall_s cpu_s tree_MiB node_MiB stored_MiB cache

# The full backups alternate with the limit, ROUNDS times, each from a cold cache (see CACHE): neighbours on a
# shared host make single runs vary by 20-30%, so medians are compared.
ROUNDS=${ROUNDS:-3}
COMMON=(--storage local --container "$W/store" --backup-name bench --hostname bench)
printf 'bench passphrase\n' > "$W/key"
for round in $(seq "$ROUNDS"); do
  rm -rf "$W/store" "$W/store-enc" "$W/limit.tar.zst"
  drop_caches
  measure limit "$W/limit.tar.zst" bash -c "cd '$W/src' && tar -cf - . | zstd -1 -T0 -q -o '$W/limit.tar.zst'"
  drop_caches
  measure full "$W/store" $CLI action backup --path-to-backup "$W/src" "${COMMON[@]}" --compression zstd --log-level warn
  drop_caches
  measure full+enc "$W/store-enc" $CLI action backup --path-to-backup "$W/src" --storage local --container "$W/store-enc" \
    --backup-name bench --hostname bench --compression zstd --encrypt-pass-file "$W/key" --log-level warn
done
rm -rf "$W/store-enc"
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
lim=$(grep '^limit ' "$ROWS" | awk '{print $2}' | median)
for name in full full+enc; do
  med=$(grep "^$name " "$ROWS" | awk '{print $2}' | median)
  printf 'median wall: %-9s %6.2f s = %.2fx the limit (%.2f s), %s cache\n' "$name" "$med" "$(echo "$med / $lim" | bc -l)" "$lim" "$CACHE"
done

python3 "$DATASET" mutate "$W/src"; touch "$W/.mutated"
before=$(du -sb "$W/store" | awk '{print $1}')
drop_caches
measure incr "" $CLI action backup --path-to-backup "$W/src" "${COMMON[@]}" --compression zstd --log-level warn
echo "           incremental stored $(( ($(du -sb "$W/store" | awk '{print $1}') - before) / 1048576 )) MiB"

drop_caches
measure restore "$W/restore" $CLI action restore --restore-abs-path "$W/restore" "${COMMON[@]}" --log-level warn
if diff -r -q "$W/src" "$W/restore" >/dev/null; then echo "           restore verified: diff -r finds no difference"; else echo "           RESTORE DIFFERS"; exit 1; fi

if (( STOCK )) && command -v freezer-agent >/dev/null; then
  drop_caches
  measure stock "$W/stock-store" env OS_AUTH_URL=http://127.0.0.1:9/v3 OS_TOKEN=x OS_PROJECT_ID=p freezer-agent --action backup \
    --mode fs --storage local --container "$W/stock-store" --path-to-backup "$W/src" --backup-name bench --compression gzip \
    --log-file "$W/stock.log"
fi
rm -rf "$W/restore" "$W/limit.tar.zst" "$W/stock-store"
