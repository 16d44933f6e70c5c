/* cmd_config.c - plansync config [KEY [VALUE]] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "plansync/error.h"

/* config --help: every key ps_config_set accepts (lib/replica.c,
 * ps_config_keys) and what it takes; test_render checks none is missing. */
const char config_help[] =
    "Settings (plansync config KEY VALUE; config KEY prints one, config alone all):\n"
    "  user.name               the person recorded as author of this replica's changes\n"
    "  remote                  the shared repository: a path, file://, ssh://, user@host:path or\n"
    "                          https:// URL\n"
    "  sync.interval           seconds between the daemon's cycles, 1 to 86400 (default 60)\n"
    "  sync.max_drift          seconds a change's clock may be ahead before it is held back,\n"
    "                          1 to 31536000 (default 600)\n"
    "  ssh.key                 the SSH private key file\n"
    "  ssh.known_hosts         the known_hosts file that vouches for the server\n"
    "  ssh.fingerprint         the server's pinned host key: SHA256: and 43 characters\n"
    "  http.credential_helper  a command that answers 'get' with username= and password= lines\n"
    "  http.ca_file            the certificate authorities (PEM file) trusted for an https://\n"
    "                          remote instead of the system's, such as an office's own CA";

int cmd_config(ctx *x, const args *a)
{
	int rc;
	if (a->npos == 2) {
		if ((rc = ps_config_set(x->r, a->pos[0], a->pos[1])))
			return fail(rc);
		return 0;
	}
	cJSON *j = cJSON_CreateObject();
	for (const char *const *k = ps_config_keys; *k; k++) {
		if (a->npos == 1 && strcmp(*k, a->pos[0]))
			continue;
		char *v = NULL;
		rc = ps_config_get(x->r, *k, &v);
		if (rc && rc != PS_ENOTFOUND) {
			cJSON_Delete(j);
			return fail(rc);
		}
		if (v)
			cJSON_AddStringToObject(j, *k, v);
		else
			cJSON_AddNullToObject(j, *k);
		free(v);
	}
	if (a->npos == 1 && !j->child) {
		cJSON_Delete(j);
		char *v;
		return fail(ps_config_get(x->r, a->pos[0], &v));
	}
	if (a->json)
		print_json(j);
	else if (a->npos == 1) {
		const cJSON *v = j->child;
		if (cJSON_IsString(v))
			printf("%s\n", v->valuestring);
		else {
			cJSON_Delete(j);
			return EXIT_FAIL; /* unset, like git config */
		}
	} else
		for (const cJSON *v = j->child; v; v = v->next)
			printf("%s=%s\n", v->string, cJSON_IsString(v) ? v->valuestring : "");
	cJSON_Delete(j);
	return 0;
}
