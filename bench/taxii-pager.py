"""Pages through one TAXII 2.1 collection with `limit` and `next`, the way
clients do, and prints the count, the time, the rate and the first page's
latency. The same client for every server, so the ratio compares servers.

usage: taxii-pager.py API_ROOT_URL COLLECTION LIMIT (--token T | --basic USER:PASS)
"""
import sys
import time

import requests


def main():
    base, coll, limit, how, cred = sys.argv[1:6]
    s = requests.Session()
    s.headers["Accept"] = "application/taxii+json;version=2.1"
    if how == "--token":
        s.headers["Authorization"] = f"Bearer {cred}"
    else:
        user, password = cred.split(":", 1)
        s.auth = (user, password)
    url = f"{base.rstrip('/')}/collections/{coll}/objects/"
    start = time.monotonic()
    count = pages = 0
    first = None
    nxt = None
    while True:
        params = {"limit": int(limit)}
        if nxt:
            params["next"] = nxt
        t = time.monotonic()
        r = s.get(url, params=params, timeout=7200)
        r.raise_for_status()
        body = r.json()
        if first is None:
            first = time.monotonic() - t
        count += len(body.get("objects", []))
        pages += 1
        if not body.get("more"):
            break
        nxt = body["next"]
    took = time.monotonic() - start
    print(f"{count} objects, {pages} pages, {took:.2f} s, {count / took:.0f} objects/s, "
          f"first page {first * 1000:.1f} ms")


if __name__ == "__main__":
    main()
