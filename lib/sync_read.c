/* sync_read.c - one change file of a fetched branch, read and judged.
 *
 * Exports ps_sync_read_change (sync_int.h), for the import (sync_import.c)
 * and for the writer's-version rule (sync_apply.c): the blob's header and
 * size first, its bytes hashed against the id the tree names (a damaged
 * copy in repo.git is never applied: a loose one is removed for the next
 * fetch), strict decoding (change_decode.c), then the change's office, path
 * and record owner. Never writes SQL, never applies a change. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "sync_int.h"
#include "sha1.h"
#include "plansync/error.h"
#include "plansync/record.h"

/* A change file whose copy in repo.git does not hash to the id its tree
 * names: damaged on this disk (what a fetch brings is hashed as it comes),
 * so never applied. A loose copy is removed and the branch waits at its
 * last good state: the next sync's fetch walks every branch (repo.verify)
 * and brings the object again. */
static int damaged_copy(imp *m, const char *path, const git_oid *oid)
{
	char hex[GIT_OID_HEXSZ + 1], loose[4400];
	git_oid_tostr(hex, sizeof(hex), oid);
	snprintf(loose, sizeof(loose), "%sobjects/%.2s/%s", git_repository_path(m->repo), hex, hex + 2);
	bool gone = unlink(loose) == 0;
	m->refetch |= gone;
	return ps_error_set(PS_EINVALID,
	                    "file %s: this replica's copy of object %s in repo.git is damaged (its content does not "
	                    "match its id; not the remote's fault): %s",
	                    path, hex, gone ? "removed, the next sync fetches it again" : "run 'plansync check'");
}

/* One file of the branch, in change-id order (entries are sorted by file
 * name, which is the id): read, decode, check, queue. */
int ps_sync_read_change(imp *m, const char *path, const git_oid *oid, const char *office, ps_change **out,
                        git_odb_object **obj, char *why, size_t whyn)
{
	*out = NULL;
	*obj = NULL;
	size_t size = 0;
	git_object_t type;
	const char *bad = NULL;
	if (git_odb_read_header(&size, &type, m->odb, oid) < 0)
		bad = "file larger than the 64 KiB limit for a change (not fetched), or missing from the remote";
	else if (type != GIT_OBJECT_BLOB)
		bad = "not a file";
	else if (size > PS_CHANGE_MAX_BYTES)
		bad = "file larger than the 64 KiB limit for a change";
	else if (git_odb_read(obj, m->odb, oid) < 0)
		bad = "file cannot be read from the fetched objects";
	if (bad) {
		snprintf(why, whyn, "%s", bad);
		return 1;
	}
	/* read without libgit2's hash check (ps_repo_hash_reads): hashed here once, by libcrypto */
	unsigned char h[20];
	git_oid got;
	ps_sha1_object(h, "blob", git_odb_object_data(*obj), git_odb_object_size(*obj));
	git_oid_fromraw(&got, h);
	if (!git_oid_equal(&got, oid)) {
		git_odb_object_free(*obj);
		*obj = NULL;
		return damaged_copy(m, path, oid);
	}
	ps_change *c = NULL;
	int rc = ps_change_decode(&c, git_odb_object_data(*obj), git_odb_object_size(*obj));
	if (rc == PS_ENOMEM)
		goto fail; /* not the file's fault */
	if (rc) {
		snprintf(why, whyn, "%s", ps_error_last());
		rc = 1;
		goto fail;
	}
	char want[PS_CHANGE_PATH_MAX];
	ps_change_path(want, c->office, c->id);
	ps_record_id rid;
	ps_record_parse(&rid, c->record);
	const char *owner = ps_record_owner(&rid, ps_replica_province(m->r));
	/* A branch may carry changes of another replica of its office: a
	 * replica that continued under a new id sends its history again. */
	rc = 1;
	if (strcmp(c->office, office) != 0)
		snprintf(why, whyn, "change written by another office than the branch's");
	else if (strcmp(want, path) != 0)
		snprintf(why, whyn, "change id does not match its path");
	else if (strcmp(owner, c->office) != 0)
		snprintf(why, whyn, "office %s may not write %s (owner: %s)", c->office, c->record, owner);
	else
		rc = 0;
	if (rc)
		goto fail;
	*out = c;
	return 0;
fail:
	ps_change_free(c);
	git_odb_object_free(*obj);
	*obj = NULL;
	return rc;
}
