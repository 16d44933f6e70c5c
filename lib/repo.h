/* repo.h - internal: the replica's bare Git repository, through libgit2
 * only (repo.c, repo_objw.c, repo_remote.c). Not installed: libgit2's types
 * stay inside the library; the executables see only plansync/repo_global.h.
 *
 * Layout of a replica branch (refs/heads/replicas/<office>/<replica>),
 * format 2: a straight line of commits, one per export batch, whose tree
 * holds only that batch:
 *   plansync.json                      format file: {"format": 2, ..., "needs": "0.2.0"}
 *   changes/<office>/<h1>/<h2>/<id>.json  one change each, this commit's only
 * So a commit's tree is as small as its batch whatever the history (a
 * push hides the remote's tips, and libgit2 walks each hidden tip's whole
 * tree), and a reader walks the commits it has not seen. Format 1 (every
 * commit's tree held the whole history) is no longer read.
 * Fetched branches land in refs/remotes/origin/replicas/<office>/<replica>.
 * This module moves bytes; it knows nothing of SQLite. */
#ifndef PLANSYNC_REPO_H
#define PLANSYNC_REPO_H
#include <stddef.h>
#include <signal.h>
#include <stdbool.h>
#include <git2.h>
#include "plansync/log.h"
#include "plansync/repo_global.h"
#include "auth.h"
#include "refread.h"

#define PS_REPO_FORMAT_FILE "plansync.json"
#define PS_REPO_FORMAT      2
#define PS_PLANSYNC_VERSION "0.2.0" /* as in CMakeLists.txt; the oldest that reads PS_REPO_FORMAT */
/* The format file of every commit: the oldest plansync that reads it. */
#define PS_REPO_FORMAT_TEXT                                                                                            \
	"{\n  \"format\": 2,\n  \"layout\": \"each commit holds only its own changes: "                                \
	"changes/<office>/<h1>/<h2>/<id>.json\",\n  \"needs\": \"0.2.0\"\n}\n"
#define PS_OWN_REF_PREFIX   "refs/heads/replicas/"
#define PS_TRACK_REF_PREFIX "refs/remotes/origin/replicas/"

/* Whether libgit2 hashes each object it reads back to check its id (its
 * collision-detecting SHA-1; on by default). The import turns it off for
 * its own reads: every object it reads was hashed when it entered the
 * replica's repository (pathremote.c compares each copied object's id,
 * libgit2's indexer hashes what it indexes, and plansync's own writes are
 * named by their hash), and the check was 40% of reading a change file.
 * Process-wide, like every libgit2 option: the caller turns it back on. */
void ps_repo_hash_reads(bool on);
int ps_repo_init(git_repository **out, const char *path);
int ps_repo_open(git_repository **out, const char *path);
/* DIR/repo.git, the replica's repository: as ps_repo_open, but one that is
 * missing or no repository is PS_EREPAIR (plansync.db keeps every change;
 * 'plansync check' says how to make it again). */
int ps_repo_open_replica(git_repository **out, const char *dir);
/* Error from libgit2's last error, prefixed by what: code, with the message
 * naming a full disk or a damaged object when libgit2 says so. */
int ps_repo_error(int code, const char *what);

/* One file to add to a tree: path relative to the root, blob id. */
typedef struct ps_tree_add {
	const char *path;
	git_oid blob;
} ps_tree_add;
/* Where new objects go: loose into the object database (a few objects),
 * or collected into one pack written by ps_objw_finish (bulk: no per-object
 * files, no delta search). */
typedef struct ps_objw ps_objw;
int ps_objw_new(ps_objw **out, git_repository *repo, bool pack);
int ps_objw_add(ps_objw *w, git_oid *out, git_object_t type, const void *data, size_t len);
/* As ps_objw_add, for data just read by id with libgit2's hash check on
 * (git_odb_read, ps_repo_hash_reads): a pack entry takes that id instead of
 * hashing the data a second time. A loose object is hashed as it is written. */
int ps_objw_add_hashed(ps_objw *w, git_oid *out, const git_oid *id, git_object_t type, const void *data, size_t len);
/* Pack mode: write the pack and its index into objects/pack (fsynced,
 * renamed into place). No-op for loose mode. */
int ps_objw_finish(ps_objw *w);
void ps_objw_free(ps_objw *w);

/* New tree = base (may be NULL) plus adds (sorted by path), rewriting only
 * the trees along the added paths; new trees go to w. */
int ps_repo_tree_add(git_oid *out, git_repository *repo, ps_objw *w, const git_tree *base, ps_tree_add *adds, size_t n);

/* Set the "origin" remote to url (created or updated). A path that holds
 * nothing: PS_ENOREMOTEPATH; a path that is not a bare repository:
 * PS_EINVALID. */
int ps_repo_set_remote(git_repository *repo, const char *url);
/* A remote branch (replicas/<office>/<replica>) at commit hex that could
 * not be fetched, for the reason given. Return <0 to stop. */
typedef int (*ps_refbad_fn)(void *ctx, const char *branch, const char *hex, const char *reason);
/* Fetch all replica branches (refs/heads/replicas/... and nothing else) into the tracking refs.
 * A branch that cannot be fetched goes to bad and the others go on. deep:
 * trust no object already here to be complete (after a copy, or an object
 * found missing): walk every branch to its roots and fetch what lacks. */
