#!/usr/bin/env bash
# Import speed: N generated STIX indicators (default 1,000,000) and the
# ATT&CK bundle into a fresh embedded store, timed with peak memory; then
# exact value lookup latency among the N indicators.
# Needs ../shared/data/attack for the ATT&CK part (skipped when absent).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
cargo build --release -p yagura
cargo build --release -p yagura-store --example gen-indicators --example lookup-latency
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/examples/gen-indicators "$n" > "$work/indicators.json"
echo "== $n generated indicators ($(du -h "$work/indicators.json" | cut -f1))"
/usr/bin/time -f "%e s, peak RSS %M KB" target/release/yagura --data "$work/a" import "$work/indicators.json"
echo "== exact value lookups among the $n indicators"
target/release/examples/lookup-latency "$work/a" "$n" 10000
echo "== the same again (all unchanged)"
/usr/bin/time -f "%e s, peak RSS %M KB" target/release/yagura --data "$work/a" import "$work/indicators.json" | grep '^total'
# An abuse.ch-sized plain list: the same number of IPv4 addresses, one per line.
python3 -c "
import sys
n = int(sys.argv[1])
with open(sys.argv[2], 'w') as f:
    for i in range(n):
        f.write(f'{1 + (i >> 16) % 223}.{(i >> 8) & 255}.{i & 255}.{(i * 7) & 255}\\n')
" "$n" "$work/list.txt"
echo "== $n IPv4 addresses as a plain list"
/usr/bin/time -f "%e s, peak RSS %M KB" target/release/yagura --data "$work/c" import "$work/list.txt" | grep '^total'

attack=../shared/data/attack/enterprise-attack.json.gz
if [ -f "$attack" ]; then
  echo "== ATT&CK"
  /usr/bin/time -f "%e s, peak RSS %M KB" target/release/yagura --data "$work/b" import "$attack" | grep '^total'
else
  echo "skipped ATT&CK: $attack is absent"
fi
