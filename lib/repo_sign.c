/* repo_sign.c - commits signed as git signs them with gpg.format=ssh.
 *
 * Exports ps_commit_sign and ps_commit_signer (repo.h). The signature is
 * an sshsig (key.h) in namespace "git" over the commit's bytes without it,
 * stored as the "gpgsig" header after the other headers, one line of the
 * armored text per header line, continuation lines starting with a space:
 * the bytes `git commit -S` writes, so `git verify-commit` checks them with
 * an allowed-signers file. Reading is strict: exactly the headers plansync
 * writes (anything else is refused, so readers and git agree on the signed
 * bytes), one gpgsig header, bounded size. Never decides whether a
 * signer may write a branch (that is the key registry's job). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/error.h"
#include "plansync/key.h"
#include "repo.h"

#define SIG_HEADER    "gpgsig"
#define SIG_NAMESPACE "git"
#define COMMIT_MAX    (1 << 20) /* as pathremote.c: a commit larger than this is refused */

int ps_commit_sign(ps_buf *out, const ps_key *k, const char *commit, size_t len)
{
	assert(out && k && commit);
	const char *eoh = NULL;
	for (size_t i = 0; i + 1 < len && !eoh; i++)
		if (commit[i] == '\n' && commit[i + 1] == '\n')
			eoh = commit + i + 1;
	if (!eoh)
		return ps_error_set(PS_ERROR, "cannot sign a commit without its blank line after the headers");
	char *sig = NULL;
	int rc = ps_sshsig_sign(&sig, k, SIG_NAMESPACE, commit, len);
	if (rc)
		return rc;
	ps_buf_put(out, commit, (size_t)(eoh - commit));
	ps_buf_puts(out, SIG_HEADER);
	for (const char *line = sig; *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
		ps_buf_puts(out, " ");
		ps_buf_put(out, line, n);
		if (!nl)
			ps_buf_puts(out, "\n");
		line += n;
	}
	ps_buf_put(out, eoh, len - (size_t)(eoh - commit));
	free(sig);
	return ps_buf_error(out) ? ps_error_set(PS_ENOMEM, "out of memory") : 0;
}

/* Whether the header line p (n bytes with its newline) starts with name
 * and a space. */
static bool is_header(const char *p, size_t n, const char *name)
{
	size_t k = strlen(name);
	return n > k + 1 && memcmp(p, name, k) == 0 && p[k] == ' ';
}

/* Whether header line p (n bytes, newline included) is "name <40 hex>". */
static bool is_oid_header(const char *p, size_t n, const char *name)
{
	size_t k = strlen(name);
	if (n != k + 1 + GIT_OID_HEXSZ + 1 || !is_header(p, n, name))
		return false;
	for (size_t i = k + 1; i < k + 1 + GIT_OID_HEXSZ; i++)
		if (!strchr("0123456789abcdef", p[i]) || !p[i])
			return false;
	return true;
}

/* Split raw commit bytes into the signature (its lines rejoined) and the
 * bytes it signs (everything else). The headers must be exactly those
 * plansync writes, in its order: tree, parents, author, committer, at most
 * one gpgsig with its continuation lines, then the blank line. Anything
 * else (another header, one git also leaves out of the payload such as
 * "gpgsig-sha256" or "gpgsigx", a NUL) is refused with its reason, so no
 * reader and no `git verify-commit` can see different signed bytes. */
