/* cmd_server.c - plansync server gitolite --out DIR [--repo NAME]
 * [--admin NAME] [--json]: the Git server's access rules from the key
 * registry (lib/server_conf.c writes them; this file prints the summary). */
#include <stdio.h>
#include <stdlib.h>
#include "cli.h"
#include "plansync/error.h"
#include "plansync/server_conf.h"

typedef struct server_opts {
	const char *out, *repo, *admin;
} server_opts;
static const opt_spec server_spec[] = {
    OPT_STRING(0, "out", server_opts, out, "DIR",
               "where to write conf/gitolite.conf and keydir/plansync/*.pub (made when missing)"),
    OPT_STRING(0, "repo", server_opts, repo, "NAME", "the repository's name in gitolite (default plansync)"),
    OPT_STRING(0, "admin", server_opts, admin, "NAME",
               "the gitolite user who administers it, as in keydir/NAME.pub (default admin)"),
    OPT_END,
};
const opt_table opts_server_gitolite = {server_spec, sizeof(server_opts)};

int cmd_server_gitolite(ctx *x, const args *a)
{
	const server_opts *o = a->opts;
	if (!o->out || !o->out[0])
		return fail_msg(EXIT_USAGE,
		                "server gitolite: --out DIR is required: the directory to write the rules to");
	ps_server_result res;
	int rc = ps_server_gitolite(&res, x->r, o->out, o->repo ? o->repo : "plansync", o->admin ? o->admin : "admin");
	if (rc)
		return fail(rc);
	if (a->json) {
		cJSON *j = cJSON_CreateObject(), *keys = cJSON_CreateArray();
		if (!j || !keys) {
			cJSON_Delete(j);
			cJSON_Delete(keys);
			ps_server_result_release(&res);
			return fail_msg(EXIT_FAIL, "out of memory");
		}
		cJSON_AddStringToObject(j, "conf", res.conf);
		cJSON_AddStringToObject(j, "keydir", res.keydir);
		cJSON_AddNumberToObject(j, "written", (double)res.written);
		cJSON_AddNumberToObject(j, "skipped", (double)(res.n - res.written));
		cJSON_AddNumberToObject(j, "removed", (double)res.removed);
		for (size_t i = 0; i < res.n; i++) {
			const ps_server_key *k = &res.keys[i];
			cJSON *e = cJSON_CreateObject();
			if (!e)
				break;
			cJSON_AddStringToObject(e, "office", k->office);
			cJSON_AddStringToObject(e, "replica", k->replica);
			cJSON_AddStringToObject(e, "fingerprint", k->fingerprint);
			cJSON_AddStringToObject(e, "ref", k->ref);
			if (k->skipped) {
				cJSON_AddNullToObject(e, "file");
				cJSON_AddStringToObject(e, "skipped", k->skipped);
			} else {
				cJSON_AddStringToObject(e, "file", k->file);
				cJSON_AddNullToObject(e, "skipped");
			}
			cJSON_AddItemToArray(keys, e);
		}
		cJSON_AddItemToObject(j, "keys", keys);
		print_json(j);
		cJSON_Delete(j);
	} else {
		printf("wrote %s and %zu key%s in %s/\n", res.conf, res.written, res.written == 1 ? "" : "s",
		       res.keydir);
		for (size_t i = 0; i < res.n; i++) {
			const ps_server_key *k = &res.keys[i];
			if (k->skipped)
				printf("  skipped %s (%s): %s\n", k->replica, k->office, k->skipped);
			else
				printf("  %-28s may write %s\n", k->replica, k->ref);
		}
		if (res.removed)
			printf("removed %zu key file%s no longer enrolled\n", res.removed, res.removed == 1 ? "" : "s");
		printf("Next: copy conf/ and keydir/ into your gitolite-admin clone (keep keydir/%s.pub), commit and "
		       "push it.\n",
		       o->admin ? o->admin : "admin");
	}
	ps_server_result_release(&res);
	return 0;
}
