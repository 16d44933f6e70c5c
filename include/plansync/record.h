/* record.h - record ids, kinds and ownership (DESIGN §2).
 *
 * A record id is "<kind>/<slug>" for plan records,
 * "<kind>/<office>/<task>/<period>" for progress and review, and
 * "key/<office>/<replica>" for a replica's key in the registry. The owner is
 * derived from the id alone: progress belongs to the office it names,
 * everything else to the province.
 *
 * Every rule that depends on the kind lives in one row of the kind table
 * (ps_kind_info): the id's shape, the owner, the fields and their checks,
 * its place in the plan document, how it shows. Adding a kind is a
 * PS_KIND_ value here and its row in lib/record.c's table (a static
 * assert there keeps the two the same length); no other file switches on
 * the kind. */
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
	PS_KIND_RECEIPT,
	PS_KIND_KEY,
	PS_KIND__COUNT
} ps_kind;

typedef struct ps_record_id {
	ps_kind kind;
	char office[64];  /* progress/review: the office named; else "" */
	char task[64];    /* progress/review */
	char period[64];  /* progress/review */
	char slug[64];    /* plan kinds */
	char replica[64]; /* key: the replica id named (office holds its office) */
} ps_record_id;

#define PS_RECORD_ID_MAX 200

/* The shape of a kind's ids. */
typedef enum ps_id_shape {
	PS_ID_SLUG,               /* <kind>/<slug> */
	PS_ID_OFFICE_TASK_PERIOD, /* <kind>/<office>/<task>/<period> */
	PS_ID_OFFICE_REPLICA,     /* <kind>/<office>/<replica>: a replica's key (lib/keys.c) */
} ps_id_shape;

/* Who may write a kind's records. */
typedef enum ps_owner_rule {
	PS_OWNER_PROVINCE, /* the province office */
	PS_OWNER_OFFICE,   /* the office the id names */
} ps_owner_rule;

/* How a field's value is checked (ps_record_check_fields). */
typedef enum ps_field_type {
	PS_FIELD_TEXT,      /* text of at most max bytes; newlines when newlines */
	PS_FIELD_ENUM,      /* one of values */
	PS_FIELD_PERCENT,   /* a whole number from 0 to 100 */
	PS_FIELD_DECIMAL,   /* a decimal number as text (ps_decimal_valid) */
	PS_FIELD_TEXT_LIST, /* at most max_items texts of at most max bytes */
	PS_FIELD_ID_LIST,   /* at most max_items change ids */
	PS_FIELD_ID,        /* one change id */
	PS_FIELD_TIME,      /* an RFC 3339 UTC time: YYYY-MM-DDTHH:MM:SSZ */
	PS_FIELD_BOOL,      /* true or false */
} ps_field_type;

typedef struct ps_field_info {
	const char *name;
	ps_field_type type;
	bool nullable;             /* null (clears the field) is accepted */
	bool newlines;             /* text: \n and \t allowed */
	size_t max;                /* text: bytes of NFC UTF-8 */
	int max_items;             /* lists */
	const char *const *values; /* enum: NULL-terminated */
	const char *message;       /* the error when the value breaks the rule; NULL: the text rule's own */
	/* A rule across fields (NULL: none); runs after the value passed. */
	int (*also)(const cJSON *fields, const cJSON *value);
} ps_field_info;

typedef struct ps_kind_info {
	const char *name; /* "task": the id's first part and records.kind */
	ps_id_shape shape;
	ps_owner_rule owner;
	/* The plan document's array of this kind ("tasks"); NULL when the
	 * kind is not in the document. Import writes the sections in table
	 * order and retires records of these kinds it no longer names. */
	const char *section;
	bool plan;       /* a plan record: the plan import owns its life (with "plan/header") */
	bool planned_by; /* progress names records of this kind: its arrival releases held ones */
	/* Fields, NULL-terminated by name; NULL: any field name, any JSON
	 * value under the size limits (plan kinds). */
	const ps_field_info *fields;
	const char *field_names; /* "status, percent, ...": for the unknown-field message */
	/* An unknown field set to null is accepted (progress: readers must
	 * keep accepting what writers once wrote). */
	bool unknown_null_ok;
	/* The label starts with the office the id names (a review is written
	 * by the province about an office; progress lines lead with the
	 * office already). */
	bool label_office;
	/* Written once per record: the change with the smallest id gives every
	 * field and later writers are ignored, concurrent or not, with no
	 * conflict (a receipt: two replicas of the province that both imported
	 * a report first each write one; the earlier counts everywhere). Once
	 * per value of "change": among the changes naming the largest, the
	 * smallest id counts (a report withdrawn and filed again gets a new
	 * receipt, lib/fold.c). */
	bool first_wins;
} ps_kind_info;

/* The row of kind k; k must be a kind (asserted). */
const ps_kind_info *ps_kind_get(ps_kind k);
const char *ps_kind_name(ps_kind k);
/* The kind for a name ("task"), or -1. */
int ps_kind_parse(const char *name);
/* The kind whose plan document section is section ("tasks"), or -1. */
int ps_kind_by_section(const char *section);
/* Parse and check an id; PS_EINVALID with a message when malformed. */
int ps_record_parse(ps_record_id *out, const char *id);
/* The office that owns the record (borrowed: the id's office or province). */
const char *ps_record_owner(const ps_record_id *r, const char *province);
/* Check fields of a set operation for the record's kind (DESIGN §2).
 * Progress is strict (status list, percent 0-100, ...); plan kinds accept
 * any JSON value under the size limits. */
int ps_record_check_fields(const ps_record_id *r, const cJSON *fields);
/* The record as words for a change summary, at most n bytes with the NUL:
 * "task p1-t1", "progress p2-t7 2021" (the office leads the line already),
 * "review binh-giang p2-t7 2021". An id that does not parse shows with its
 * '/' as spaces. */
void ps_record_label(char *out, size_t n, const char *record);
/* Text limits in bytes of NFC UTF-8 (DESIGN §10): about the characters of
 * Vietnamese text that the limits once counted, at up to 3 bytes each. */
#define PS_NOTE_MAX           12000 /* progress note, review comment */
#define PS_EVIDENCE_MAX       1500  /* one evidence reference */
#define PS_EVIDENCE_MAX_ITEMS 20    /* evidence references in one report */
#define PS_REPORTER_MAX       600
#define PS_TEXT_MAX           24000 /* any text of a plan record */
/* The progress statuses, NULL-terminated. */
extern const char *const ps_progress_statuses[];
/* Decimal number as text: -?digits(.digits)?, at most 40 chars. */
bool ps_decimal_valid(const char *s);

#endif