int ps_repo_fetch(git_repository *repo, const ps_auth *auth, bool deep, ps_refbad_fn bad, void *badctx,
                  ps_progress_fn progress, void *ctx);
/* When origin is a directory, its branches read ahead on a thread from
 * now (refread.c), for ps_repo_fetch_ahead; *out NULL for a network
 * remote or none. The caller frees *out with ps_refs_prefetch_free. */
int ps_repo_refs_ahead(git_repository *repo, ps_refs_prefetch **out);
/* ps_repo_fetch with what ps_repo_refs_ahead read (NULL: read now) and
 * own, the branch this process moved in the remote since, read again. */
int ps_repo_fetch_ahead(git_repository *repo, const ps_auth *auth, bool deep, ps_refbad_fn bad, void *badctx,
                        ps_progress_fn progress, void *ctx, ps_refs_prefetch *ahead, const char *own);
/* Remove path and, if a directory, all it holds (not following links).
 * 0, or -1 with errno. */
int ps_repo_rm_rf(const char *path);
/* The forms of a remote, for messages. */
#define PS_REPO_URL_FORMS                                                                                              \
	"a path, file:///path, ssh://user@host/path, user@host:path, http://host/path or https://host/path"
/* 0 if url has a form plansync can use (a path, file://, ssh://,
 * [user@]host:path, http(s)://), else PS_EINVALID listing them. Stores
 * nothing and connects to nothing. */
int ps_repo_url_check(const char *url);
/* The directory of a remote given as a path or file:// URL into out;
 * false for a network URL. */
bool ps_repo_url_path(const char *url, char *out, size_t n);
/* Push refname to the same name on origin. Codes of fetch and push:
 * PS_ENOREMOTE no origin; PS_EOFFLINE not reached (host down, a path remote
 * not mounted, cancelled); PS_EAUTH credentials or host key refused;
 * PS_ENOREMOTEPATH reached, but no repository at its path; PS_EREJECTED
 * (push) the server refused the update. auth: settings for network remotes
 * (NULL: none). over (NULL: none): a lease, the remote's tip this push
 * may replace although it does not build on it (junk someone else hung on
 * our branch). */
int ps_repo_push(git_repository *repo, const ps_auth *auth, const char *refname, const git_oid *over);

/* Push src[i] to dst[i] on the repository at url (not origin): seeding a
 * new shared repository. Path remotes: a branch that holds commits we do
 * not descend from goes to bad and the others go on. */
int ps_repo_push_to(git_repository *repo, const ps_auth *auth, const char *url, const char *const *src,
                    const char *const *dst, size_t n, ps_refbad_fn bad, void *badctx);

/* Callback for each file a commit adds relative to its parent. path is
 * relative to the root; mode the tree entry's. Return <0 to stop. */
typedef int (*ps_added_fn)(void *ctx, const char *path, git_filemode_t mode, const git_oid *id);
/* Diff old (may be NULL) against new: added files go to fn; entries
 * modified or deleted, and anything that is not a tree or a file, go to bad
 * (path, reason). Unchanged subtrees are skipped by id, so the cost is the
 * size of the change. seen (may be NULL): trees met before at the same
 * path, across calls, are skipped too (a commit that lists again what an
 * earlier one did costs nothing twice). */
typedef int (*ps_bad_fn)(void *ctx, const char *path, const char *reason);
struct ps_oidset;
int ps_repo_diff_added(git_repository *repo, const git_tree *old, const git_tree *new_tree, struct ps_oidset *seen,
                       ps_added_fn fn, ps_bad_fn bad, void *ctx);

/* The change files a branch holds, every commit from its root to tip as
 * far as the import reads (format-1 commits left out, a newer format ends
 * it), indexed by path for lookups (identity repairs and changes met in
 * two versions: rare, O(branch)). */
typedef struct ps_branch_files ps_branch_files;
int ps_branch_files_read(ps_branch_files **out, git_repository *repo, const git_oid *tip);
/* The branch format a commit's tree names, as the import judges it:
 * PS_REPO_FORMAT when it has no format file or a malformed one (not a
 * whole number from 1 up), else the number. */
int ps_repo_tree_format(git_repository *repo, const git_tree *t);
/* The k-th oldest listing of path (0: the oldest), or NULL. */
const git_oid *ps_branch_files_nth(const ps_branch_files *f, const char *path, size_t k);
void ps_branch_files_free(ps_branch_files *f);

/* Signed commits (repo_sign.c). The commit bytes commit (len) with a
 * "gpgsig" header holding the sshsig (namespace "git") of those bytes,
 * appended to out, as git commit -S writes with gpg.format=ssh. */
#include "plansync/json.h"
#include "plansync/key.h"
int ps_commit_sign(ps_buf *out, const ps_key *k, const char *commit, size_t len);
/* A commit's signature as Git stores it: 0 and the signer's public key
 * when validly signed; PS_ENOTFOUND: not signed; PS_EINVALID: the reason
 * (bad signature, not an SSH signature, wrong namespace, ...). */
int ps_commit_signer(uint8_t signer[32], git_repository *repo, const git_oid *commit);

#endif
