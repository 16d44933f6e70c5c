/* review_int.h - what lib/review.c shares with lib/deadline.c, private to
 * the two: reading a record's state as JSON, ids as stored, the province
 * check, and a growing list of ids from a store walk. */
#ifndef PLANSYNC_REVIEW_INT_H
#define PLANSYNC_REVIEW_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "plansync/replica.h"

/* The fields of record's state as an object (empty when it has none). */
int ps_review_record_json(ps_store *s, const char *record, cJSON **out);
/* The string member name of o, or NULL. */
const char *ps_review_str(const cJSON *o, const char *name);
/* An id as stored: ASCII letters lowercased, since ids are canonical in
 * lowercase and people type "2021-Q3"; buf holds the copy. One longer
 * than an id can be is returned as typed, to be refused as unknown. */
const char *ps_review_canon(char buf[64], const char *in);
/* The text is NULL, empty or only white space. */
bool ps_review_blank(const char *s);
/* 0 on the province's replica, else PS_ENOTOWNER: "only the province
 * <what> ...". */
int ps_review_need_province(ps_replica *r, const char *what);

/* Ids gathered by ps_idlist_add (a ps_store_id_fn): each id less its
 * first skip bytes and, when suffix is set, less that many bytes at its
 * end. Free with ps_strv_free(v, n). */
typedef struct ps_idlist {
	char **v;
	size_t n;
	size_t skip;        /* bytes of each id to leave out */
	const char *suffix; /* cut from the end of each id, or NULL */
} ps_idlist;
int ps_idlist_add(void *ctx, const char *id);

#endif
