-- plansync replica database, schema version 3 (from 2).

-- A change this replica wrote keeps a second copy of its canonical bytes,
-- and the one-line summary its commit message lists, here until it is
-- exported; the changes row holds its columns only, as an imported one
-- does. The export deletes the rows it wrote into Git (whole pages go to
-- the free list and are used again), so the database grows by what a
-- change needs for queries, not by a copy of what Git holds. Rows written
-- before schema 3 keep their bytes in changes.bytes and are read from there.
CREATE TABLE unexported(seq INTEGER PRIMARY KEY, bytes BLOB NOT NULL, summary TEXT);
