-- TAXII status resources: the outcome of each add-objects request, kept
-- for the organization that made it.
CREATE TABLE taxii_status (
    id       TEXT NOT NULL PRIMARY KEY,
    org      TEXT NOT NULL,
    created  TEXT NOT NULL,
    body     TEXT NOT NULL
);
