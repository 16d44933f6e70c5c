/* sync.h - one sync cycle (DESIGN §6): export, push, fetch, import.
 *
 * Each step is idempotent and ordered so that a kill at any instant loses
 * nothing: objects are written before SQLite records them, SQLite before the
 * ref moves, and an own ref found behind SQLite is moved forward on the
 * next run. A failing remote does not stop the local steps. */
#ifndef PLANSYNC_SYNC_H
#define PLANSYNC_SYNC_H
#include "plansync/replica.h"
#include "plansync/log.h"

typedef struct ps_sync_result {
	long exported;  /* changes put into a new commit */
	int pushed;     /* 1 pushed, 0 nothing to push, <0 error code */
	int fetched;    /* 1 ok, <0 error code */
	long imported;  /* changes applied from other replicas */
	long branches;  /* branches that moved */
	long problems;  /* files or branches quarantined */
	long held;      /* changes held back: clock in the future */
	long delivered; /* own changes seen on the remote */
	int identity;   /* 1: adopted our branch's history (re-created); 2: continued as a new id */
	int own_bad;    /* our own branch on the remote could not be fetched (someone put junk on it) */
	int own_junk;   /* our own branch on the remote holds commits our key did not sign: replaced */
	long conflicts; /* open conflicts on this office's records after the cycle: a person here resolves them */
	/* Wall time of each stage of the cycle (milliseconds, monotonic clock):
	 * export (with repair of unsent work), push, fetch, import. */
	long export_ms, push_ms, fetch_ms, import_ms;
	char message[512]; /* the result in words */
} ps_sync_result;

/* Run one cycle. Returns 0 when every step worked, the remote's error code
 * (PS_EOFFLINE, PS_EREJECTED, ...) when only the network steps failed, and
 * <0 for local failures. res is always filled. */
int ps_sync_run(ps_replica *r, ps_sync_result *res, ps_progress_fn progress, void *ctx);
/* The result as JSON: ok, code, exported, pushed, fetched, imported,
 * branches, problems, held, delivered, conflicts, message, and stages
 * {export_ms, push_ms, fetch_ms, import_ms}. */
#include <cjson/cJSON.h>
cJSON *ps_sync_result_json(const ps_sync_result *res, int rc);
/* Open conflicts on records this office owns (only it can resolve them). */
int ps_sync_conflicts_mine(ps_replica *r, long *n);
/* Export only (no network). */
int ps_sync_export(ps_replica *r, long *exported);
/* Import every branch whose head moved since it was last imported, from the
 * local tracking refs (no network). */
int ps_sync_import(ps_replica *r, ps_sync_result *res, ps_progress_fn progress, void *ctx);
/* Seed the repository at url (a new, empty shared repository after the old
 * one was lost) with every replica branch this replica holds: its own
 * (local changes exported first) and every branch it fetched. *pushed
 * counts the branches sent; a branch the target already has with other
 * commits is left there, and ours is sent beside it under a new name of the
 * same office (counted in *renamed too), so no change only we hold is lost.
 * Does not change the replica's remote. */
int ps_sync_seed(ps_replica *r, const char *url, long *pushed, long *renamed);

#endif
