#!/usr/bin/env python3
"""Generates the indicator-hunting workload of issue 5, reproducibly (seeded).

    python3 bench/gen-hunt.py OUT_DIR [--mb 1024] [--seed 5]

Writes into OUT_DIR:
- logs.jsonl: ECS-style JSON lines of network connections, DNS queries, proxy
  requests and file events (about 300 bytes each; --mb sets the size);
- iocs.txt: 100,000 indicators, one per line: 40,000 IPv4, 35,000 domains,
  23,000 SHA-256, 2,000 IPv4 networks (CIDR);
- expected.json: what was planted: 1,000 exact hits (400 IPv4, 350 domains,
  250 SHA-256), 200 addresses inside the networks, 100 subdomains of indicator
  domains, and 500 decoys that contain an indicator as a substring but are not
  it (`45.1.2.3` planted as `45.1.2.34`, `evil.example` as `notevil.example`).

Background values come from ranges that no indicator covers, so the right
number of hits is exactly the planted 1,300 (one per planted event).
"""

import argparse
import json
import os
import random

WORDS = ("alpha bravo cloud delta echo forest gamma harbor iris jade kilo lumen "
         "metro nova orbit pixel quartz river sigma tango ultra vector willow xray "
         "yonder zephyr").split()
TLDS = ["net", "com", "info", "xyz", "top", "org", "io"]
UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "curl/8.5.0",
    "Microsoft-CryptoAPI/10.0",
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mb", type=int, default=1024)
    ap.add_argument("--seed", type=int, default=5)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)

    # Indicators. IPv4 in 45.0.0.0/8 and 46.0.0.0/8; networks inside
    # 185.0.0.0/8; domains `<word>-<n>.<tld>`; random SHA-256.
    ips = set()
    while len(ips) < 40_000:
        ips.add(f"{rnd.choice((45, 46))}.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}")
    ips = sorted(ips)
    nets = set()
    while len(nets) < 2_000:
        if rnd.random() < 0.8:
            nets.add((f"185.{rnd.randrange(256)}.{rnd.randrange(256)}.0", 24))
        else:
            nets.add((f"185.{rnd.randrange(256)}.{rnd.randrange(16) * 16}.0", 20))
    nets = sorted(nets)
    domains = sorted({f"{rnd.choice(WORDS)}-{n}.{rnd.choice(TLDS)}" for n in range(35_000)})
    hashes = sorted({"%064x" % rnd.getrandbits(256) for _ in range(23_000)})
    with open(os.path.join(a.out, "iocs.txt"), "w") as f:
        for v in ips + domains + hashes:
            f.write(v + "\n")
        for n, p in nets:
            f.write(f"{n}/{p}\n")
    ip_set = set(ips)

    def in_net(i):
        n, p = nets[i]
        o = [int(x) for x in n.split(".")]
        host = rnd.randrange(1, (1 << (32 - p)) - 1)
        v = (o[0] << 24 | o[1] << 16 | o[2] << 8 | o[3]) + host
        return f"{v >> 24}.{v >> 16 & 255}.{v >> 8 & 255}.{v & 255}"

    # Background: private sources, destinations in 52.0.0.0/8..54.0.0.0/8,
    # domains under example.com/.org, random hashes (never an indicator's).
    def bg_src():
        return f"10.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}"

    def bg_dst():
        return f"{rnd.choice((52, 53, 54))}.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}"

    def bg_domain():
        return f"{rnd.choice(('www', 'cdn', 'api', 'mail'))}{rnd.randrange(5000)}.{rnd.choice(WORDS)}.example.{rnd.choice(('com', 'org'))}"

    def decoy_ip():
        while True:
            v = rnd.choice(ips) + str(rnd.randrange(10))
            last = int(v.rsplit(".", 1)[1])
            if last < 256 and v not in ip_set:
                return v

    target = a.mb * 1024 * 1024
    # Plan the planted events by position: spread over the file.
    est_lines = target // 300
    plan = {}
    kinds = (["ip"] * 400 + ["domain"] * 350 + ["hash"] * 250 + ["cidr"] * 200
             + ["sub"] * 100 + ["decoy-ip"] * 300 + ["decoy-domain"] * 200)
    slots = rnd.sample(range(10, max(est_lines - 10, len(kinds) + 20)), len(kinds))
    for s, k in zip(slots, kinds):
        plan[s] = k
    planted = {"exact": 0, "cidr": 0, "subdomain": 0, "decoy": 0}
    written = 0
    line = 0
    t0 = 1_764_460_800  # 2025-11-30T00:00:00Z
    with open(os.path.join(a.out, "logs.jsonl"), "w") as f:
        while written < target or line <= max(plan, default=0):
            kind = plan.get(line)
            ts = t0 + line // 40
            stamp = f"2025-11-30T{ts // 3600 % 24:02d}:{ts // 60 % 60:02d}:{ts % 60:02d}.{line % 1000:03d}Z"
            src, dst, dom = bg_src(), bg_dst(), bg_domain()
            sha = "%064x" % rnd.getrandbits(256)
            ev = rnd.randrange(4)
            if kind == "ip":
                dst, ev = rnd.choice(ips), 0
                planted["exact"] += 1
            elif kind == "cidr":
                dst, ev = in_net(rnd.randrange(len(nets))), 0
                planted["cidr"] += 1
            elif kind == "decoy-ip":
                dst, ev = decoy_ip(), 0
                planted["decoy"] += 1
            elif kind == "domain":
                dom, ev = rnd.choice(domains), 1
                planted["exact"] += 1
            elif kind == "sub":
                dom, ev = f"{rnd.choice(('login', 'cdn', 'x1'))}.{rnd.choice(domains)}", 1
                planted["subdomain"] += 1
            elif kind == "decoy-domain":
                dom, ev = "not" + rnd.choice(domains), 1
                planted["decoy"] += 1
            elif kind == "hash":
                sha, ev = rnd.choice(hashes), 3
                planted["exact"] += 1
            if ev == 0:
                rec = (f'{{"@timestamp":"{stamp}","event":{{"dataset":"network.connection","action":"allowed"}},'
                       f'"source":{{"ip":"{src}","port":{rnd.randrange(1024, 65535)}}},'
                       f'"destination":{{"ip":"{dst}","port":{rnd.choice((443, 80, 53, 8443))}}},'
                       f'"network":{{"transport":"tcp","bytes":{rnd.randrange(100, 10**6)}}},'
                       f'"host":{{"name":"ws-{rnd.randrange(2000):04d}.corp.example.com"}},"observer":{{"vendor":"fw","product":"edge"}}}}')
            elif ev == 1:
                rec = (f'{{"@timestamp":"{stamp}","event":{{"dataset":"dns","action":"query"}},'
                       f'"source":{{"ip":"{src}"}},"destination":{{"ip":"10.0.0.53","port":53}},'
                       f'"dns":{{"question":{{"name":"{dom}","type":"A"}},"response_code":"NOERROR",'
                       f'"answers":[{{"data":"{bg_dst()}","type":"A","ttl":300}}]}}}}')
            elif ev == 2:
                rec = (f'{{"@timestamp":"{stamp}","event":{{"dataset":"proxy"}},"source":{{"ip":"{src}"}},'
                       f'"url":{{"full":"https://{bg_domain()}/{rnd.choice(WORDS)}/{rnd.randrange(10**6)}.js"}},'
                       f'"http":{{"request":{{"method":"GET"}},"response":{{"status_code":200,"bytes":{rnd.randrange(10**5)}}}}},'
                       f'"user_agent":{{"original":"{rnd.choice(UAS)}"}}}}')
            else:
                rec = (f'{{"@timestamp":"{stamp}","event":{{"dataset":"file","action":"creation"}},'
                       f'"host":{{"name":"ws-{rnd.randrange(2000):04d}.corp.example.com"}},'
                       f'"file":{{"path":"C:\\\\Users\\\\u{rnd.randrange(500)}\\\\Downloads\\\\{rnd.choice(WORDS)}{rnd.randrange(999)}.pdf",'
                       f'"hash":{{"sha256":"{sha}"}}}},"user":{{"name":"user{rnd.randrange(900)}"}}}}')
            f.write(rec)
            f.write("\n")
            written += len(rec) + 1
            line += 1
    expected = {
        "lines": line,
        "bytes": written,
        "indicators": {"ipv4": len(ips), "domain": len(domains), "sha256": len(hashes), "cidr": len(nets)},
        "planted": planted,
        "hits": planted["exact"] + planted["cidr"] + planted["subdomain"],
    }
    with open(os.path.join(a.out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print(json.dumps(expected))


if __name__ == "__main__":
    main()
