/* resolve.c - settling a conflict (ps_resolve, resolve.h): the field is
 * written again with the value of one conflicting version or a new value,
 * its base covering every head, through ps_replica_write_full. A set/retire
 * conflict ('@exists') is settled by taking a version: the set is written
 * again with that change's fields, or the record is retired again.
 *
 * Refuses what this office does not own, a field with no open conflict and
 * a version that is not one of the conflicting ones. Never writes SQL (the
 * reads are lib/store_views.c's). */
#include <stdlib.h>
#include <string.h>
#include "plansync/resolve.h"
#include "plansync/error.h"
#include "plansync/record.h"
#include "plansync/suggest.h"
#include "store_views.h"

#define EXISTS_FIELD "@exists"

typedef struct take {
	const char *field;
	cJSON *val; /* for EXISTS_FIELD: the change's fields, or NULL for a retire */
} take;

static int take_value(void *ctx, const ps_sv_change *row)
{
	take *t = ctx;
	cJSON *f = cJSON_Parse(row->fields);
	if (!f)
		return ps_error_set(PS_ENOMEM, "out of memory");
	if (!strcmp(t->field, EXISTS_FIELD)) {
		t->val = strcmp(row->op, "set") ? NULL : f;
		if (!t->val)
			cJSON_Delete(f);
		return 0;
	}
	cJSON *v = cJSON_GetObjectItemCaseSensitive(f, t->field);
	t->val = v ? cJSON_DetachItemViaPointer(f, v) : NULL;
	cJSON_Delete(f);
	return 0;
}

/* The value to write: the version take_id's, or value (JSON or a bare word). */
static int value_of(cJSON **out, ps_store *s, const char *record, const char *field, const char *take_id,
                    const char *value)
{
	*out = NULL;
	char *idsj = NULL;
	int rc = ps_store_conflict_changes(&idsj, s, record, field);
	if (rc == PS_ENOTFOUND)
		return ps_error_set(PS_ENOTFOUND, "there is no conflict on %s %s; see 'plansync conflicts'", record,
		                    field);
	if (rc)
		return rc;
	cJSON *ids = cJSON_Parse(idsj);
	free(idsj);
	if (!ids)
		return ps_error_set(PS_ENOMEM, "out of memory");
	if (take_id) {
		int listed = 0;
		for (cJSON *i = ids->child; i; i = i->next)
			listed |= cJSON_IsString(i) && !strcmp(i->valuestring, take_id);
		cJSON_Delete(ids);
		if (!listed)
			return ps_error_set(
			    PS_EINVALID,
			    "change %s is not one of the conflicting versions of %s %s; see 'plansync conflicts'",
			    take_id, record, field);
		take t = {field, NULL};
		rc = ps_store_change_get(s, take_id, take_value, &t);
		if (rc && rc != PS_ENOTFOUND)
			return rc;
		*out = t.val;
		return 0;
	}
	cJSON_Delete(ids);
	*out = cJSON_Parse(value);
	if (!*out)
		*out = cJSON_CreateString(value); /* a bare word is text */
	return *out ? 0 : ps_error_set(PS_ENOMEM, "out of memory");
}

int ps_resolve(ps_replica *r, const char *record, const char *field, const char *take_id, const char *value,
               char **id_out)
{
	ps_record_id rid;
	char canon[PS_RECORD_ID_MAX + 1];
	if (ps_id_canon_to(canon, sizeof(canon), record))
		record = canon; /* ids are matched case-insensitively */
	int rc = ps_record_parse(&rid, record);
	if (rc)
		return rc;
	const char *owner = ps_record_owner(&rid, ps_replica_province(r));
	if (strcmp(owner, ps_replica_office(r)))
		return ps_error_set(PS_ENOTOWNER, "office %s may not write %s: only %s resolves its conflicts",
		                    ps_replica_office(r), record, owner);
	int exists = !strcmp(field, EXISTS_FIELD);
	if (exists && !take_id)
		return ps_error_set(PS_EINVALID,
		                    "a set/retire conflict is settled by taking a version: plansync resolve %s %s "
		                    "--take CHANGE-ID (see 'plansync conflicts')",
		                    record, field);
	cJSON *val = NULL;
	if ((rc = value_of(&val, ps_replica_store(r), record, field, take_id, value)))
		return rc;
	if (exists) /* the set again with the version's fields (val), or the retire again */
		return ps_replica_write_full(r, record, val ? PS_OP_SET : PS_OP_RETIRE, val, "resolve conflict", false,
		                             true, id_out);
	if (!val)
		return ps_error_set(PS_ENOTFOUND, "change %s does not set %s", take_id, field);
	cJSON *fields = cJSON_CreateObject();
	if (!fields) {
		cJSON_Delete(val);
		return ps_error_set(PS_ENOMEM, "out of memory");
	}
	cJSON_AddItemToObject(fields, field, val);
	return ps_replica_write_full(r, record, PS_OP_SET, fields, "resolve conflict", false, true, id_out);
}
