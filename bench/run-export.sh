#!/usr/bin/env bash
# Export speed: N generated STIX indicators (default 1,000,000) imported,
# then exported to their producer in each format, every object decided by
# the sharing policy and audited, timed with peak memory; then the audit
# log verified.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
cargo build --release -p yagura
cargo build --release -p yagura-store --example gen-indicators
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
y() { target/release/yagura --data "$work/d" "$@"; }
target/release/examples/gen-indicators "$n" > "$work/indicators.json"
y import --org producer "$work/indicators.json" > /dev/null
y org add producer --jurisdiction JP 2> /dev/null
y org add outsider --jurisdiction US 2> /dev/null
for format in stix misp csv lines; do
  echo "== $n indicators as $format, to their producer"
  /usr/bin/time -f "%e s, peak RSS %M KB" target/release/yagura --data "$work/d" export --to producer --format "$format" -o "$work/out.$format"
  ls -l "$work/out.$format" | awk '{ print $5 " bytes" }'
done
echo "== $n indicators (TLP:GREEN) refused to an outsider outside the community"
/usr/bin/time -f "%e s, peak RSS %M KB" target/release/yagura --data "$work/d" export --to outsider --format lines -o "$work/none"
echo "== audit verify"
/usr/bin/time -f "%e s, peak RSS %M KB" target/release/yagura --data "$work/d" audit verify
