-- plansync replica database, schema version 2 (from 1).

-- Records holding a change whose base names a change with a larger id: a
-- write over a change stamped in the future by a wrong clock (the writer's
-- own clock is bounded). Such records are always folded in full, never
-- incrementally. Rows are never removed: a stale one only costs speed.
CREATE TABLE backrefs(record TEXT PRIMARY KEY) WITHOUT ROWID;

-- Progress and reviews that name an office, task or period the plan does
-- not have (yet): one row per missing plan record. Derived by the fold; a
-- record with rows here is held, not shown as real, until its plan records
-- arrive (then their fold deletes the rows by need).
CREATE TABLE unplanned(record TEXT NOT NULL, need TEXT NOT NULL, PRIMARY KEY(record, need)) WITHOUT ROWID;
CREATE INDEX unplanned_need ON unplanned(need);

-- The Git blob id of each change's bytes, computed when the change is
-- written; export and 'plansync check' compare the bytes to it. Rows from
-- schema 1 have NULL and are checked by decoding instead.
ALTER TABLE changes ADD COLUMN blob TEXT;

-- Records whose fold an import left for the end of the whole import (a
-- record written on many branches is folded once, not once per branch).
-- Written in each branch's transaction, so a kill between branches leaves
-- the list, and the next import folds them.
CREATE TABLE refold(record TEXT PRIMARY KEY) WITHOUT ROWID;
