#!/usr/bin/env bash
# TAXII at scale on Yagura alone: N generated indicators (default
# 1,000,000) in one collection, paged in full with pages of 1,000 by
# bench/taxii-pager.py, then wrk (Debian package) with 64 connections for
# 20 s on GET objects (pages of LIMIT, default 100), latency percentiles.
# The server binds 127.0.0.1 and is stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
limit=${LIMIT:-100}
command -v wrk > /dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 2; }
cargo build --release -p yagura
cargo build --release -p yagura-store --example gen-indicators
venv=target/bench-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check requests
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2> /dev/null; rm -rf "$work"; }
trap cleanup EXIT
target/release/examples/gen-indicators "$n" > "$work/indicators.json"
source bench/taxii-hub.sh
target/release/yagura --data "$work/y" serve --listen 127.0.0.1:18482 > "$work/yagura.log" 2>&1 &
pid=$!
wait_port 18482
echo "== full paging of $n objects, pages of 1,000"
"$venv/bin/python" bench/taxii-pager.py http://127.0.0.1:18482/hub bench 1000 --token "$token"
echo "== wrk: 64 connections, 20 s, GET objects?limit=$limit"
wrk -t2 -c64 -d20s --latency \
  -H "Authorization: Bearer $token" -H "Accept: application/taxii+json;version=2.1" \
  "http://127.0.0.1:18482/hub/collections/bench/objects/?limit=$limit"
