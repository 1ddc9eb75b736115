-- A collection's objects in row order (every SQLite index ends with the
-- rowid): TAXII pages of a collection are a range scan from the cursor,
-- whatever the collection's size.
CREATE INDEX objects_collection_rows ON objects (collection);
