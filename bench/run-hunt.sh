#!/usr/bin/env bash
# Indicator hunting over 1 GB of JSON lines against ripgrep and wc -l, on the
# same file, in one run (issue 5).
#
#   bench/run-hunt.sh [MB] [RUNS]      (defaults: 1024 MB, 3 runs each)
#
# Generates the workload with bench/gen-hunt.py into target/hunt-bench (kept
# between runs), reads the file once to have it in the page cache, then times
# `wc -l`, `rg -F -f iocs.txt --count` (ripgrep: `cargo install ripgrep`) and
# `yagura hunt --iocs iocs.txt`, each RUNS times, and prints the median of each
# with ratios, the hit counts against what was planted, and Yagura's peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-1024}
RUNS=${2:-3}
OUT=target/hunt-bench/$MB
if [ ! -f "$OUT/expected.json" ]; then
  python3 bench/gen-hunt.py "$OUT" --mb "$MB" >/dev/null
fi
cargo build --release --quiet -p yagura
YAGURA=target/release/yagura
RG=$(command -v rg || echo "$HOME/.cargo/bin/rg")
[ -x "$RG" ] || { echo "ripgrep not found: cargo install ripgrep" >&2; exit 2; }
LOGS=$OUT/logs.jsonl
cat "$LOGS" >/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timeit() { # command... -> seconds (wall)
  local s e
  s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N)
  echo "$e - $s" | bc -l
}
declare -A T
for tool in wc rg yagura; do
  for _ in $(seq "$RUNS"); do
    case $tool in
      wc) timeit wc -l "$LOGS" ;;
      rg) timeit "$RG" -F -f "$OUT/iocs.txt" --count "$LOGS" ;;
      yagura) timeit "$YAGURA" hunt --quiet --output jsonl --iocs "$OUT/iocs.txt" "$LOGS" ;;
    esac
  done | median > "$OUT/$tool.time"
  T[$tool]=$(cat "$OUT/$tool.time")
done
RG_COUNT=$("$RG" -F -f "$OUT/iocs.txt" --count "$LOGS")
Y_COUNT=$("$YAGURA" hunt --quiet --output jsonl --iocs "$OUT/iocs.txt" "$LOGS" | wc -l)
RSS=$( { /usr/bin/time -f "%M" "$YAGURA" hunt --quiet --output jsonl --iocs "$OUT/iocs.txt" "$LOGS" >/dev/null; } 2>&1 | tail -1)
BYTES=$(stat -c %s "$LOGS")
python3 - "$OUT/expected.json" "$BYTES" "${T[wc]}" "${T[rg]}" "${T[yagura]}" "$RG_COUNT" "$Y_COUNT" "$RSS" <<'PY'
import json, sys
exp = json.load(open(sys.argv[1]))
b, wc, rg, y = int(sys.argv[2]), *map(float, sys.argv[3:6])
rgc, yc, rss = int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
gb = b / 1e9
print(f"file: {b/1e6:.0f} MB, {exp['lines']:,} lines; planted hits: {exp['hits']} "
      f"({exp['planted']['exact']} exact, {exp['planted']['cidr']} in networks, "
      f"{exp['planted']['subdomain']} subdomains) and {exp['planted']['decoy']} substring decoys")
for name, t in (("wc -l", wc), ("rg -F -f iocs.txt --count", rg), ("yagura hunt", y)):
    print(f"{name:28} {t:7.2f} s  {gb/t:5.2f} GB/s")
print(f"yagura vs rg: {rg/y:.1f}x faster; vs wc -l: {wc/y:.2f} of its speed")
print(f"hits: yagura {yc} (expected {exp['hits']}), rg {rgc} lines "
      f"(misses the {exp['planted']['cidr']} network hits, counts the {exp['planted']['decoy']} decoys)")
print(f"yagura peak RSS: {rss/1024:.0f} MB")
PY
