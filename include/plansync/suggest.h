/* suggest.h - the closest known id to a mistyped one, and ids as people
 * type them (lib/suggest.c).
 *
 * Ids (offices, tasks, periods, programs, ...) are stored lower-case, the
 * canonical form; what a person types is matched case-insensitively
 * ("2021-Q3", "P2-T6") and stored canonical. A name the plan lacks gets
 * one error text everywhere: what is unknown, the closest id when one is
 * close, and the command that lists the valid ones:
 *   unknown office "tx-kinhmon" (did you mean "tx-kinh-mon"? the list:
 *   plansync plan offices) */
#ifndef PLANSYNC_SUGGEST_H
#define PLANSYNC_SUGGEST_H
#include <stddef.h>
#include "plansync/record.h"
#include "plansync/replica.h"

/* The candidate closest to input (edit distance, case-insensitive), or NULL if none is close. */
/* Close: at most one edit in four characters (at least one), or input a
 * part of the candidate (the shortest such); two candidates as close as
 * each other give NULL, not a guess. */
const char *ps_suggest(const char *input, const char *const *candidates, size_t n);

/* A new copy of id in canonical form (ASCII letters lower-case; free()),
 * or NULL when id is NULL or out of memory. */
char *ps_id_canon(const char *id);
/* The canonical form of id in out (at most size bytes with the NUL); out
 * when it fits, else NULL (a longer id is never a valid one). */
const char *ps_id_canon_to(char *out, size_t size, const char *id);

/* The live id of kind closest to input (ps_suggest) in *out (free()), or
 * NULL when none is close. */
int ps_suggest_kind(char **out, ps_replica *r, ps_kind kind, const char *input);
/* The command that lists the ids of kind ("plansync plan offices"). */
const char *ps_suggest_list_command(ps_kind kind);
/* Sets the error for an id of kind that the plan does not have (or has
 * retired) and returns PS_ENOTFOUND: the unknown id, the closest live id
 * of that kind when one is close, and the command that lists them; hint,
 * when not NULL, follows ("has this replica synced the plan?"). */
int ps_suggest_unknown(ps_replica *r, ps_kind kind, const char *input, const char *hint);
/* 0 when the replica's office is in the plan, or when there is no plan
 * yet (the province's first init on an empty remote); else PS_ENOTFOUND
 * with the closest office: no office would see its reports. */
int ps_suggest_check_office(ps_replica *r);

#endif
