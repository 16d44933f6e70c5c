/* repo_sign.c - commits signed as git signs them with gpg.format=ssh.
 *
 * Exports ps_commit_sign and ps_commit_signer (repo.h). The signature is
 * an sshsig (key.h) in namespace "git" over the commit's bytes without it,
 * stored as the "gpgsig" header after the other headers, one line of the
 * armored text per header line, continuation lines starting with a space:
 * the bytes `git commit -S` writes, so `git verify-commit` checks them with
 * an allowed-signers file. Reading is strict: the header part of the
 * commit only, one gpgsig header, bounded size. Never decides whether a
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

/* Split raw commit bytes into the signature (its lines rejoined) and the
 * bytes it signs (everything else), as git does: headers "gpgsig" and
 * "gpgsig-sha256" with their continuation lines leave the payload. */
static int split(ps_buf *sig, ps_buf *payload, const char *raw, size_t len, int *nsig)
{
	const char *p = raw, *end = raw + len;
	bool in_headers = true, in_sig = false, in_other = false;
	*nsig = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		size_t n = (size_t)(next - p);
		if (in_headers && n == 1 && *p == '\n')
			in_headers = false;
		if (in_headers && (in_sig || in_other) && *p == ' ') {
			if (in_sig)
				ps_buf_put(sig, p + 1, n - 1);
		} else if (in_headers && n > sizeof(SIG_HEADER) && memcmp(p, SIG_HEADER " ", sizeof(SIG_HEADER)) == 0) {
			in_sig = true;
			in_other = false;
			(*nsig)++;
			ps_buf_put(sig, p + sizeof(SIG_HEADER), n - sizeof(SIG_HEADER));
		} else if (in_headers && n > 14 && memcmp(p, SIG_HEADER "-sha256 ", 14) == 0) {
			in_sig = false;
			in_other = true;
		} else {
			in_sig = in_other = false;
			ps_buf_put(payload, p, n);
		}
		p = next;
	}
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
	if ((rc = split(&sig, &payload, git_odb_object_data(obj), len, &nsig)))
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
