/* test_sshsig.c - the Ed25519 key files and SSH signatures against
 * OpenSSH's own ssh-keygen, run here at test time: a key ssh-keygen made is
 * read and signs byte for byte what ssh-keygen -Y sign writes (Ed25519 is
 * deterministic); a key we made is read by ssh-keygen -y; our signatures
 * pass ssh-keygen -Y verify; ssh-keygen's pass ours; a tampered message,
 * signature or namespace is refused; fingerprints equal ssh-keygen -l; bad
 * key files (loose permissions, corrupt, encrypted, RSA, ECDSA, a public
 * key) are refused with a reason. ps_commit_signer reads what git commit -S
 * writes with gpg.format=ssh, and git verify-commit accepts what
 * ps_commit_sign writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "util.h"
#include "plansync/error.h"
#include "plansync/key.h"
#include "repo.h"

static char *dir;

/* Output of a shell command (trailing newline kept); exit status in *st. */
static char *run(int *st, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char *out = calloc(1, 65536);
	assert_non_null(out);
	size_t n = fread(out, 1, 65535, p);
	out[n] = '\0';
	int status = pclose(p);
	if (st)
		*st = status;
	return out;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = calloc(1, 65536);
	assert_non_null(buf);
	size_t n = fread(buf, 1, 65535, f);
	fclose(f);
	if (len)
		*len = n;
	return buf;
}

static void spit(const char *path, const char *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

static const char msg[] = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1 +0000\n\nmessage\n";

static int setup(void **state)
{
	dir = tmpdir_new();
	int st;
	free(run(&st, "ssh-keygen -q -t ed25519 -N '' -C 'their key' -f %s/theirs >/dev/null 2>&1", dir));
	assert_int_equal(st, 0);
	char path[600];
	snprintf(path, sizeof(path), "%s/msg", dir);
	spit(path, msg, strlen(msg));
	return 0;
}

static int teardown(void **state)
{
	tmpdir_remove(dir);
	return 0;
}

/* ssh-keygen's key is read; its public key and fingerprint are ours too;
 * our signature with it is the very bytes ssh-keygen -Y sign writes. */
static void test_read_theirs_sign_same(void **state)
{
	char path[600], pubpath[600];
	snprintf(path, sizeof(path), "%s/theirs", dir);
	snprintf(pubpath, sizeof(pubpath), "%s/theirs.pub", dir);
	ps_key *k = NULL;
	assert_int_equal(ps_key_load(&k, path), 0);
	assert_string_equal(ps_key_comment(k), "their key");
	char *pubfile = slurp(pubpath, NULL), *text = NULL;
	assert_int_equal(ps_pubkey_text(&text, ps_key_public(k), "their key"), 0);
	assert_int_equal(strncmp(pubfile, text, strlen(text)), 0);
	uint8_t pub[32];
	assert_int_equal(ps_pubkey_parse(pub, pubfile), 0);
	assert_memory_equal(pub, ps_key_public(k), 32);
	int st;
	char *l = run(&st, "ssh-keygen -l -E sha256 -f %s", pubpath), fpr[PS_KEY_FPR_MAX];
	assert_int_equal(st, 0);
	ps_pubkey_fingerprint(fpr, pub);
	assert_non_null(strstr(l, fpr));
	assert_int_equal(strlen(fpr), 50);

	free(run(&st, "cd %s && ssh-keygen -q -Y sign -f theirs -n git msg 2>&1", dir));
	assert_int_equal(st, 0);
	char sigpath[600];
	snprintf(sigpath, sizeof(sigpath), "%s/msg.sig", dir);
	size_t sn;
	char *theirs = slurp(sigpath, &sn), *ours = NULL;
	assert_int_equal(ps_sshsig_sign(&ours, k, "git", msg, strlen(msg)), 0);
	assert_string_equal(ours, theirs);

	uint8_t signer[32];
	assert_int_equal(ps_sshsig_verify(signer, theirs, sn, "git", msg, strlen(msg)), 0);
	assert_memory_equal(signer, pub, 32);
	free(ours);
	free(theirs);
	free(l);
	free(text);
	free(pubfile);
	ps_key_free(k);
}

/* A key we make: ssh-keygen -y derives the public key we wrote beside it,
 * mode 0600; ssh-keygen -Y verify accepts our signature, and its own with
 * our key verifies with us. Never overwritten. */
static void test_ours_read_by_ssh_keygen(void **state)
{
	char path[600], pubpath[600];
	snprintf(path, sizeof(path), "%s/ours", dir);
	snprintf(pubpath, sizeof(pubpath), "%s/ours.pub", dir);
	assert_int_equal(ps_key_generate(path, "tinh tinh-main"), 0);
	assert_int_equal(ps_key_generate(path, "again"), PS_EEXISTS);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	int rc;
	char *derived = run(&rc, "ssh-keygen -y -f %s", path), *pubfile = slurp(pubpath, NULL);
	assert_int_equal(rc, 0);
	assert_string_equal(derived, pubfile); /* OpenSSH 9 prints the comment too */
	assert_non_null(strstr(pubfile, " tinh tinh-main\n"));

	ps_key *k = NULL;
	assert_int_equal(ps_key_load(&k, path), 0);
	char *sig = NULL;
	assert_int_equal(ps_sshsig_sign(&sig, k, "git", msg, strlen(msg)), 0);
	char sigpath[600], allowed[600], line[800];
	snprintf(sigpath, sizeof(sigpath), "%s/ours.sig", dir);
	spit(sigpath, sig, strlen(sig));
	snprintf(allowed, sizeof(allowed), "%s/allowed", dir);
	char *pt = NULL;
	assert_int_equal(ps_pubkey_text(&pt, ps_key_public(k), NULL), 0);
	snprintf(line, sizeof(line), "me@plansync.invalid namespaces=\"git\" %s\n", pt);
	spit(allowed, line, strlen(line));
	char *out = run(&rc, "ssh-keygen -Y verify -f %s -I me@plansync.invalid -n git -s %s < %s/msg 2>&1", allowed,
	                sigpath, dir);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "Good"));
	free(out);
	/* the same signature over another message or namespace: ssh-keygen refuses too */
	out = run(&rc, "printf x | ssh-keygen -Y verify -f %s -I me@plansync.invalid -n git -s %s 2>&1", allowed,
	          sigpath);
	assert_int_not_equal(rc, 0);
	free(out);

	free(run(&rc, "cd %s && rm -f msg.sig && ssh-keygen -q -Y sign -f ours -n git msg 2>&1", dir));
	assert_int_equal(rc, 0);
	size_t sn;
	snprintf(sigpath, sizeof(sigpath), "%s/msg.sig", dir);
	char *theirs = slurp(sigpath, &sn);
	uint8_t signer[32];
	assert_int_equal(ps_sshsig_verify(signer, theirs, sn, "git", msg, strlen(msg)), 0);
	assert_memory_equal(signer, ps_key_public(k), 32);
	assert_string_equal(theirs, sig);
	free(theirs);
	free(pt);
	free(sig);
	free(derived);
	free(pubfile);
	ps_key_free(k);
}

