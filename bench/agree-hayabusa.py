#!/usr/bin/env python3
"""Hits of Hayabusa and Yagura on the same rules, compared per rule.

    bench/agree-hayabusa.py HAYABUSA.jsonl YAGURA.jsonl [exclude_rules.txt]

HAYABUSA.jsonl is `hayabusa json-timeline -L` output, YAGURA.jsonl is
`yagura hunt --sigma … --output jsonl` output over the same EVTX files with
the same rule folder. A hit is (rule id, computer, EventRecordID, EventID; rows of Sigma 1
aggregations and correlations without the record),
counted with multiplicity. Rules Hayabusa's `exclude_rules.txt` switches off
are left out of both. Prints the totals, then the rules whose hits differ,
most different first, with each side's count.
"""
import collections
import json
import re
import sys


def hayabusa(path):
    hits, titles = collections.Counter(), {}
    for line in open(path, encoding="utf-8"):
        if not line.strip():
            continue
        d = json.loads(line)
        hits[(d["RuleID"], d["Computer"], str(d.get("RecordID", "-")), str(d["EventID"]))] += 1
        titles[d["RuleID"]] = d["RuleTitle"]
    return hits, titles


def yagura(path):
    hits, titles = collections.Counter(), {}
    for line in open(path, encoding="utf-8"):
        d = json.loads(line)
        if "rule_id" not in d:
            continue
        # A correlation's row (its details start with the count) is placed
        # at its window's last hit; Hayabusa's aggregation rows have no
        # record: both are compared without one.
        record = "-" if d.get("details", "").startswith("count: ") else str(d.get("record"))
        hits[(d["rule_id"], d["computer"], record, str(d["event_id"]))] += 1
        titles[d["rule_id"]] = d["rule"]
    return hits, titles


def main():
    h, ht = hayabusa(sys.argv[1])
    y, yt = yagura(sys.argv[2])
    excluded = set()
    if len(sys.argv) > 3:
        for line in open(sys.argv[3], encoding="utf-8"):
            m = re.match(r"\s*([0-9a-f-]{36})", line)
            if m:
                excluded.add(m.group(1))
    h = collections.Counter({k: v for k, v in h.items() if k[0] not in excluded})
    y = collections.Counter({k: v for k, v in y.items() if k[0] not in excluded})
    common = sum((h & y).values())
    only_h, only_y = h - y, y - h
    rules = set(k[0] for k in h) | set(k[0] for k in y)
    per_h = collections.Counter(k[0] for k in only_h.elements())
    per_y = collections.Counter(k[0] for k in only_y.elements())
    differ = sorted(set(per_h) | set(per_y), key=lambda r: -(per_h[r] + per_y[r]))
    print(
        f"hits: hayabusa {sum(h.values())}, yagura {sum(y.values())}, common {common}; "
        f"only hayabusa {sum(only_h.values())}, only yagura {sum(only_y.values())}"
    )
    print(f"rules with hits: {len(rules)}, identical: {len(rules) - len(differ)}, differing: {len(differ)}")
    print(f"(rules switched off by {sys.argv[3] if len(sys.argv) > 3 else 'nothing'}: {len(excluded)})")
    for r in differ:
        print(f"  {r}  only hayabusa {per_h[r]:4}  only yagura {per_y[r]:4}  {ht.get(r) or yt.get(r)}")


main()
