"""What SQLite itself can do with an import, without Yagura: the rows that
`yagura import` writes for a bundle of generated indicators (see
gen-indicators), inserted from C-backed Python executemany in one
transaction with the store's pragmas (WAL, synchronous=NORMAL, 64 MB
cache), timed to the end of the checkpoint on close. Parsing is done before
the clock starts, so each figure is a ceiling for the storage part alone.

  table-only  one rowid table with the object columns and body, no index
  yagura      the store's migrations as shipped: objects (with its key and
              four secondary indexes), object_values, object_text (FTS5)
  lean        64-bit hashed keys instead of text keys (id, value), two
              secondary indexes, contentless FTS5 with detail=none

usage: sqlite-floor.py BUNDLE.json [VARIANT...]
"""
import glob
import json
import os
import sqlite3
import sys
import tempfile
import time

MIGRATIONS = os.path.join(os.path.dirname(__file__), "..", "crates", "yagura-store", "migrations", "sqlite")
ADDED = "2026-12-01T00:00:00.000000000Z"


def rows_of(path):
    """The bundle's objects as (object, body) from gen-indicators' layout:
    one object per line."""
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip().lstrip(",")
            if line.startswith('{"type":"bundle"'):
                line = line.split('"objects":[', 1)[1]
            if not line.startswith('{"'):
                continue
            out.append((json.loads(line), line))
    return out


def key(text):
    return hash(text) & ((1 << 62) - 1)


def connect(db):
    c = sqlite3.connect(db, isolation_level=None)
    for p in ["journal_mode=WAL", "synchronous=NORMAL", "temp_store=MEMORY", "cache_size=-65536"]:
        c.execute("PRAGMA " + p)
    return c


def version(o):
    return o["modified"].replace("Z", "000000Z")


def value(o):
    return o["pattern"].split("'")[-2]


def table_only(c, objs):
    c.execute("CREATE TABLE objects (id TEXT, version TEXT, type TEXT, is_current INT, revoked INT, "
              "producer TEXT, tlp TEXT, residency TEXT, collection TEXT, date_added TEXT, body TEXT)")
    c.execute("BEGIN")
    c.executemany("INSERT INTO objects VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                  [(o["id"], version(o), o["type"], 1, 0, None, "green", None, "c", ADDED, b) for o, b in objs])
    c.execute("COMMIT")


def yagura(c, objs):
    for m in sorted(glob.glob(os.path.join(MIGRATIONS, "*.sql"))):
        c.executescript(open(m).read())
    c.execute("BEGIN")
    c.executemany("INSERT INTO objects (id, version, type, is_current, revoked, producer, tlp, residency, "
                  "collection, date_added, body) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                  [(o["id"], version(o), o["type"], 1, 0, None, "green", None, "c", ADDED, b) for o, b in objs])
    c.executemany("INSERT INTO object_values VALUES (?,?,?)", [(value(o), "v", o["id"]) for o, _ in objs])
    c.executemany("INSERT INTO object_text (rowid, name, description) VALUES (?, ?, '')",
                  [(i + 1, o["name"]) for i, (o, _) in enumerate(objs)])
    c.execute("COMMIT")


def lean(c, objs):
    c.execute("CREATE TABLE objects (k INT, id TEXT, version TEXT, type TEXT, is_current INT, revoked INT, "
              "producer TEXT, tlp TEXT, residency TEXT, collection TEXT, date_added TEXT, body TEXT)")
    c.execute("CREATE INDEX objects_k ON objects (k)")
    c.execute("CREATE INDEX objects_collection ON objects (collection)")
    c.execute("CREATE INDEX objects_type ON objects (type) WHERE is_current = 1")
    c.execute("CREATE TABLE vals (k INT, obj INT, PRIMARY KEY (k, obj)) WITHOUT ROWID")
    c.execute("CREATE VIRTUAL TABLE object_text USING fts5(name, description, content='', detail=none)")
    c.execute("BEGIN")
    c.executemany("INSERT INTO objects VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                  [(key(o["id"]), o["id"], version(o), o["type"], 1, 0, None, "green", None, "c", ADDED, b)
                   for o, b in objs])
    c.executemany("INSERT INTO vals VALUES (?, ?)", [(key(value(o)), i + 1) for i, (o, _) in enumerate(objs)])
    c.executemany("INSERT INTO object_text (rowid, name, description) VALUES (?, ?, '')",
                  [(i + 1, o["name"]) for i, (o, _) in enumerate(objs)])
    c.execute("COMMIT")


VARIANTS = {"table-only": table_only, "yagura": yagura, "lean": lean}


def main():
    objs = rows_of(sys.argv[1])
    for name in sys.argv[2:] or list(VARIANTS):
        with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(sys.argv[1]))) as d:
            c = connect(os.path.join(d, "floor.db"))
            start = time.monotonic()
            VARIANTS[name](c, objs)
            c.close()
            took = time.monotonic() - start
            print(f"sqlite floor {name:10s}: {len(objs)} objects in {took:.2f} s = {len(objs) / took:,.0f} objects/s")


if __name__ == "__main__":
    main()
