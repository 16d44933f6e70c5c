/* cmd_init.c - plansync init DIR --office OFFICE [--remote URL] [--replica ID] [--key FILE] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "plansync/error.h"
#include "plansync/keys.h"
#include "plansync/sync.h"
#include "plansync/suggest.h"
#include "render.h"

typedef struct init_opts {
	const char *office, *remote, *replica, *province, *user;
	opt_list set;
	const char *key;
	const char *trust;
	bool trust_first_use;
} init_opts;
static const opt_spec init_spec[] = {
    OPT_STRING('o', "office", init_opts, office, "OFFICE",
               "the office this replica belongs to (tinh, tx-kinh-mon, ...)"),
    OPT_STRING('r', "remote", init_opts, remote, "URL",
               "the shared bare Git repository: a path, file://, ssh://, user@host:path or http(s):// URL"),
    OPT_STRING(0, "replica", init_opts, replica, "ID", "replica id or suffix (default: office + random suffix)"),
    OPT_STRING(0, "province", init_opts, province, "OFFICE", "the province's office id (default: tinh)"),
    OPT_STRING('u', "user", init_opts, user, "NAME", "the person recorded as author (user.name)"),
    OPT_LIST(0, "set", init_opts, set, "KEY=VALUE", "a setting to apply before the first sync (ssh.key=PATH, ...)"),
    OPT_STRING(0, "key", init_opts, key, "FILE",
               "use this unencrypted Ed25519 private key (copied) as the replica's key instead of a new one"),
    OPT_STRING(0, "trust", init_opts, trust, "SHA256:...",
               "the province key's fingerprint, as the province officer reads it out (plansync keys show)"),
    OPT_BOOL(0, "trust-first-use", init_opts, trust_first_use,
             "trust the key that signed the province's first key record, without asking (scripts)"),
    OPT_END,
};
const opt_table opts_init = {init_spec, sizeof(init_opts)};

/* Undo init: what it made goes, with the reason (already set) printed. */
static int undo(ctx *x, bool made_dir, int code, const char *dir)
{
	char why[1024];
	snprintf(why, sizeof(why), "%s", ps_error_last());
	int drc = ps_replica_discard(x->r, made_dir);
	x->r = NULL;
	if (drc)
		return fail_msg(EXIT_FAIL, "%s; and %s", why, ps_error_last());
	return fail_msg(code, "%s; no replica was kept in %s", why, dir);
}

/* The province roots the remote holds (ps_keys_roots_each), as a list for
 * a person: "  N. SHA256:... (branch replicas/<province>/<id>)". */
typedef struct roots {
	char fpr[8][72], list[1400];
	size_t n, distinct, len;
} roots;

static int root_row(void *arg, const char *branch, const char *fpr)
{
	roots *rs = arg;
	bool again = false;
	for (size_t i = 0; i < rs->n; i++)
		again |= strcmp(rs->fpr[i], fpr) == 0;
	rs->distinct += !again;
	if (rs->n == sizeof(rs->fpr) / sizeof(rs->fpr[0]))
		return 0; /* eight are enough to see that something is wrong */
	snprintf(rs->fpr[rs->n], sizeof(rs->fpr[0]), "%s", fpr);
	int k =
	    snprintf(rs->list + rs->len, sizeof(rs->list) - rs->len, "\n  %zu. %s (branch %s)", rs->n + 1, fpr, branch);
	if (k > 0 && (size_t)k < sizeof(rs->list) - rs->len)
		rs->len += (size_t)k;
	rs->n++;
	return 0;
}

/* More than one province root on the remote (attack 153: anyone with write
 * access can push a branch that enrols its own key as the province's):
 * never trust one of them without a person. On a terminal the person
 * picks the one the province officer confirmed by phone; the first sync
 * followed trusted, so another choice means init again with --trust. */
static int choose_root(ctx *x, const init_opts *opt, const roots *rs, const char *trusted, bool made_dir,
                       const char *dir)
{
	if (!opt->trust_first_use && isatty(0) && isatty(2)) {
		fprintf(stderr,
		        "The remote holds %zu different province keys; only one is the province's:%s\nConfirm the "
		        "right one with the province officer by phone and type its number (Enter refuses): ",
		        rs->distinct, rs->list);
		char line[16] = "";
		long i = fgets(line, sizeof(line), stdin) ? strtol(line, NULL, 10) : 0;
		if (i >= 1 && (size_t)i <= rs->n && strcmp(rs->fpr[i - 1], trusted) == 0)
			return 0;
		if (i >= 1 && (size_t)i <= rs->n)
			ps_error_set(PS_EINVALID,
			             "init: run init again with --trust %s to follow the province key you chose",
			             rs->fpr[i - 1]);
		else
			ps_error_set(PS_EINVALID, "init: no province key was trusted");
		return undo(x, made_dir, EXIT_USAGE, dir);
	}
	ps_error_set(PS_EINVALID,
	             "init: the remote holds %zu different province keys, and only one is the province's:%s\n"
	             "nothing was trusted; confirm the right fingerprint with the province officer by phone and run "
	             "init again with --trust SHA256:...",
	             rs->distinct, rs->list);
	return undo(x, made_dir, EXIT_USAGE, dir);
}

