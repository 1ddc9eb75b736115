#!/usr/bin/env bash
# Sigma over EVTX (issue 6): `yagura hunt --sigma` with SigmaHQ's Windows
# rules over ../shared/data/evtx, and the same rules and files through
# Chainsaw when CHAINSAW points to its binary (and CHAINSAW_MAPPING to its
# `mappings/sigma-event-logs-all.yml`), in one run.
#
#   bench/run-sigma.sh [RUNS]                (default 5 runs each)
#   CHAINSAW=/path/to/chainsaw CHAINSAW_MAPPING=/path/to/mapping.yml bench/run-sigma.sh
#
# Chainsaw is built by whoever runs this, from its public source, outside
# this repository: this script only runs a binary it is given. Prints the
# median wall time of each tool, events per second, peak RSS and the number
# of hits.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
SHARED=$(cd .. && pwd)/shared/data
RULES=${RULES:-$SHARED/sigma/rules/windows}
EVTX=${EVTX:-$SHARED/evtx}
[ -d "$RULES" ] && [ -d "$EVTX" ] || { echo "needs $RULES and $EVTX" >&2; exit 2; }
cargo build --release --quiet -p yagura
Y=target/release/yagura
OUT=target/sigma-bench
mkdir -p "$OUT"
# The EVTX files alone (the folder also holds READMEs), warm in the cache.
mapfile -t FILES < <(find "$EVTX" -name '*.evtx' | sort)
cat "${FILES[@]}" > /dev/null

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# tool-name command... -> "seconds peak-kB"
measure() {
  local name=$1; shift
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$OUT/$name.time" "$@" > "$OUT/$name.out" 2> "$OUT/$name.err" || true
    tail -1 "$OUT/$name.time"
  done > "$OUT/$name.runs"
  echo "$(cut -d' ' -f1 "$OUT/$name.runs" | median) $(cut -d' ' -f2 "$OUT/$name.runs" | sort -n | tail -1)"
}

read -r yt yrss < <(measure yagura "$Y" hunt --quiet --output jsonl --sigma "$RULES" "${FILES[@]}")
events=$("$Y" hunt --output jsonl --sigma "$RULES" "${FILES[@]}" 2>&1 >/dev/null | sed -n 's/.* in \([0-9]*\) events.*/\1/p' | tail -1)
yhits=$(wc -l < "$OUT/yagura.out")
loaded=$(grep -o '[0-9]* rules run, [0-9]* cannot run' "$OUT/yagura.err" | tail -1 || true)
files=${#FILES[@]}
echo "corpus: $files EVTX files, $events events; rules: $RULES ($loaded)"
python3 - "$events" "$yt" "$yrss" "$yhits" <<'PY'
import sys
ev, t, rss, hits = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print(f"yagura hunt --sigma   {t:6.2f} s  {ev / t:9,.0f} events/s  {rss / 1024:6.0f} MB  {hits} hits")
PY
if [ -n "${CHAINSAW:-}" ]; then
  [ -n "${CHAINSAW_MAPPING:-}" ] || { echo "CHAINSAW_MAPPING is needed with CHAINSAW" >&2; exit 2; }
  read -r ct crss < <(measure chainsaw "$CHAINSAW" hunt "$EVTX" -s "$RULES" --mapping "$CHAINSAW_MAPPING" --json -q)
  chits=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$OUT/chainsaw.out" 2>/dev/null || echo "?")
  python3 - "$events" "$ct" "$crss" "$chits" "$yt" <<'PY'
import sys
ev, t, rss, hits, yt = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
print(f"chainsaw hunt --sigma {t:6.2f} s  {ev / t:9,.0f} events/s  {rss / 1024:6.0f} MB  {hits} hits")
print(f"yagura vs chainsaw: {t / yt:.1f}x faster")
PY
fi
