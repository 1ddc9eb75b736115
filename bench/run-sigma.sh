#!/usr/bin/env bash
# Sigma over EVTX (issue 6): `yagura hunt --sigma` with SigmaHQ's Windows
# rules over ../shared/data/evtx, and in the same run:
# - the same rules and files through Chainsaw when CHAINSAW points to its
#   binary (and CHAINSAW_MAPPING to its `mappings/sigma-event-logs-all.yml`);
# - Hayabusa with its own rule set when HAYABUSA points to its binary and
#   HAYABUSA_RULES to its rules folder (hayabusa-rules: `sigma/`,
#   `hayabusa/`, `config/`), as it runs by default, and then Hayabusa (every
#   rule enabled) and Yagura each with that set's `sigma/` folder alone (the
#   same rules for both; the hits of this pair are compared per rule by
#   bench/agree-hayabusa.py).
#
#   bench/run-sigma.sh [RUNS]                (default 5 runs each)
#   CHAINSAW=/path/to/chainsaw CHAINSAW_MAPPING=/path/to/mapping.yml \
#   HAYABUSA=/path/to/hayabusa HAYABUSA_RULES=/path/to/rules bench/run-sigma.sh 3
#
# Chainsaw and Hayabusa are built by whoever runs this, from their public
# source, outside this repository: this script only runs binaries it is
# given. Prints the median wall time of each tool, events per second, peak
# RSS and the number of hits.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
SHARED=$(cd .. && pwd)/shared/data
RULES=${RULES:-$SHARED/sigma/rules/windows}
EVTX=${EVTX:-$SHARED/evtx}
[ -d "$RULES" ] && [ -d "$EVTX" ] || { echo "needs $RULES and $EVTX" >&2; exit 2; }
cargo build --release --quiet -p yagura
Y=target/release/yagura
# Every tool's output on a memory file system when there is one: each run
# rewrites its output file, and on this machine's ext4 disk writing a few
# MB to a file cost 0-60 ms more than a pipe or /dev/null, run to run (the
# disk's writeback, and ext4 flushing at close a file truncated and written
# again), which is the disk's time, not the tool's.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  OUT=/dev/shm/yagura-sigma-bench
else
  OUT=target/sigma-bench
fi
mkdir -p "$OUT"
# The EVTX files alone (the folder also holds READMEs), warm in the cache.
mapfile -t FILES < <(find "$EVTX" -name '*.evtx' | sort)
cat "${FILES[@]}" > /dev/null
# The rule files too (every tool reads them), in the cache.
warm() { find "$@" -type f -print0 | xargs -0 cat > /dev/null; }
warm "$RULES"
[ -z "${HAYABUSA_RULES:-}" ] || warm "$HAYABUSA_RULES"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# tool-name command... -> "seconds peak-kB". Wall time by the shell's
# microsecond clock (GNU time's %e has 10 ms steps, too coarse for runs
# of a fifth of a second), peak RSS by GNU time.
measure() {
  local name=$1 start end; shift
  for _ in $(seq "$RUNS"); do
    start=$EPOCHREALTIME
    /usr/bin/time -f "%M" -o "$OUT/$name.time" "$@" > "$OUT/$name.out" 2> "$OUT/$name.err" || true
    end=$EPOCHREALTIME
    echo "$(echo "$end - $start" | bc -l) $(tail -1 "$OUT/$name.time")"
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
print(f"yagura hunt --sigma   {t:6.3f} s  {ev / t:9,.0f} events/s  {rss / 1024:6.0f} MB  {hits} hits")
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
if [ -n "${HAYABUSA:-}" ]; then
  [ -n "${HAYABUSA_RULES:-}" ] || { echo "HAYABUSA_RULES is needed with HAYABUSA" >&2; exit 2; }
  # json-timeline over the folder, quiet, no wizard, overwriting its output.
  hb=(json-timeline -d "$EVTX" -c "$HAYABUSA_RULES/config" -L -w -q -C -K -N -Q)
  read -r ht hrss < <(measure hayabusa "$HAYABUSA" "${hb[@]}" -r "$HAYABUSA_RULES" -o "$OUT/hayabusa.jsonl")
  hhits=$(wc -l < "$OUT/hayabusa.jsonl")
  # The sigma/ folder with every rule enabled (noisy, deprecated and
  # unsupported ones too, as Yagura runs whatever the folder holds).
  read -r hst hsrss < <(measure hayabusa-sigma "$HAYABUSA" "${hb[@]}" -n -D -u -r "$HAYABUSA_RULES/sigma" -o "$OUT/hayabusa-sigma.jsonl")
  hshits=$(wc -l < "$OUT/hayabusa-sigma.jsonl")
  read -r yst ysrss < <(measure yagura-hsigma "$Y" hunt --quiet --output jsonl --sigma "$HAYABUSA_RULES/sigma" "${FILES[@]}")
  yshits=$(wc -l < "$OUT/yagura-hsigma.out")
  yloaded=$(grep -o '[0-9]* rules run, [0-9]* cannot run' "$OUT/yagura-hsigma.err" | tail -1 || true)
  python3 - "$events" "$yt" "$ht" "$hrss" "$hhits" "$hst" "$hsrss" "$hshits" "$yst" "$ysrss" "$yshits" "$yloaded" <<'PY'
import sys
a = sys.argv[1:]
ev, yt = int(a[0]), float(a[1])
ht, hrss, hhits, hst, hsrss, hshits, yst, ysrss, yshits = a[2:11]
ht, hst, yst = float(ht), float(hst), float(yst)
print(f"hayabusa, its rules    {ht:6.2f} s  {ev / ht:9,.0f} events/s  {int(hrss) / 1024:6.0f} MB  {hhits} hits")
print(f"yagura (SigmaHQ) vs hayabusa (its rules): {ht / yt:.1f}x faster")
print(f"hayabusa, its sigma/   {hst:6.2f} s  {ev / hst:9,.0f} events/s  {int(hsrss) / 1024:6.0f} MB  {hshits} hits")
print(f"yagura, the same sigma/ {yst:5.3f} s  {ev / yst:9,.0f} events/s  {int(ysrss) / 1024:6.0f} MB  {yshits} hits ({a[11]})")
print(f"same rules: yagura vs hayabusa: {hst / yst:.1f}x faster")
PY
  python3 bench/agree-hayabusa.py "$OUT/hayabusa-sigma.jsonl" "$OUT/yagura-hsigma.out" "$HAYABUSA_RULES/config/exclude_rules.txt"
fi