/* Tampering: one byte of the message, one character of the signature, the
 * namespace, the armor, another key type, sizes. */
static void test_tampered_refused(void **state)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/theirs", dir);
	int rc;
	free(run(&rc, "cd %s && rm -f msg.sig && ssh-keygen -q -Y sign -f theirs -n git msg 2>&1", dir));
	assert_int_equal(rc, 0);
	char sigpath[600];
	snprintf(sigpath, sizeof(sigpath), "%s/msg.sig", dir);
	size_t sn;
	char *sig = slurp(sigpath, &sn);
	uint8_t signer[32];
	char bad[sizeof(msg)];
	memcpy(bad, msg, sizeof(msg));
	bad[10] ^= 1;
	assert_int_equal(ps_sshsig_verify(signer, sig, sn, "git", bad, strlen(bad)), PS_EINVALID);
	assert_non_null(strstr(ps_error_last(), "bad signature"));
	assert_int_equal(ps_sshsig_verify(signer, sig, sn, "file", msg, strlen(msg)), PS_EINVALID);
	assert_non_null(strstr(ps_error_last(), "namespace 'git'"));
	/* a character of the Ed25519 signature (near the end of the base64) */
	char *t = strdup(sig);
	char *end = strstr(t, "\n-----END");
	assert_non_null(end);
	end[-5] = end[-5] == 'A' ? 'B' : 'A';
	assert_int_equal(ps_sshsig_verify(signer, t, sn, "git", msg, strlen(msg)), PS_EINVALID);
	/* the public key inside the signature (just after the magic) */
	strcpy(t, sig);
	t[strlen("-----BEGIN SSH SIGNATURE-----\n") + 30] ^= 2;
	assert_int_equal(ps_sshsig_verify(signer, t, sn, "git", msg, strlen(msg)), PS_EINVALID);
	/* no armor, cut short, text before it */
	assert_int_equal(ps_sshsig_verify(signer, "hello", 5, "git", msg, strlen(msg)), PS_EINVALID);
	assert_non_null(strstr(ps_error_last(), "not an SSH signature"));
	assert_int_equal(ps_sshsig_verify(signer, sig, sn / 2, "git", msg, strlen(msg)), PS_EINVALID);
	char *pre = malloc(sn + 3);
	memcpy(pre, "x\n", 2);
	memcpy(pre + 2, sig, sn + 1);
	assert_int_equal(ps_sshsig_verify(signer, pre, sn + 2, "git", msg, strlen(msg)), PS_EINVALID);
	free(pre);
	/* oversized */
	char *big = calloc(1, PS_SSHSIG_MAX + 2);
	memset(big, 'A', PS_SSHSIG_MAX + 1);
	assert_int_equal(ps_sshsig_verify(signer, big, PS_SSHSIG_MAX + 1, "git", msg, strlen(msg)), PS_EINVALID);
	free(big);
	/* the untampered one still verifies */
	assert_int_equal(ps_sshsig_verify(signer, sig, sn, "git", msg, strlen(msg)), 0);
	free(t);
	free(sig);

	/* an ECDSA key's signature: named, refused */
	free(run(&rc,
	         "cd %s && ssh-keygen -q -t ecdsa -N '' -f ec && rm -f msg.sig && "
	         "ssh-keygen -q -Y sign -f ec -n git msg 2>&1",
	         dir));
	assert_int_equal(rc, 0);
	sig = slurp(sigpath, &sn);
	assert_int_equal(ps_sshsig_verify(signer, sig, sn, "git", msg, strlen(msg)), PS_EINVALID);
	assert_non_null(strstr(ps_error_last(), "ecdsa"));
	free(sig);
}

