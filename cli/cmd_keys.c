/* cmd_keys.c - plansync keys show [--json] and plansync keys
 * allowed-signers [-o FILE]: this replica's public key and fingerprint,
 * and a git allowed-signers file for verifying commits with stock git
 * (git -c gpg.ssh.allowedSignersFile=FILE verify-commit / log
 * --show-signature), and plansync keys trust SHA256:... [--json]: pin the
 * province key on a replica that trusts none yet (made without --trust and
 * without a remote). The registry's commands (pending, approve, ...) are
 * in cmd_keys_admin.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "plansync/error.h"
#include "plansync/json.h"
#include "plansync/key.h"
#include "plansync/keys.h"

typedef struct signers_opts {
	const char *out;
} signers_opts;
static const opt_spec signers_spec[] = {
    OPT_STRING('o', "output", signers_opts, out, "FILE", "write the file here instead of to stdout"),
    OPT_END,
};
const opt_table opts_keys_allowed_signers = {signers_spec, sizeof(signers_opts)};

int cmd_keys_show(ctx *x, const args *a)
{
	const ps_key *k = NULL;
	int rc = ps_replica_key(x->r, &k);
	if (rc)
		return fail(rc);
	char *line = NULL, fpr[PS_KEY_FPR_MAX];
	if ((rc = ps_pubkey_text(&line, ps_key_public(k), NULL)))
		return fail(rc);
	ps_pubkey_fingerprint(fpr, ps_key_public(k));
	char path[4200];
	snprintf(path, sizeof(path), "%s/key", ps_replica_dir(x->r));
	if (a->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "office", ps_replica_office(x->r));
		cJSON_AddStringToObject(j, "replica", ps_replica_id(x->r));
		cJSON_AddStringToObject(j, "public_key", line);
		cJSON_AddStringToObject(j, "fingerprint", fpr);
		cJSON_AddStringToObject(j, "key_file", path);
		print_json(j);
		cJSON_Delete(j);
	} else {
		printf("replica:     %s (office %s)\n", ps_replica_id(x->r), ps_replica_office(x->r));
		printf("public key:  %s\n", line);
		printf("fingerprint: %s\n", fpr);
		printf("key file:    %s\n", path);
	}
	free(line);
	return 0;
}

static int add_line(void *buf, const char *replica, const uint8_t pub[32], long long valid_before)
{
	char *line = NULL, *key = NULL;
	int rc = ps_allowed_signer_line(&line, replica, pub, valid_before);
	if (!rc)
		rc = ps_pubkey_text(&key, pub, NULL);
	ps_buf *b = buf;
	/* each key once: the registry's line (with its limit) first */
	if (!rc && !(b->ptr && strstr(b->ptr, key)))
		ps_buf_puts(buf, line);
	free(line);
	free(key);
	return rc;
}

static int add_own(void *buf, const char *replica, const uint8_t pub[32])
{
	return add_line(buf, replica, pub, 0);
}

/* Every key the file lists: every key the registry enrolled, a revoked or
 * replaced one limited to the commits before (plansync/keys.h), then this
 * replica's own keys the registry does not name. */
static int collect_signers(ps_replica *r, ps_buf *b)
{
	int rc = ps_keys_signers_each(r, add_line, b);
	return rc ? rc : ps_replica_keys_each(r, add_own, b);
}

/* Write text to path through a temporary file renamed into place. */
static int write_file(const char *path, const char *text, size_t n)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f)
		return fail_msg(EXIT_FAIL, "keys allowed-signers: cannot create %s: %s", tmp, strerror(errno));
	bool ok = fwrite(text, 1, n, f) == n;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return fail_msg(EXIT_FAIL, "keys allowed-signers: cannot write %s: %s", path, strerror(e));
	}
	return 0;
}

int cmd_keys_allowed_signers(ctx *x, const args *a)
{
	const signers_opts *o = a->opts;
	ps_buf b = PS_BUF_INIT;
	int rc = collect_signers(x->r, &b);
	if (!rc && ps_buf_error(&b))
		rc = ps_error_set(PS_ENOMEM, "out of memory");
	if (rc) {
		ps_buf_release(&b);
		return fail(rc);
	}
	int ret = 0;
	if (o->out)
		ret = write_file(o->out, b.ptr, b.len);
	else if (fwrite(b.ptr, 1, b.len, stdout) != b.len)
		ret = fail_msg(EXIT_FAIL, "keys allowed-signers: cannot write to stdout");
	ps_buf_release(&b);
	return ret;
}

int cmd_keys_trust(ctx *x, const args *a)
{
	int rc = ps_keys_trust(x->r, a->pos[0]);
	if (rc)
		return fail(rc);
	if (a->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "trusted", a->pos[0]);
		print_json(j);
		cJSON_Delete(j);
	} else {
		printf("this replica trusts the province key %s; run 'plansync -C %s sync'\n", a->pos[0],
		       ps_replica_dir(x->r));
	}
	return 0;
}
