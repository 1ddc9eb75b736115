#!/usr/bin/env python3
"""Side-by-side: the yagura binary against the OASIS Python reference
(stix2-patterns 2.1.2 validate, stix2-matcher 3.0.0 match) on the same
oracle patterns, in one run. Prints throughputs and the ratio.

Usage: bench/patterns.py [--rounds N]   (run by bench/run-patterns.sh,
which installs the reference libraries into a venv and builds yagura).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ORACLE = os.path.join(ROOT, "..", "shared", "conformance", "stix")
YAGURA = os.path.join(ROOT, "target", "release", "yagura")


def load_cases():
    with open(os.path.join(ORACLE, "stix_pattern_validity.json")) as f:
        validity = [
            {"pattern": p["pattern"], "stix_version": p["stix_version"]}
            for p in json.load(f)["patterns"]
        ]
    with open(os.path.join(ORACLE, "stix_pattern_matcher_cases.json")) as f:
        m = json.load(f)
    matching = [
        {
            "pattern": c["pattern"],
            "stix_version": c["stix_version"],
            "observations": m["observation_sets"][c["observations"]] if c["observations"] else [],
        }
        for c in m["cases"]
    ]
    return validity, matching


def python_check(cases):
    from stix2patterns.validator import validate

    out = []
    for c in cases:
        try:
            out.append(bool(validate(c["pattern"], stix_version=c["stix_version"])))
        except Exception:  # the reference raises on some inputs
            out.append(False)
    return out


def python_match(cases):
    from stix2matcher.matcher import match
    from stix2patterns.pattern import ParseException

    out = []
    for c in cases:
        try:
            out.append("match" if match(c["pattern"], c["observations"], stix_version=c["stix_version"]) else "no_match")
        except ParseException:
            out.append("parse_error")
        except Exception:
            out.append("match_error")
    return out


def yagura(subcommand, path):
    start = time.perf_counter()
    res = subprocess.run([YAGURA, "pattern", subcommand, "--jsonl", path], check=True, capture_output=True)
    return time.perf_counter() - start, res.stdout.decode().splitlines()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10, help="copies of the oracle per run")
    args = ap.parse_args()
    validity, matching = load_cases()
    validity *= args.rounds
    matching *= args.rounds
    with tempfile.TemporaryDirectory() as tmp:
        vpath = os.path.join(tmp, "check.jsonl")
        mpath = os.path.join(tmp, "match.jsonl")
        with open(vpath, "w") as f:
            f.writelines(json.dumps(c) + "\n" for c in validity)
        with open(mpath, "w") as f:
            f.writelines(json.dumps(c) + "\n" for c in matching)

        start = time.perf_counter()
        py_valid = python_check(validity)
        py_check_s = time.perf_counter() - start
        y_check_s, y_valid = yagura("check", vpath)
        agree = sum(json.loads(l)["valid"] == p for l, p in zip(y_valid, py_valid))

        start = time.perf_counter()
        py_res = python_match(matching)
        py_match_s = time.perf_counter() - start
        y_match_s, y_res = yagura("match", mpath)
        agree_m = sum(json.loads(l)["result"] == p for l, p in zip(y_res, py_res))

    print(f"pattern check: {len(validity)} patterns; python {py_check_s:.3f} s, yagura {y_check_s:.3f} s "
          f"(whole process, JSON I/O included); ratio {py_check_s / y_check_s:.0f}x; agreement {agree}/{len(validity)}")
    print(f"pattern match: {len(matching)} cases; python {py_match_s:.3f} s, yagura {y_match_s:.3f} s "
          f"(whole process, JSON I/O included); ratio {py_match_s / y_match_s:.0f}x; agreement {agree_m}/{len(matching)}")


if __name__ == "__main__":
    sys.exit(main())
