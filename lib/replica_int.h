/* replica_int.h - what replica.c and replica_init.c share. */
#ifndef PLANSYNC_REPLICA_INT_H
#define PLANSYNC_REPLICA_INT_H

/* dir + "/" + name, malloc'd; NULL when out of memory. */
char *ps_replica_path(const char *dir, const char *name);

/* The replica's key (replica_key.c): the slot in ps_replica it is cached
 * in; DIR/key and DIR/key.pub made for replica rid of office, a new pair
 * or a copy of from (may be NULL); after a new id, the key of old_id kept
 * as key.<old_id> and a new pair made. */
#include "plansync/key.h"
#include "plansync/replica.h"
ps_key **ps_replica_key_slot(ps_replica *r);
int ps_replica_key_make(const char *dir, const char *office, const char *rid, const ps_key *from);
int ps_replica_key_rotate(ps_replica *r, const char *old_id);

#endif