static int split(ps_buf *sig, ps_buf *payload, const char *raw, size_t len, int *nsig, const char *hex)
{
	enum { TREE, PARENT, AUTHOR, COMMITTER, SIG, DONE } at = TREE;
	const char *p = raw, *end = raw + len;
	*nsig = 0;
	while (p < end && at != DONE) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return ps_error_set(PS_EINVALID, "commit %s has no blank line after its headers", hex);
		size_t n = (size_t)(nl + 1 - p);
		if (memchr(p, '\0', n))
			return ps_error_set(PS_EINVALID, "commit %s has a NUL byte in its headers", hex);
		bool ok = true;
		if (n == 1) {
			ok = at == COMMITTER || at == SIG;
			at = DONE;
			ps_buf_put(payload, p, n);
		} else if (*p == ' ') {
			ok = at == SIG;
			if (ok)
				ps_buf_put(sig, p + 1, n - 1);
		} else if (at == TREE) {
			ok = is_oid_header(p, n, "tree");
			at = PARENT;
			ps_buf_put(payload, p, n);
		} else if (at == PARENT && is_oid_header(p, n, "parent")) {
			ps_buf_put(payload, p, n);
		} else if (at == PARENT) {
			ok = is_header(p, n, "author");
			at = AUTHOR;
			ps_buf_put(payload, p, n);
		} else if (at == AUTHOR) {
			ok = is_header(p, n, "committer");
			at = COMMITTER;
			ps_buf_put(payload, p, n);
		} else if (at == COMMITTER && is_header(p, n, SIG_HEADER)) {
			at = SIG;
			(*nsig)++;
			ps_buf_put(sig, p + sizeof(SIG_HEADER), n - sizeof(SIG_HEADER));
		} else if (at == SIG && is_header(p, n, SIG_HEADER)) {
			(*nsig)++; /* refused below, counted in the message */
			ps_buf_put(sig, p + sizeof(SIG_HEADER), n - sizeof(SIG_HEADER));
		} else {
			ok = false;
		}
		if (!ok) {
			size_t w = strcspn(p, " \n");
			return ps_error_set(
			    PS_EINVALID,
			    "commit %s has a header \"%.*s\" where plansync writes tree, parent, author, "
			    "committer and one gpgsig; such a commit is refused",
			    hex, (int)(w > 40 ? 40 : w), p);
		}
		p = nl + 1;
	}
	if (at != DONE)
		return ps_error_set(PS_EINVALID, "commit %s has no blank line after its headers", hex);
	ps_buf_put(payload, p, (size_t)(end - p));
	return ps_buf_error(sig) || ps_buf_error(payload) ? ps_error_set(PS_ENOMEM, "out of memory") : 0;
}

int ps_commit_signer(uint8_t signer[32], git_repository *repo, const git_oid *commit)
{
	assert(signer && repo && commit);
	memset(signer, 0, 32);
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), commit);
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	ps_buf sig = PS_BUF_INIT, payload = PS_BUF_INIT;
	int rc = 0, nsig = 0;
	if (git_repository_odb(&odb, repo) < 0 || git_odb_read(&obj, odb, commit) < 0) {
		rc = ps_repo_error(PS_ERROR, "reading a commit to check its signature");
		goto done;
	}
	if (git_odb_object_type(obj) != GIT_OBJECT_COMMIT) {
		rc = ps_error_set(PS_EINVALID, "%s is not a commit", hex);
		goto done;
	}
	size_t len = git_odb_object_size(obj);
	if (len > COMMIT_MAX) {
		rc = ps_error_set(PS_EINVALID, "commit %s is larger than 1 MiB", hex);
		goto done;
	}
	if ((rc = split(&sig, &payload, git_odb_object_data(obj), len, &nsig, hex)))
		goto done;
	if (nsig == 0) {
		rc = ps_error_set(PS_ENOTFOUND, "commit %s is not signed", hex);
		goto done;
	}
	if (nsig > 1) {
		rc =
		    ps_error_set(PS_EINVALID, "commit %s has %d signature headers; a signed commit has one", hex, nsig);
		goto done;
	}
	rc = ps_sshsig_verify(signer, sig.ptr, sig.len, SIG_NAMESPACE, payload.ptr ? payload.ptr : "", payload.len);
	if (rc && rc != PS_ENOMEM) { /* out of memory says nothing of the signature */
		char why[900];
		snprintf(why, sizeof(why), "%s", ps_error_last());
		rc = ps_error_set(PS_EINVALID, "commit %s: %s", hex, why);
	}
done:
	ps_buf_release(&sig);
	ps_buf_release(&payload);
	git_odb_object_free(obj);
	git_odb_free(odb);
	return rc;
}
