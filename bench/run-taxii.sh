#!/usr/bin/env bash
# TAXII paging: N generated STIX indicators (default 20,000) in one
# collection, paged with pages of 1,000 by the same Python client
# (bench/taxii-pager.py) from Yagura and from medallion 3.0.0 (memory
# backend, pip-installed into target/bench-venv). medallion is stopped after
# MEDALLION_TIMEOUT seconds (default 3600). Both servers bind 127.0.0.1 and
# are stopped by their PIDs.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
timeout_s=${MEDALLION_TIMEOUT:-3600}
cargo build --release -p yagura
cargo build --release -p yagura-store --example gen-indicators
venv=target/bench-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check medallion==3.0.0 requests
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
target/release/examples/gen-indicators "$n" > "$work/indicators.json"

echo "== Yagura: $n objects"
source bench/taxii-hub.sh
# Started directly (not through the function) so that $! is the server's PID.
target/release/yagura --data "$work/y" serve --listen 127.0.0.1:18480 > "$work/yagura.log" 2>&1 &
pids+=($!)
wait_port 18480
"$venv/bin/python" bench/taxii-pager.py http://127.0.0.1:18480/hub bench 1000 --token "$token" | tee "$work/yagura.out"

echo "== medallion 3.0.0: $n objects"
"$venv/bin/python" - "$work/indicators.json" "$work/medallion-data.json" "$work/medallion.json" << 'PY'
import json, sys, datetime
objects = json.load(open(sys.argv[1]))["objects"]
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
manifest = [{"id": o["id"], "date_added": now, "version": o["modified"],
             "media_type": "application/stix+json;version=2.1"} for o in objects]
data = {
    "/discovery": {"title": "bench", "default": "http://127.0.0.1:18481/api1/",
                   "api_roots": ["http://127.0.0.1:18481/api1/"]},
    "api1": {"information": {"title": "bench", "versions": ["application/taxii+json;version=2.1"],
                             "max_content_length": 10485760},
             "status": [],
             "collections": [{"id": "bench", "title": "bench", "can_read": True, "can_write": True,
                              "media_types": ["application/stix+json;version=2.1"],
                              "objects": objects, "manifest": manifest}]},
}
json.dump(data, open(sys.argv[2], "w"))
json.dump({"backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend", "filename": sys.argv[2]},
           "users": {"bench": "bench-password"},
           "taxii": {"max_page_size": 1000}}, open(sys.argv[3], "w"))
PY
"$venv/bin/medallion" --host 127.0.0.1 --port 18481 "$work/medallion.json" > "$work/medallion.log" 2>&1 &
pids+=($!)
wait_port 18481
if timeout "$timeout_s" "$venv/bin/python" bench/taxii-pager.py http://127.0.0.1:18481/api1 bench 1000 --basic bench:bench-password | tee "$work/medallion.out"; then
  python3 - "$work/yagura.out" "$work/medallion.out" << 'PY'
import re, sys
rate = lambda f: float(re.search(r"([\d.]+) s,", open(f).read()).group(1))
y, m = rate(sys.argv[1]), rate(sys.argv[2])
print(f"== full paging: Yagura {y:.2f} s, medallion {m:.2f} s: Yagura {m / y:.0f}x faster")
PY
else
  echo "medallion did not finish within ${timeout_s} s"
fi