/* The root of trust after the first sync: the province's first replica
 * enrols its own key; any other replica keeps the province key it met only
 * when it matches --trust, or --trust-first-use says so, or a person
 * answers yes on a terminal. 0, or the exit status after undoing init. */
static int settle_trust(ctx *x, const init_opts *opt, bool made_dir, const char *dir)
{
	char seen[72], pin[72];
	int rc = ps_keys_seen_get(x->r, seen);
	if (!rc)
		rc = ps_keys_pin_get(x->r, pin);
	if (!rc && !opt->trust_first_use)
		rc = ps_keys_first_use_set(x->r, false);
	if (rc)
		return undo(x, made_dir, exit_code(rc), dir);
	if (!seen[0]) {
		/* the remote holds no province key: the province's first replica is
		 * the root; anyone else finds the province at a later sync */
		if (ps_replica_is_province(x->r) && !opt->trust && (rc = ps_keys_enrol_root(x->r)) && rc != PS_EEXISTS)
			return undo(x, made_dir, exit_code(rc), dir);
		return 0; /* --trust: pinned before the first sync */
	}
	roots rs;
	memset(&rs, 0, sizeof(rs));
	if (!opt->trust && (rc = ps_keys_roots_each(x->r, root_row, &rs)))
		return undo(x, made_dir, exit_code(rc), dir);
	if (rs.distinct > 1)
		return choose_root(x, opt, &rs, pin[0] ? pin : seen, made_dir, dir);
	/* --trust names the root key, or the key the root rotated to (the
	 * registry the first sync verified from the root says so) */
	int cur = opt->trust && strcmp(opt->trust, seen) ? ps_keys_is_province_key(x->r, opt->trust) : 1;
	if (cur < 0)
		return undo(x, made_dir, exit_code(cur), dir);
	if (!cur) {
		ps_error_set(
		    PS_EINVALID,
		    "init: the remote's province key is %s, not %s given with --trust: this is not the "
		    "province you meant, or the fingerprint was misread; check it with the province officer by "
		    "phone",
		    seen, opt->trust);
		return undo(x, made_dir, EXIT_INPUT, dir);
	}
	if (opt->trust || opt->trust_first_use) {
		if (!opt->trust)
			fprintf(stderr, "plansync: trusting the province key %s (first use)\n", seen);
		return 0;
	}
	if (isatty(0) && isatty(2)) {
		fprintf(stderr,
		        "The province key on the remote is\n  %s\nConfirm it with the province officer by phone. Trust "
		        "it? [y/N] ",
		        seen);
		char line[16] = "";
		if (fgets(line, sizeof(line), stdin) && (line[0] == 'y' || line[0] == 'Y'))
			return 0;
		ps_error_set(PS_EINVALID, "init: the province key %s was not trusted", seen);
		return undo(x, made_dir, EXIT_USAGE, dir);
	}
	ps_error_set(PS_EINVALID,
	             "init: the province key on the remote is %s; confirm it with the province officer by phone and "
	             "run init again with --trust %s (or --trust-first-use to trust it without asking)",
	             seen, seen);
	return undo(x, made_dir, EXIT_USAGE, dir);
}

