#!/usr/bin/env bash
# Builds yagura, installs the OASIS Python reference libraries into
# target/bench-venv, and runs bench/patterns.py (yagura vs the reference on
# the same oracle patterns). Needs ../shared/conformance beside the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p yagura
venv=target/bench-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q stix2-patterns==2.1.2 stix2-matcher==3.0.0
fi
"$venv/bin/python" bench/patterns.py "$@"
