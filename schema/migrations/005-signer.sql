-- plansync replica database, schema version 5 (from 4).

-- Who signed each change, as this replica verified it: the SHA256:
-- fingerprint of the key that signed the commit that brought it, and the
-- replica that key was enrolled as (the branch's replica; the province's
-- root key for its own first commits). Set when an import reads the change
-- (lib/sync_import.c, lib/sync_apply.c) or, for this replica's own
-- changes, when the export signs them (lib/sync_export.c). A change a
-- branch of another replica brings again (a replica that continued under a
-- new id) keeps the signature met on its writer's own branch, else the one
-- of the branch with the smallest replica id, so every reader shows the
-- same signer whatever order it read them in. NULL for rows from before
-- schema 5 until 'plansync rebuild' reads the branches again, and for our
-- own changes until they are exported. plansync log shows these, never the
-- registry's key of today.
ALTER TABLE changes ADD COLUMN signer TEXT;
ALTER TABLE changes ADD COLUMN signer_replica TEXT;
ALTER TABLE held ADD COLUMN signer TEXT;
ALTER TABLE held ADD COLUMN signer_replica TEXT;

-- Commits this replica fetched and held back as an enrolment request (a
-- key the registry does not enrol yet), with its clock when it first saw
-- each (ms since 1970). Once the province approves and the branch is read,
-- each change of such a commit arrived when the commit was first seen, not
-- at the approval: a receipt (lib/deadline.c) dates a report by it, as it
-- does for a change held for a clock in the future (held.arrived).
CREATE TABLE enrol_seen(commit_id TEXT PRIMARY KEY, arrived INTEGER NOT NULL) WITHOUT ROWID;
