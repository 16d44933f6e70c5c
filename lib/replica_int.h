/* replica_int.h - what replica.c and replica_init.c share. */
#ifndef PLANSYNC_REPLICA_INT_H
#define PLANSYNC_REPLICA_INT_H

/* dir + "/" + name, malloc'd; NULL when out of memory. */
char *ps_replica_path(const char *dir, const char *name);

#endif
