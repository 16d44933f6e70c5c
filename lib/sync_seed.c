/* sync_seed.c - fill a new, empty shared repository (plansync remote seed).
 *
 * Pushes every replica branch this replica holds (its own, every fetched
 * one, and kept ones deleted on the old remote) to a new repository; a
 * branch the target already has with other commits stays there, and ours
 * goes beside it under a new name of the same office, so nothing only this
 * replica holds is lost. Exports ps_sync_seed. Never changes the replica's
 * remote and never writes SQL. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "sync_int.h"
#include "plansync/error.h"
#include "plansync/log.h"
struct refused {
	char **names; /* "replicas/<office>/<replica>" */
	size_t n;
};

static int on_seed_refused(void *ctx, const char *branch, const char *hex, const char *reason)
{
	struct refused *rf = ctx;
	char **nn = realloc(rf->names, (rf->n + 1) * sizeof(char *));
	if (!nn)
		return ps_error_set(PS_ENOMEM, "out of memory");
	rf->names = nn;
	if (!(rf->names[rf->n] = strdup(branch)))
		return ps_error_set(PS_ENOMEM, "out of memory");
	rf->n++;
	return 0;
}

/* A branch the target holds with other commits (it was seeded from a replica
 * that was behind, and its writer went on from there): ours goes in under a
 * new name of the same office, so every change only we hold still reaches
 * every replica (readers skip the ones they know by id). */
static int seed_renamed(ps_replica *r, git_repository *repo, const char *url, char **src, char **dst, size_t n,
                        const struct refused *rf, long *renamed)
{
	int rc = 0;
	for (size_t i = 0; i < rf->n && !rc; i++) {
		char want[400], office[64] = "", sfx[7], ndst[400];
		snprintf(want, sizeof(want), "refs/heads/%s", rf->names[i]);
		size_t k;
		for (k = 0; k < n && strcmp(dst[k], want); k++)
			;
		const char *o = rf->names[i] + strlen("replicas/"), *slash = strchr(o, '/');
		if (k == n || !slash || (size_t)(slash - o) >= sizeof(office))
			continue;
		memcpy(office, o, (size_t)(slash - o));
		if ((rc = ps_replica_random_suffix(sfx)))
			break;
		snprintf(ndst, sizeof(ndst), PS_OWN_REF_PREFIX "%s/%s-%s", office, office, sfx);
		const char *s1[] = {src[k]}, *d1[] = {ndst};
		ps_auth auth;
		ps_sync_load_auth(r, &auth);
		if (!(rc = ps_repo_push_to(repo, &auth, url, s1, d1, 1, NULL, NULL))) {
			(*renamed)++;
			ps_log(PS_LOG_WARN, "%s held other commits there; this replica's copy was sent as %s",
			       rf->names[i], ndst + strlen("refs/heads/"));
		}
	}
	return rc;
}

int ps_sync_seed(ps_replica *r, const char *url, long *pushed, long *refused)
{
	assert(r && url && pushed && refused);
	*pushed = *refused = 0;
	int lock = ps_sync_lock(r);
	if (lock < 0)
		return lock;
	git_repository *repo = NULL;
	char **src = NULL, **dst = NULL;
	size_t n = 0, cap = 0;
	long exported = 0;
	int rc = ps_sync_export(r, &exported);
	if (rc || (rc = ps_sync_open_repo(r, &repo)))
		goto out;
	git_reference_iterator *it = NULL;
	if (git_reference_iterator_glob_new(&it, repo, "refs/*") < 0) {
		rc = ps_repo_error(PS_ERROR, "listing branches");
		goto out;
	}
	git_reference *ref;
	while (!rc && git_reference_next(&ref, it) == 0) {
		const char *name = git_reference_name(ref);
		const char *rest = NULL;
		if (!strncmp(name, PS_OWN_REF_PREFIX, strlen(PS_OWN_REF_PREFIX)))
			rest = name + strlen(PS_OWN_REF_PREFIX);
		else if (!strncmp(name, PS_TRACK_REF_PREFIX, strlen(PS_TRACK_REF_PREFIX)))
			rest = name + strlen(PS_TRACK_REF_PREFIX);
		else if (!strncmp(name, "refs/plansync/kept/replicas/", 28))
			rest = name + 28;
		if (rest && git_reference_type(ref) == GIT_REFERENCE_DIRECT) {
			if (n == cap) {
				cap = cap ? cap * 2 : 32;
				char **ns = realloc(src, cap * sizeof(char *)),
				     **nd = ns ? realloc(dst, cap * sizeof(char *)) : NULL;
				if (ns)
					src = ns;
				if (nd)
					dst = nd;
				if (!ns || !nd)
					rc = ps_error_set(PS_ENOMEM, "out of memory");
			}
			size_t l = strlen(PS_OWN_REF_PREFIX) + strlen(rest) + 1;
			if (!rc && (src[n] = strdup(name)) && (dst[n] = malloc(l))) {
				snprintf(dst[n], l, PS_OWN_REF_PREFIX "%s", rest);
				n++;
			} else if (!rc) {
				free(src[n]);
				rc = ps_error_set(PS_ENOMEM, "out of memory");
			}
		}
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	if (rc)
		goto out;
	/* Our own branch and its tracking ref name the same branch: send ours. */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j;
		for (j = 0; j < k && strcmp(dst[j], dst[i]); j++)
			;
		if (j < k) {
			/* ours over a fetched one over a kept one */
			if (!strncmp(src[i], PS_OWN_REF_PREFIX, strlen(PS_OWN_REF_PREFIX)) ||
			    !strncmp(src[j], "refs/plansync/kept/", 19)) {
				free(src[j]);
				src[j] = src[i];
			} else {
				free(src[i]);
			}
			free(dst[i]);
			continue;
		}
		src[k] = src[i];
		dst[k++] = dst[i];
	}
	assert(k <= n);
	n = k;
	ps_auth auth;
	ps_sync_load_auth(r, &auth);
	struct refused rf = {NULL, 0};
	rc = ps_repo_push_to(repo, &auth, url, (const char *const *)src, (const char *const *)dst, n, on_seed_refused,
	                     &rf);
	if (!rc)
		rc = seed_renamed(r, repo, url, src, dst, n, &rf, refused);
	if (!rc)
		*pushed = (long)(n - rf.n) + *refused;
	for (size_t i = 0; i < rf.n; i++)
		free(rf.names[i]);
	free(rf.names);
out:
	for (size_t i = 0; i < n; i++) {
		free(src[i]);
		free(dst[i]);
	}
	free(src);
	free(dst);
	git_repository_free(repo);
	close(lock);
	return rc;
}
