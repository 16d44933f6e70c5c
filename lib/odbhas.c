/* odbhas.c - whether a repository has an object, at the cost of a memory
 * lookup. libgit2's git_odb_exists looks in the packs, then for a loose
 * file with one access() per object: a walk that meets 100,000 objects the
 * repository lacks (a first push, a join) made 100,000 failed system calls.
 * and libgit2's pack lookup costs thousands of instructions (its cache,
 * locks and pack windows). Here the pack indexes are mapped and searched
 * directly (packidx.c), and the loose objects of a fan-out directory
 * (objects/xx) are listed once, the first time an id in it is asked for,
 * into a set.
 *
 * Exports ps_odbhas_*. Never reads an object's content. A pack or loose
 * object another process adds after it was looked at is not seen: the
 * caller copies that object again, which is harmless. A repository with
 * alternates, or a pack index that is not version 2, is asked through
 * libgit2 (which follows alternates and reads every index version). */
#include <assert.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "odbhas.h"
#include "packidx.h"
#include "oidset.h"
#include "repo.h"
#include "plansync/error.h"

struct ps_odbhas {
	ps_packidx *idx; /* the pack indexes, each with its pack there */
	size_t nidx;
	git_odb *whole; /* instead, the repository's odb (alternates, an old index) */
	ps_oidset loose;
	unsigned char listed[32]; /* a bit per fan-out directory already listed */
	char objdir[4097];
};

/* Map every pack index of objects/pack whose pack is there; 1 when one
 * cannot be read as version 2 (libgit2 is asked instead). */
static int map_packs(ps_odbhas *h)
{
	char dir[4200];
	snprintf(dir, sizeof(dir), "%.4096s/pack", h->objdir);
	DIR *d = opendir(dir);
	if (!d)
		return 0; /* no packs */
	struct dirent *e;
	int rc = 0;
	size_t cap = 0;
	while (!rc && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 9 || strncmp(e->d_name, "pack-", 5) != 0 || strcmp(e->d_name + len - 4, ".idx") != 0)
			continue;
		char path[4400];
		snprintf(path, sizeof(path), "%.4096s/%.*s.pack", dir, (int)(len - 4), e->d_name);
		if (access(path, F_OK) != 0)
			continue; /* an index whose pack is gone (or not yet there) holds nothing */
		snprintf(path, sizeof(path), "%.4096s/%.255s", dir, e->d_name);
		if (h->nidx == cap) {
			cap = cap ? cap * 2 : 8;
			ps_packidx *n = realloc(h->idx, cap * sizeof(*n));
			if (!n) {
				rc = ps_error_set(PS_ENOMEM, "out of memory");
				break;
			}
			h->idx = n;
		}
		if (ps_packidx_open(&h->idx[h->nidx], path) != 0)
			rc = 1;
		else
			h->nidx++;
	}
	closedir(d);
	return rc;
}

int ps_odbhas_new(ps_odbhas **out, git_repository *repo)
{
	assert(out && repo);
	*out = NULL;
	ps_odbhas *h = calloc(1, sizeof(*h));
	char alt[4200];
	int rc = 0;
	if (!h)
		return ps_error_set(PS_ENOMEM, "out of memory");
	if ((size_t)snprintf(h->objdir, sizeof(h->objdir), "%sobjects", git_repository_path(repo)) >=
	    sizeof(h->objdir)) {
		rc = ps_error_set(PS_ERROR, "the repository's path is too long");
		goto out;
	}
	snprintf(alt, sizeof(alt), "%.4096s/info/alternates", h->objdir);
	if (access(alt, F_OK) == 0 || (rc = map_packs(h)) == 1) {
		rc = 0;
		if (git_repository_odb(&h->whole, repo) < 0)
			rc = ps_repo_error(PS_ERROR, "opening an object database");
	}
out:
	if (rc)
		ps_odbhas_free(h);
	else
		*out = h;
	return rc;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Put the loose objects of objects/xx into the set. */
static int list_dir(ps_odbhas *h, unsigned fan)
{
	char dir[4200];
	snprintf(dir, sizeof(dir), "%.4096s/%02x", h->objdir, fan);
	h->listed[fan / 8] |= (unsigned char)(1u << (fan % 8));
	DIR *d = opendir(dir);
	if (!d)
		return 0; /* no such directory: no loose object there */
	struct dirent *e;
	int rc = 0;
	while (!rc && (e = readdir(d))) {
		git_oid id;
		id.id[0] = (unsigned char)fan;
		size_t i = 0;
		for (; i < GIT_OID_RAWSZ - 1; i++) {
			int hi = hexval((unsigned char)e->d_name[2 * i]),
			    lo = hi < 0 ? -1 : hexval((unsigned char)e->d_name[2 * i + 1]);
			if (lo < 0)
				break;
			id.id[i + 1] = (unsigned char)(hi << 4 | lo);
		}
		if (i == GIT_OID_RAWSZ - 1 && e->d_name[2 * i] == '\0')
			rc = ps_oidset_put(&h->loose, &id, 1);
	}
	closedir(d);
	return rc;
}

int ps_odbhas_has(ps_odbhas *h, const git_oid *id)
{
	assert(h && id);
	if (h->whole)
		return git_odb_exists_ext(h->whole, id, GIT_ODB_LOOKUP_NO_REFRESH);
	for (size_t i = 0; i < h->nidx; i++)
		if (ps_packidx_has(&h->idx[i], id))
			return 1;
	unsigned fan = id->id[0];
	if (!(h->listed[fan / 8] & (1u << (fan % 8))))
		(void)list_dir(h, fan); /* out of memory: some are not in the set, and are copied again */
	return ps_oidset_get(&h->loose, id) != PS_OIDSET_ABSENT;
}

void ps_odbhas_free(ps_odbhas *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nidx; i++)
		ps_packidx_close(&h->idx[i]);
	free(h->idx);
	git_odb_free(h->whole);
	ps_oidset_free(&h->loose);
	free(h);
}
