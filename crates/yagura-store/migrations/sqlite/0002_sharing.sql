-- Partner organizations: where each is (residency is checked against it)
-- and whether it belongs to the hub's community (TLP:GREEN).
CREATE TABLE orgs (
    name          TEXT    NOT NULL PRIMARY KEY,
    jurisdiction  TEXT    NOT NULL,
    sector        TEXT,
    community     INTEGER NOT NULL
);

-- Collections and their explicit audience (TLP:AMBER reaches it), as a
-- comma-separated list of organization names.
CREATE TABLE collections (
    id           TEXT NOT NULL PRIMARY KEY,
    title        TEXT NOT NULL,
    description  TEXT,
    audience     TEXT NOT NULL
);

-- Every sharing decision, hash-chained: `hash` covers `prev_hash` and the
-- record's fields. Append-only: nothing updates or deletes rows. Indexed by
-- recipient only: an index on object_id (random ids) made appends 2x slower,
-- so listing by object scans.
CREATE TABLE audit (
    seq        INTEGER NOT NULL PRIMARY KEY,
    at         TEXT    NOT NULL,
    recipient  TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    object_id  TEXT    NOT NULL,
    version    TEXT    NOT NULL,
    allow      INTEGER NOT NULL,
    reason     TEXT    NOT NULL,
    prev_hash  TEXT    NOT NULL,
    hash       TEXT    NOT NULL
);
CREATE INDEX audit_recipient ON audit (recipient, seq);
