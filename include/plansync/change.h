/* change.h - the change: one immutable edit of one record (DESIGN §3).
 *
 * File format (format 1), canonical bytes, keys in exactly this order:
 *
 *   {
 *     "format": 1,
 *     "id": "<hlc>-<replica>",
 *     "office": "<office>",
 *     "replica": "<replica>",
 *     "author": "<person>",
 *     "hlc": "<16 hex digits>",
 *     "record": "<record id>",
 *     "op": "set" | "retire",
 *     "base": [ "<change id>", ... ],      sorted, may be []
 *     "fields": { "<name>": <value>, ... }, sorted keys; {} for retire
 *     "reason": "<text>"                   only when given
 *   }
 *
 * The id sorts by time, then replica: comparing ids compares (HLC, replica).
 * Decoding is strict: a file is accepted only if re-encoding it gives the
 * same bytes, so every accepted change has exactly one representation. */
#ifndef PLANSYNC_CHANGE_H
#define PLANSYNC_CHANGE_H
#include <stddef.h>
#include <stdbool.h>
#include <cjson/cJSON.h>
#include "plansync/hlc.h"

#define PS_CHANGE_FORMAT    1
#define PS_CHANGE_MAX_BYTES 65536
#define PS_CHANGE_MAX_BASE  64
#define PS_CHANGE_ID_MAX    128

typedef enum ps_op { PS_OP_SET, PS_OP_RETIRE } ps_op;

typedef struct ps_change {
	char *id, *office, *replica, *author, *record, *reason; /* reason may be NULL */
	ps_hlc hlc;
	ps_op op;
	char **base;
	size_t nbase;
	cJSON *fields; /* object; never NULL after decode or build */
	/* fields as ps_json_compact writes them, when the decoder had them at
	 * hand (else NULL): whoever changes fields frees it and sets NULL */
	char *fields_compact;
} ps_change;

/* Build a new change; strings are copied, fields is taken over (even on
 * failure). base is sorted and deduplicated. The id is made from hlc and
 * replica. */
int ps_change_new(ps_change **out, const char *office, const char *replica, const char *author, ps_hlc hlc,
                  const char *record, ps_op op, const char *const *base, size_t nbase, cJSON *fields,
                  const char *reason);
void ps_change_free(ps_change *c);
/* Limits in bytes of NFC UTF-8, the same for writers and readers. */
#define PS_CHANGE_AUTHOR_MAX 400
#define PS_CHANGE_REASON_MAX 4000
/* The one validation of a change's content (DESIGN §10), run by the writer
 * on the change it built and by the reader on the change it decoded, both
 * holding NFC text (ps_change_new normalises): author, reason, record id,
 * op and fields for the kind. Ownership and clock are the caller's.
 * PS_EINVALID with a message. */
int ps_change_validate(const ps_change *c);
/* Its parts, for settings that end up in changes (user.name). */
int ps_change_check_author(const char *author);
int ps_change_check_reason(const char *reason);
/* Canonical bytes (free()). */
int ps_change_encode(char **out, size_t *len, const ps_change *c);
/* Strict decode + validation of one file's bytes (DESIGN §7): syntax,
 * types, id/hlc/replica agreement, record id, fields for the kind.
 * Ownership and clock drift are the caller's (they need context). */
int ps_change_decode(ps_change **out, const char *data, size_t len);
/* The reference decoder: a cJSON tree of the file, checked, encoded again
 * and compared with the input. ps_change_decode gives the same answer (it
 * hands this one every file it does not accept itself); the tests compare
 * the two. */
int ps_change_decode_tree(ps_change **out, const char *data, size_t len);
/* Path of the change file inside a branch tree:
 * changes/<office>/<h1>/<h2>/<id>.json, h1 h2 two hex bytes of a hash of
 * the id. out must hold PS_CHANGE_PATH_MAX bytes. */
#define PS_CHANGE_PATH_MAX 256
void ps_change_path(char *out, const char *office, const char *id);
/* "<16 hex>-<replica>" */
void ps_change_make_id(char *out, size_t size, ps_hlc hlc, const char *replica);
bool ps_change_id_valid(const char *id);
/* Replica id: "<office>-<suffix>", suffix [a-z0-9]{1,32}. */
bool ps_replica_id_valid(const char *replica, const char *office);

#endif
