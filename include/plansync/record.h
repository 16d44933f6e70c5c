/* record.h - record ids, kinds and ownership (DESIGN §2).
 *
 * A record id is "<kind>/<slug>" for plan records, and
 * "<kind>/<office>/<task>/<period>" for progress and review. The owner is
 * derived from the id alone: progress belongs to the office it names,
 * everything else to the province. */
#ifndef PLANSYNC_RECORD_H
#define PLANSYNC_RECORD_H
#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

typedef enum ps_kind {
	PS_KIND_PLAN,
	PS_KIND_OFFICE,
	PS_KIND_AGENCY,
	PS_KIND_PROGRAM,
	PS_KIND_OBJECTIVE,
	PS_KIND_TASK,
	PS_KIND_COMMITTEE,
	PS_KIND_TARGET,
	PS_KIND_MILESTONE,
	PS_KIND_PERIOD,
	PS_KIND_PROGRESS,
	PS_KIND_REVIEW,
	PS_KIND__COUNT
} ps_kind;

typedef struct ps_record_id {
	ps_kind kind;
	char office[64]; /* progress/review: the office named; else "" */
	char task[64];   /* progress/review */
	char period[64]; /* progress/review */
	char slug[64];   /* plan kinds */
} ps_record_id;

#define PS_RECORD_ID_MAX 200

const char *ps_kind_name(ps_kind k);
/* The kind for a name ("task"), or -1. */
int ps_kind_parse(const char *name);
/* Parse and check an id; PS_EINVALID with a message when malformed. */
int ps_record_parse(ps_record_id *out, const char *id);
/* The office that owns the record (borrowed: the id's office or province). */
const char *ps_record_owner(const ps_record_id *r, const char *province);
/* Check fields of a set operation for the record's kind (DESIGN §2).
 * Progress is strict (status list, percent 0-100, ...); plan kinds accept
 * any JSON value under the size limits. */
int ps_record_check_fields(const ps_record_id *r, const cJSON *fields);
/* Text limits in bytes of NFC UTF-8 (DESIGN §10): about the characters of
 * Vietnamese text that the limits once counted, at up to 3 bytes each. */
#define PS_NOTE_MAX     12000 /* progress note, review comment */
#define PS_EVIDENCE_MAX 1500  /* one evidence reference */
#define PS_REPORTER_MAX 600
#define PS_TEXT_MAX     24000 /* any text of a plan record */
/* The progress statuses, NULL-terminated. */
extern const char *const ps_progress_statuses[];
/* Decimal number as text: -?digits(.digits)?, at most 40 chars. */
bool ps_decimal_valid(const char *s);

#endif