static void expect_refused(const char *file, const char *words)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	ps_key *k = NULL;
	assert_int_equal(ps_key_load(&k, path), PS_EINVALID);
	assert_null(k);
	if (!strstr(ps_error_last(), words) || !strstr(ps_error_last(), path))
		fail_msg("%s: '%s' lacks '%s' or the path", file, ps_error_last(), words);
}

static void test_bad_keys_refused(void **state)
{
	int rc;
	free(run(&rc,
	         "cd %s && cp -p theirs loose && chmod 644 loose && "
	         "cp -p theirs corrupt && "
	         "ssh-keygen -q -t ed25519 -N secret -f enc && ssh-keygen -q -t rsa -b 1024 -N '' -f rsa && "
	         "ssh-keygen -q -t rsa -b 1024 -m PEM -N '' -f rsapem && ssh-keygen -q -t ecdsa -N '' -f ecd && "
	         "cp theirs.pub pubonly && chmod 600 pubonly && head -c 100 theirs > short && chmod 600 short",
	         dir));
	assert_int_equal(rc, 0);
	expect_refused("loose", "chmod 600");
	expect_refused("loose", "0644");
	expect_refused("enc", "encrypted");
	expect_refused("rsa", "Ed25519");
	expect_refused("rsa", "ssh-rsa");
	expect_refused("rsapem", "Ed25519");
	expect_refused("ecd", "ecdsa");
	expect_refused("pubonly", "public key");
	expect_refused("short", "corrupt");
	/* one base64 character changed in the private part */
	char path[600];
	size_t n;
	snprintf(path, sizeof(path), "%s/theirs", dir);
	char *text = slurp(path, &n);
	char *line3 = strchr(strchr(text, '\n') + 1, '\n') + 1;
	line3[40] = line3[40] == 'A' ? 'B' : 'A';
	snprintf(path, sizeof(path), "%s/corrupt", dir);
	spit(path, text, n);
	free(text);
	expect_refused("corrupt", "corrupt");
	snprintf(path, sizeof(path), "%s/missing", dir);
	ps_key *k = NULL;
	assert_int_equal(ps_key_load(&k, path), PS_ENOTFOUND);
	/* public key texts */
	uint8_t pub[32];
	assert_int_equal(ps_pubkey_parse(pub, "ssh-rsa AAAAB3NzaC1yc2E= x"), PS_EINVALID);
	assert_int_equal(ps_pubkey_parse(pub, "ssh-ed25519 !!!!"), PS_EINVALID);
	assert_int_equal(ps_pubkey_parse(pub, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA=="), PS_EINVALID);
	assert_int_equal(ps_pubkey_parse(pub, ""), PS_EINVALID);
}

static int signer_of(uint8_t signer[32], git_repository *repo, const char *hex)
{
	git_oid oid;
	assert_int_equal(git_oid_fromstr(&oid, hex), 0);
	return ps_commit_signer(signer, repo, &oid);
}

static void test_commit_signatures(void **state)
{
	int rc;
	char *out =
	    run(&rc,
	        "cd %s && git init -q repo && cd repo && git config user.name T && git config user.email t@x && "
	        "git config gpg.format ssh && git config user.signingkey %s/theirs && "
	        "git commit -q --allow-empty -m unsigned && git rev-parse HEAD && "
	        "git commit -q --allow-empty -S -m 'signed by git' && git rev-parse HEAD && "
	        "git cat-file commit HEAD | sed 's/signed by git/forged/' | git hash-object -t commit -w --stdin && "
	        "git cat-file commit HEAD | sed '/^gpgsig /,/END SSH SIGNATURE/p' | "
	        "git hash-object -t commit -w --literally --stdin",
	        dir, dir);
	assert_int_equal(rc, 0);
	char unsigned_hex[41], signed_hex[41], forged_hex[41], twice_hex[41];
	assert_int_equal(sscanf(out, "%40s %40s %40s %40s", unsigned_hex, signed_hex, forged_hex, twice_hex), 4);
	free(out);
	char path[600];
	snprintf(path, sizeof(path), "%s/repo/.git", dir);
	git_repository *repo = NULL;
	assert_int_equal(ps_repo_open(&repo, path), 0);
	ps_key *k = NULL;
	snprintf(path, sizeof(path), "%s/theirs", dir);
	assert_int_equal(ps_key_load(&k, path), 0);
	uint8_t signer[32];
	assert_int_equal(signer_of(signer, repo, signed_hex), 0);
	assert_memory_equal(signer, ps_key_public(k), 32);
	assert_int_equal(signer_of(signer, repo, unsigned_hex), PS_ENOTFOUND);
	assert_int_equal(signer_of(signer, repo, forged_hex), PS_EINVALID);
	assert_non_null(strstr(ps_error_last(), "bad signature"));
	assert_int_equal(signer_of(signer, repo, twice_hex), PS_EINVALID);
	assert_non_null(strstr(ps_error_last(), "2 signature headers"));

	/* ours: the unsigned commit's bytes signed by ps_commit_sign are what
	 * git verify-commit accepts, and the bytes without the header are the
	 * commit's own */
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	git_oid oid;
	assert_int_equal(git_oid_fromstr(&oid, unsigned_hex), 0);
	assert_int_equal(git_repository_odb(&odb, repo), 0);
	assert_int_equal(git_odb_read(&obj, odb, &oid), 0);
	ps_buf b = PS_BUF_INIT;
	assert_int_equal(ps_commit_sign(&b, k, git_odb_object_data(obj), git_odb_object_size(obj)), 0);
	git_oid soid;
	assert_int_equal(git_odb_write(&soid, odb, b.ptr, b.len, GIT_OBJECT_COMMIT), 0);
	char shex[41];
	git_oid_tostr(shex, sizeof(shex), &soid);
	assert_int_equal(signer_of(signer, repo, shex), 0);
	assert_memory_equal(signer, ps_key_public(k), 32);
	char *pt = NULL;
	assert_int_equal(ps_allowed_signer_line(&pt, "tinh-hq", ps_key_public(k)), 0);
	snprintf(path, sizeof(path), "%s/allowed.commit", dir);
	spit(path, pt, strlen(pt));
	out = run(&rc,
	          "cd %s/repo && git -c gpg.ssh.allowedSignersFile=%s verify-commit %s 2>&1 && "
	          "git cat-file commit %s | sed '/^gpgsig /,/END SSH SIGNATURE/d' | git hash-object -t commit --stdin",
	          dir, path, shex, shex);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "Good \"git\" signature for tinh-hq@plansync.invalid"));
	assert_non_null(strstr(out, unsigned_hex));
	free(out);
	free(pt);
	ps_buf_release(&b);
	git_odb_object_free(obj);
	git_odb_free(odb);
	ps_key_free(k);
	git_repository_free(repo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_theirs_sign_same), cmocka_unit_test(test_ours_read_by_ssh_keygen),
	    cmocka_unit_test(test_tampered_refused),      cmocka_unit_test(test_bad_keys_refused),
	    cmocka_unit_test(test_commit_signatures),
	};
	git_libgit2_init();
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	git_libgit2_shutdown();
	return rc;
}
