/* sync_format.c - the branch format a fetched commit is written in.
 *
 * Exports, to sync_import.c, ps_sync_commit_format (reads a commit's
 * plansync.json: read it, not format 1, or a newer format and the version
 * it needs) and ps_sync_needs_newer (says so once, not as a quarantine).
 * Reads one small blob per commit; never walks a tree or writes SQL. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sync_int.h"
#include "store_sync.h"
#include "plansync/error.h"
#include "plansync/json.h"

static int bad(imp *m, const char *reason)
{
	return ps_sync_problem(ps_replica_store(m->r), m->branch, m->commit, PS_REPO_FORMAT_FILE, reason, m->res);
}

/* The format file of a commit's tree. 0: read the commit's files (a tree
 * without one, or with a malformed one, which is quarantined alone: its
 * files are checked one by one anyway); PS_FORMAT_NEWER: written by a later
 * plansync, which *needs is set to ("0.3.0", or "" when the file does not
 * say or names no later version); PS_FORMAT_OLD: format 1, not read (its
 * writer sends everything again in format 2). */

/* a > b, both dotted numbers */
static bool version_later(const char *a, const char *b)
{
	while (*a || *b) {
		char *ea, *eb;
		unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);
		if (x != y)
			return x > y;
		a = *ea == '.' ? ea + 1 : ea;
		b = *eb == '.' ? eb + 1 : eb;
		if (a == ea && b == eb)
			break;
	}
	return false;
}

int ps_sync_commit_format(imp *m, const git_tree *t, char *needs, size_t needsn)
{
	const git_tree_entry *e = git_tree_entry_byname(t, PS_REPO_FORMAT_FILE);
	if (!e)
		return 0;
	size_t size = 0;
	git_object_t type;
	git_odb_object *o = NULL;
	int rc;
	if (git_tree_entry_filemode(e) != GIT_FILEMODE_BLOB ||
	    git_odb_read_header(&size, &type, m->odb, git_tree_entry_id(e)) < 0 || type != GIT_OBJECT_BLOB ||
	    size > 4096 || git_odb_read(&o, m->odb, git_tree_entry_id(e)) < 0) {
		return bad(m, "format file unreadable, not a file, or too large");
	}
	cJSON *v = NULL;
	rc = ps_json_parse_strict(&v, git_odb_object_data(o), git_odb_object_size(o), "format file");
	git_odb_object_free(o);
	const cJSON *f = v ? cJSON_GetObjectItemCaseSensitive(v, "format") : NULL;
	const cJSON *nd = v ? cJSON_GetObjectItemCaseSensitive(v, "needs") : NULL;
	double fv = cJSON_IsNumber(f) ? f->valuedouble : 0;
	int out = 0;
	/* range first: a cast of 1e300 is undefined */
	if (rc || !cJSON_IsNumber(f) || !(fv >= 1 && fv <= 1e6) || fv != (double)(long)fv) {
		/* only this file: the change files beside it are checked one by one */
		rc = bad(m, "format file is not {\"format\": N, ...}");
	} else if (fv == 1) {
		rc = bad(m, "written in branch format 1 by plansync 0.1, which this plansync does not read; that "
		            "replica sends all its changes again on a new branch once it runs plansync 0.2 or later");
		out = PS_FORMAT_OLD;
	} else if (fv > PS_REPO_FORMAT) {
		needs[0] = '\0';
		/* shown in messages: digits and dots only, and only when it is
		 * later than this plansync (else it says nothing true) */
		if (cJSON_IsString(nd) && strlen(nd->valuestring) < needsn && strlen(nd->valuestring) < 16 &&
		    strspn(nd->valuestring, "0123456789.") == strlen(nd->valuestring) &&
		    version_later(nd->valuestring, PS_PLANSYNC_VERSION))
			snprintf(needs, needsn, "%s", nd->valuestring);
		out = PS_FORMAT_NEWER;
	}
	cJSON_Delete(v);
	return rc ? rc : out;
}

/* A branch written in a newer format is left unread from that commit on,
 * not quarantined: its head stays at the last commit read, and an
 * upgraded plansync reads on from there. Said once per commit. */
int ps_sync_needs_newer(imp *m, const char *needs)
{
	char reason[300];
	snprintf(reason, sizeof(reason),
	         "this repository needs plansync %s%s: this branch is written in a newer format; upgrade plansync on "
	         "this machine (nothing is lost: its changes are read once it can)",
	         *needs ? "\u2265 " : "", *needs ? needs : "newer than this one");
	/* listed with the problems, but not a quarantine: said so in the log */
	char clean[1100];
	bool added = false;
	int rc = ps_store_problem_add(ps_replica_store(m->r), m->branch, m->commit, "", reason, clean, &added);
	if (!rc && added) {
		if (m->res)
			m->res->problems++;
		ps_log(PS_LOG_WARN, "%s from commit %s on: %s", m->branch, m->commit, reason);
	}
	return rc;
}
