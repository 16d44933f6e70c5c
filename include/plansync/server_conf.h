/* server_conf.h - the Git server's access rules, written from the key
 * registry, so the server refuses what every reader would refuse anyway.
 *
 * For gitolite (Debian's gitolite3): DIR/conf/gitolite.conf and one
 * DIR/keydir/plansync/<replica>.pub per enrolled, not revoked key. Each
 * key may create and fast-forward only its own branch,
 * refs/heads/replicas/<office>/<replica> (the province's key too); nobody
 * may delete or rewind (RW, never RW+), and every other ref is denied.
 * Every enrolled key may read. The administrator copies DIR into the
 * gitolite-admin repository (keeping keydir/admin.pub) and pushes it;
 * README, "For the person who runs the Git server", says how. */
#ifndef PLANSYNC_SERVER_CONF_H
#define PLANSYNC_SERVER_CONF_H
#include <stddef.h>
#include "plansync/replica.h"

/* One key record as the rules used it. */
typedef struct ps_server_key {
	char office[64], replica[64];
	char fingerprint[72];
	char ref[200];       /* the one ref it may write: refs/heads/replicas/<office>/<replica> */
	char file[4300];     /* the keydir file written; "" when skipped */
	const char *skipped; /* NULL: written; else why not (static words) */
} ps_server_key;

/* What ps_server_gitolite wrote. */
typedef struct ps_server_result {
	char conf[4200];            /* DIR/conf/gitolite.conf */
	char keydir[4200];          /* DIR/keydir/plansync */
	ps_server_key *keys;        /* every key record, by office then replica */
	size_t n, written, removed; /* records; keys written; stale .pub files removed */
} ps_server_result;

/* Write the gitolite rules for repository repo (such as "plansync"; the
 * name in gitolite.conf, without ".git") with admin (such as "admin") as
 * the user of gitolite-admin, from r's key registry, into dir (made when
 * missing; its parent must exist). Key files of an earlier run that are no
 * longer enrolled are removed from DIR/keydir/plansync. PS_EINVALID: dir
 * is a file, repo or admin is no name gitolite takes; PS_ERROR: dir
 * cannot be written (said how); PS_ENOTFOUND: no key is enrolled (an
 * empty rule set would lock every office out). On success out holds the
 * summary: release it with ps_server_result_release. */
int ps_server_gitolite(ps_server_result *out, ps_replica *r, const char *dir, const char *repo, const char *admin);
void ps_server_result_release(ps_server_result *res);

#endif
