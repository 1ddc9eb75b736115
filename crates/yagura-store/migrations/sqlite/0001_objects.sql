-- Every version of every object. A version is (id, version): `version` is
-- the object's `modified` (else `created`, else '') written so that text
-- order is time order. Exactly one version per id has is_current = 1.
CREATE TABLE objects (
    id          TEXT    NOT NULL,
    version     TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    is_current  INTEGER NOT NULL,
    revoked     INTEGER NOT NULL,
    producer    TEXT,
    tlp         TEXT,
    residency   TEXT,
    collection  TEXT,
    date_added  TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX objects_current_type ON objects (type) WHERE is_current = 1;
CREATE INDEX objects_date_added ON objects (date_added);
CREATE INDEX objects_collection ON objects (collection, date_added);

-- Exact values current objects look for (indicators) or are (observables).
-- Rows of a superseded version are deleted by their full key, recomputed
-- from its body, so no index on object_id is needed.
CREATE TABLE object_values (
    value      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    object_id  TEXT NOT NULL,
    PRIMARY KEY (value, kind, object_id)
) WITHOUT ROWID;

-- Names, aliases and labels of current objects, lower-cased.
CREATE TABLE object_names (
    name       TEXT NOT NULL,
    object_id  TEXT NOT NULL,
    PRIMARY KEY (name, object_id)
) WITHOUT ROWID;

-- Current relationships, by both ends.
CREATE TABLE relationships (
    object_id          TEXT NOT NULL PRIMARY KEY,
    source_ref         TEXT NOT NULL,
    target_ref         TEXT NOT NULL,
    relationship_type  TEXT NOT NULL
);
CREATE INDEX relationships_source ON relationships (source_ref);
CREATE INDEX relationships_target ON relationships (target_ref);

-- Full text over names, aliases and descriptions of current objects. A
-- row's rowid is the rowid of its version in `objects`, so it is removed by
-- rowid (an FTS5 column filter would scan the whole table).
CREATE VIRTUAL TABLE object_text USING fts5(name, description, tokenize = 'unicode61 remove_diacritics 2');
