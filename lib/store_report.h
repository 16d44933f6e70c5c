/* store_report.h - the SQL of the reports (lib/store_report.c), as
 * functions. Private to the library: lib/report*.c call these and never
 * write SQL. Rows come through callbacks with strings borrowed for the
 * call; a callback returning non-zero stops the walk and that value is
 * returned. */
#ifndef PLANSYNC_STORE_REPORT_H
#define PLANSYNC_STORE_REPORT_H
#include <stdbool.h>
#include <stdint.h>
#include "plansync/store.h"

/* A field of a live, shown record of one kind, with the author and clock
 * of the record's last change; field and value NULL for a record without
 * fields. By record id, then field. */
typedef struct ps_sr_field {
	const char *record, *author, *field, *value;
	int64_t hlc;
} ps_sr_field;
/* kind is the kind's name ("progress"): kinds a newer branch adds are read
 * by name before this one knows their enum. */
int ps_store_report_fields(ps_store *s, const char *kind, int (*fn)(void *ctx, const ps_sr_field *row), void *ctx);

/* The heads (latest changes) of every live record of kind: by record, then
 * change id. */
int ps_store_report_heads(ps_store *s, const char *kind, int (*fn)(void *ctx, const char *record, const char *id),
                          void *ctx);

/* Every replica the database knows (from its changes and its fetched
 * branches): last is the clock of its newest change (0: none), received
 * the seconds its branch last moved (0: never), own 1 for this replica's
 * own changes. By office, replica. */
typedef struct ps_sr_replica {
	const char *office, *replica;
	int64_t last, received;
	long long changes, held, unplanned, problems;
	bool own;
} ps_sr_replica;
int ps_store_report_replicas(ps_store *s, int (*fn)(void *ctx, const ps_sr_replica *row), void *ctx);

#endif
