/* replica.h - one office's copy: DIR/plansync.db and the bare repo DIR/repo.git.
 *
 * The facade the CLI and the daemon use. Opening checks that DIR is a
 * replica; writes check ownership and validate before anything is stored. */
#ifndef PLANSYNC_REPLICA_H
#define PLANSYNC_REPLICA_H
#include <stdbool.h>
#include <cjson/cJSON.h>
#include "plansync/store.h"
#include "plansync/change.h"
#include "plansync/log.h"

typedef struct ps_replica ps_replica;

typedef struct ps_init_opts {
	const char *office;    /* required */
	const char *replica;   /* full id or suffix; NULL: random */
	const char *remote;    /* path or URL; may be NULL */
	const char *province;  /* NULL: "tinh" */
	const char *user_name; /* NULL: $USER or the office */
	const char *key;       /* an unencrypted Ed25519 private key file to copy; NULL: a new key */
} ps_init_opts;

int ps_replica_init(ps_replica **out, const char *dir, const ps_init_opts *o);
int ps_replica_open(ps_replica **out, const char *dir);
/* Undo ps_replica_init (its first sync reached nothing): free r and remove
 * what init made in its directory (plansync.db and its journal files,
 * repo.git, sync.lock), and the directory itself when made_dir and it is
 * then empty; nothing else. 0, or PS_ERROR saying what is left. */
int ps_replica_discard(ps_replica *r, bool made_dir);
/* The same, with PS_REPLICA_DAMAGED_OK: a damaged database still opens
 * (for 'plansync check', which reports and repairs it). */
#define PS_REPLICA_DAMAGED_OK 1u
int ps_replica_open_flags(ps_replica **out, const char *dir, unsigned flags);
void ps_replica_free(ps_replica *r);
/* Re-read office, replica id and province from the store (after a fork). */
int ps_replica_reload(ps_replica *r);
/* Six random lowercase hex digits for a new replica id. */
int ps_replica_random_suffix(char out[7]);

ps_store *ps_replica_store(ps_replica *r);
const char *ps_replica_dir(const ps_replica *r);
const char *ps_replica_office(const ps_replica *r);
const char *ps_replica_id(const ps_replica *r);
const char *ps_replica_province(const ps_replica *r);
bool ps_replica_is_province(const ps_replica *r);
/* The person recorded as author (config user.name). */
const char *ps_replica_author(const ps_replica *r);

/* Config keys: user.name, remote, sync.max_drift_s. get gives a copy. */
int ps_config_get(ps_replica *r, const char *key, char **out);
int ps_config_set(ps_replica *r, const char *key, const char *value);
/* The checks of ps_config_set that need no replica (all but whether a
 * remote can be set in repo.git): init runs them before it creates
 * anything. 0, or PS_EINVALID saying what is wrong. */
int ps_config_check(const char *key, const char *value);
/* The known keys, NULL-terminated. */
extern const char *const ps_config_keys[];

/* Write one change to record (inside its own transaction unless in_txn).
 * fields is taken over. Fields whose value already equals the state are
 * dropped; when nothing is left, returns PS_EEXISTS and writes nothing.
 * *id_out (may be NULL) receives the new change id (free()). */
int ps_replica_write(ps_replica *r, const char *record, ps_op op, cJSON *fields, const char *reason, bool in_txn,
                     char **id_out);
/* Same, but every field is written even when equal, and a retire even when
 * the record is already retired (conflict resolution: the base covers every
 * head, so the write settles them). */
int ps_replica_write_full(ps_replica *r, const char *record, ps_op op, cJSON *fields, const char *reason, bool in_txn,
                          bool keep_equal, char **id_out);
/* 1 when record exists and is not retired, 0 when not, <0 on error. */
int ps_replica_record_live(ps_replica *r, const char *record);

#endif
