-- The audit log in runs: the consecutive decisions of one request (same
-- time, recipient and channel, at most 1,000) are one row, so a TAXII page
-- of 1,000 objects appends one row instead of 1,000 rows and their index
-- entries. Every record keeps its place (`first_seq` .. `last_seq`) and
-- its own hash: `entries` is a JSON array of
-- [object_id, version, allow, reason, hash], one per record in seq order;
-- `prev_hash` is the hash of the record before the first (GENESIS for the
-- log's first record); `hash` repeats the last record's hash, so an append
-- reads the head without parsing the run. Append-only: nothing updates or
-- deletes rows.
CREATE TABLE audit_runs (
    first_seq  INTEGER NOT NULL PRIMARY KEY,
    last_seq   INTEGER NOT NULL,
    at         TEXT    NOT NULL,
    recipient  TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    prev_hash  TEXT    NOT NULL,
    entries    TEXT    NOT NULL,
    hash       TEXT    NOT NULL
);
CREATE INDEX audit_runs_recipient ON audit_runs (recipient, first_seq);

-- Records written before runs existed become runs of one, hashes unchanged.
INSERT INTO audit_runs (first_seq, last_seq, at, recipient, channel, prev_hash, entries, hash)
SELECT seq, seq, at, recipient, channel, prev_hash,
       json_array(json_array(object_id, version,
                             json(CASE WHEN allow = 1 THEN 'true' ELSE 'false' END),
                             reason, hash)),
       hash
FROM audit ORDER BY seq;
DROP TABLE audit;