int cmd_init(ctx *x, const args *a)
{
	const init_opts *opt = a->opts;
	ps_init_opts o = {opt->office, opt->replica, opt->remote, opt->province, opt->user, opt->key};
	if (!o.office)
		return fail_msg(EXIT_USAGE, "init: --office is required (for example --office tx-kinh-mon)");
	char office[64]; /* ids are matched case-insensitively, stored lower-case */
	if (ps_id_canon_to(office, sizeof(office), o.office))
		o.office = office;
	if (!o.user_name)
		o.user_name = getenv("PLANSYNC_USER");
	if (opt->trust && !ps_keys_fpr_valid(opt->trust))
		return fail_msg(
		    EXIT_USAGE,
		    "init: --trust \"%s\" is not a key fingerprint: it is SHA256: and 43 letters, digits, '+' "
		    "or '/', as the province officer reads it from 'plansync keys show'",
		    opt->trust);
	/* --set KEY=VALUE: checked before anything is created */
	const char *const *sets = opt->set.v;
	size_t nsets = opt->set.n;
	char keys[OPT_LIST_MAX][64];
	for (size_t i = 0; i < nsets; i++) {
		const char *eq = strchr(sets[i], '=');
		size_t kl = eq ? (size_t)(eq - sets[i]) : 0;
		int known = 0;
		if (eq && kl < sizeof(keys[i])) {
			memcpy(keys[i], sets[i], kl);
			keys[i][kl] = '\0';
			for (const char *const *k = ps_config_keys; *k; k++)
				known |= !strcmp(*k, keys[i]);
		}
		if (!known)
			return fail_msg(EXIT_USAGE,
			                "init: --set takes KEY=VALUE with a setting plansync knows, such as "
			                "ssh.key=/home/me/.ssh/id_ed25519 (see 'plansync config')");
		/* the value too: exit 3 means nothing was written */
		int crc = ps_config_check(keys[i], eq + 1);
		if (crc) {
			char why[1024];
			snprintf(why, sizeof(why), "%s", ps_error_last());
			ps_error_set(crc, "init: --set %s: %s; nothing was created", keys[i], why);
			return fail(crc);
		}
	}
	struct stat sb;
	bool made_dir = stat(a->pos[0], &sb) != 0;
	int rc = ps_replica_init(&x->r, a->pos[0], &o);
	if (rc)
		return fail(rc);
	for (size_t i = 0; i < nsets; i++)
		if ((rc = ps_config_set(x->r, keys[i], strchr(sets[i], '=') + 1))) {
			/* a value only repo.git could refuse: what init made goes, so
			 * the corrected command works */
			char why[1024];
			snprintf(why, sizeof(why), "%s", ps_error_last());
			int drc = ps_replica_discard(x->r, made_dir);
			x->r = NULL;
			if (drc)
				return fail_msg(EXIT_FAIL, "init: --set %s: %s; and %s", keys[i], why, ps_error_last());
			ps_error_set(rc, "init: --set %s: %s; no replica was kept in %s", keys[i], why, a->pos[0]);
			return fail(rc);
		}
	ps_sync_result res;
	int src = 0;
	/* --trust: the pin is recorded before the first import, so a replica
	 * init leaves half-made (killed) trusts that key and no other; without
	 * it the first sync trusts the province key it meets and settle_trust
	 * decides */
	if (opt->trust)
		src = ps_keys_pin_set(x->r, opt->trust);
	if (!src)
		src = ps_keys_first_use_set(x->r, !opt->trust);
	if (src)
		return undo(x, made_dir, exit_code(src), a->pos[0]);
	if (o.remote)
		src = ps_sync_run(x->r, &res, progress_tty, NULL);
	if (o.remote && !src) /* a plan on the remote that lacks this office */
		src = ps_suggest_check_office(x->r);
	if (o.remote && !src) /* a --key another replica is enrolled with (attack 154) */
		src = ps_keys_signing_check(x->r);
	char seen[72] = "";
	if (src == PS_EINVALID && opt->trust && !ps_keys_seen_get(x->r, seen) && seen[0] && strcmp(seen, opt->trust))
		return settle_trust(x, opt, made_dir, a->pos[0]); /* the pin matched nothing: says both */
	/* The first sync failed (no repository there, not reached, refused us,
	 * a full disk): what init made goes, since nobody has written in it
	 * yet and it would block init run again; the exit code is the
	 * failure's (3 for a path that holds nothing: nothing was written). */
	if (src) {
		char why[1024];
		snprintf(why, sizeof(why), "%s", ps_error_last());
		char *queued = strstr(why, "; changes stay queued"); /* nothing is kept to queue */
		if (queued)
			*queued = '\0';
		int drc = ps_replica_discard(x->r, made_dir);
		x->r = NULL;
		if (drc)
			return fail_msg(EXIT_FAIL, "%s; and %s", why, ps_error_last());
		ps_error_set(src, "%s; no replica was kept in %s: run init again once that is fixed", why, a->pos[0]);
		return fail(src);
	}
	if ((src = settle_trust(x, opt, made_dir, a->pos[0])))
		return src;
	if (a->json) {
		status_print_json(x->r);
	} else {
		printf("created replica %s of office %s in %s\n", ps_replica_id(x->r), ps_replica_office(x->r),
		       a->pos[0]);
		if (o.remote)
			printf("remote %s: %s\n", o.remote, res.message);
		else if (!opt->trust && !opt->trust_first_use && !ps_replica_is_province(x->r))
			printf("no province key is pinned yet: run 'plansync -C %s keys trust SHA256:...' with the "
			       "fingerprint the province officer reads out (its first sync refuses until then)\n",
			       a->pos[0]);
	}
	return 0;
}
