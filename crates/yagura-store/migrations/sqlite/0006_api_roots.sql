-- TAXII API roots beyond the default one (`hub`), and what each
-- collection is served under and whether non-admins may read or write it
-- at all (collections migrated from medallion keep their can_read and
-- can_write).
CREATE TABLE api_roots (
    name         TEXT NOT NULL PRIMARY KEY,
    title        TEXT NOT NULL,
    description  TEXT
);
ALTER TABLE collections ADD COLUMN api_root TEXT NOT NULL DEFAULT 'hub';
ALTER TABLE collections ADD COLUMN readable INTEGER NOT NULL DEFAULT 1;
ALTER TABLE collections ADD COLUMN writable INTEGER NOT NULL DEFAULT 1;
