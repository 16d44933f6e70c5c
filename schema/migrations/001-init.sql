-- plansync replica database, schema version 1.
-- changes is the log (the source of truth); records, state and conflicts
-- are derived from it by the fold and can be rebuilt at any time.
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

CREATE TABLE changes(
  seq     INTEGER PRIMARY KEY,      -- local arrival order
  id      TEXT NOT NULL UNIQUE,     -- <hlc hex>-<replica>: sorts by (hlc, replica)
  record  TEXT NOT NULL,
  office  TEXT NOT NULL,
  replica TEXT NOT NULL,
  author  TEXT NOT NULL,
  hlc     INTEGER NOT NULL,
  op      TEXT NOT NULL CHECK (op IN ('set', 'retire')),
  fields  TEXT NOT NULL,            -- compact canonical JSON object
  reason  TEXT,
  bytes   BLOB NOT NULL,            -- the canonical change file
  local   INTEGER NOT NULL,         -- 1: written by this replica
  summary TEXT                      -- local: one line for the commit message
);
CREATE INDEX changes_record ON changes(record, id);
-- Local changes by arrival: an export takes every local change with a seq
-- above the last export's maxseq (rowids only grow), so nothing is updated.
-- Partial: imported changes cost no index write here.
CREATE INDEX changes_local ON changes(seq) WHERE local = 1;

-- base edges: child names parent in its base.
CREATE TABLE edges(child TEXT NOT NULL, parent TEXT NOT NULL, PRIMARY KEY(child, parent)) WITHOUT ROWID;
CREATE INDEX edges_parent ON edges(parent);

-- The latest changes of each record: named in no known change's base.
-- Maintained on insert; a new local change names them all as its base.
CREATE TABLE heads(record TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY(record, id)) WITHOUT ROWID;

CREATE TABLE records(
  id      TEXT PRIMARY KEY,
  kind    TEXT NOT NULL,
  retired INTEGER NOT NULL,
  changes INTEGER NOT NULL,
  last    TEXT NOT NULL             -- id of the newest change
) WITHOUT ROWID;
CREATE INDEX records_kind ON records(kind, id);

CREATE TABLE state(
  record TEXT NOT NULL,
  field  TEXT NOT NULL,
  value  TEXT NOT NULL,             -- compact canonical JSON
  change TEXT NOT NULL,             -- the winning change
  PRIMARY KEY(record, field)
) WITHOUT ROWID;

CREATE TABLE conflicts(
  record  TEXT NOT NULL,
  field   TEXT NOT NULL,
  changes TEXT NOT NULL,            -- JSON array of the concurrent change ids
  PRIMARY KEY(record, field)
) WITHOUT ROWID;

-- Own export commits, in order; each holds the local changes with
-- seq in (previous maxseq, maxseq].
CREATE TABLE exports(batch INTEGER PRIMARY KEY, commit_id TEXT NOT NULL UNIQUE, changes INTEGER NOT NULL,
                     maxseq INTEGER NOT NULL, at INTEGER NOT NULL);

-- Last imported head of each fetched branch.
CREATE TABLE branches(
  ref     TEXT PRIMARY KEY,
  office  TEXT NOT NULL,
  replica TEXT NOT NULL,
  head    TEXT NOT NULL,
  at      INTEGER NOT NULL
) WITHOUT ROWID;

-- Changes whose clock is too far in the reader's future: applied later.
CREATE TABLE held(
  id     TEXT PRIMARY KEY,
  hlc    INTEGER NOT NULL,
  bytes  BLOB NOT NULL,
  branch TEXT NOT NULL,
  commit_id TEXT NOT NULL,
  path   TEXT NOT NULL
) WITHOUT ROWID;

-- Quarantined files and branches, with the reason in words.
CREATE TABLE problems(
  seq    INTEGER PRIMARY KEY,
  at     INTEGER NOT NULL,
  branch TEXT NOT NULL,
  commit_id TEXT NOT NULL,
  path   TEXT NOT NULL,
  reason TEXT NOT NULL,
  UNIQUE(branch, commit_id, path, reason)
);
