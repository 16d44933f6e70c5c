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
#include <unistd.h>
#include "util.h"
#include "plansync/error.h"
#include "plansync/identity.h"
#include "plansync/key.h"
#include "repo.h"
#include "key_int.h"

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
	        "git hash-object -t commit -w --literally --stdin && "
	        "git cat-file commit HEAD | sed '/END SSH SIGNATURE/a gpgsig-sha256 x' | "
	        "git hash-object -t commit -w --literally --stdin && "
	        "git cat-file commit HEAD | sed '/^committer /a encoding UTF-8' | "
	        "git hash-object -t commit -w --literally --stdin",
	        dir, dir);
	assert_int_equal(rc, 0);
	char unsigned_hex[41], signed_hex[41], forged_hex[41], twice_hex[41], sha256_hex[41], enc_hex[41];
	assert_int_equal(sscanf(out, "%40s %40s %40s %40s %40s %40s", unsigned_hex, signed_hex, forged_hex, twice_hex,
	                        sha256_hex, enc_hex),
	                 6);
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
	/* headers plansync never writes: refused, even those git leaves out of
	 * the signed bytes (git verify-commit still accepts this one) */
	assert_int_equal(signer_of(signer, repo, sha256_hex), PS_EINVALID);
	assert_non_null(strstr(ps_error_last(), "header \"gpgsig-sha256\""));
	assert_int_equal(signer_of(signer, repo, enc_hex), PS_EINVALID);
	assert_non_null(strstr(ps_error_last(), "header \"encoding\""));

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
	assert_int_equal(ps_allowed_signer_line(&pt, "tinh-hq", ps_key_public(k), 0), 0);
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

/* ssh-keygen -Y sign -O hashalg=sha256: read too. */
static void test_sha256_signature(void **state)
{
	int rc;
	free(run(&rc, "cd %s && rm -f msg.sig && ssh-keygen -q -Y sign -O hashalg=sha256 -f theirs -n git msg 2>&1",
	         dir));
	assert_int_equal(rc, 0);
	char path[600];
	snprintf(path, sizeof(path), "%s/msg.sig", dir);
	size_t sn;
	char *sig = slurp(path, &sn);
	uint8_t signer[32];
	assert_int_equal(ps_sshsig_verify(signer, sig, sn, "git", msg, strlen(msg)), 0);
	assert_int_equal(ps_sshsig_verify(signer, sig, sn, "git", msg, strlen(msg) - 1), PS_EINVALID);
	free(sig);
}

static void fingerprint_of(char out[PS_KEY_FPR_MAX], ps_replica *r)
{
	const ps_key *k = NULL;
	assert_int_equal(ps_replica_key(r, &k), 0);
	ps_pubkey_fingerprint(out, ps_key_public(k));
}

/* init makes the key; a new id makes a new one and keeps the old as
 * key.<old id>; a change of id cut short before its new key is finished
 * when the key is next loaded. */
static void test_replica_key_follows_id(void **state)
{
	ps_replica *r = replica_new(dir, "rep", "binh-giang", "k1", NULL);
	char f1[PS_KEY_FPR_MAX], f2[PS_KEY_FPR_MAX], f3[PS_KEY_FPR_MAX], path[700], kept[700];
	fingerprint_of(f1, r);
	int rc;
	char *l = run(&rc, "ssh-keygen -lf %s/rep/key.pub", dir);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(l, f1));
	assert_non_null(strstr(l, "plansync binh-giang/binh-giang-k1"));
	free(l);
	assert_int_equal(ps_identity_fork(r, "a test"), 0);
	assert_string_not_equal(ps_replica_id(r), "binh-giang-k1");
	fingerprint_of(f2, r);
	assert_string_not_equal(f1, f2);
	snprintf(kept, sizeof(kept), "%s/rep/key.binh-giang-k1", dir);
	ps_key *k = NULL;
	assert_int_equal(ps_key_load(&k, kept), 0);
	char fk[PS_KEY_FPR_MAX];
	ps_pubkey_fingerprint(fk, ps_key_public(k));
	assert_string_equal(fk, f1);
	ps_key_free(k);
	/* cut short: the new id is stored, the key is still the old id's */
	char *id2 = strdup(ps_replica_id(r));
	ps_replica_free(r);
	free(run(&rc,
	         "cd %s/rep && mv key key.new && mv key.pub key.new.pub && mv key.binh-giang-k1 key && "
	         "mv key.binh-giang-k1.pub key.pub",
	         dir));
	assert_int_equal(rc, 0);
	snprintf(path, sizeof(path), "%s/rep", dir);
	assert_int_equal(ps_replica_open(&r, path), 0);
	assert_string_equal(ps_replica_id(r), id2);
	fingerprint_of(f3, r);
	assert_string_not_equal(f3, f1);
	assert_int_equal(ps_key_load(&k, kept), 0); /* the old key kept again */
	ps_pubkey_fingerprint(fk, ps_key_public(k));
	assert_string_equal(fk, f1);
	ps_key_free(k);
	free(id2);
	ps_replica_free(r);
}

/* Every byte of a signature is signed or checked: any change of its
 * bytes (flips, cuts, growth), armored again, is refused, never crashes;
 * a key file changed anywhere loads or is refused, never crashes. */
static void test_mutations_refused(void **state)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/theirs", dir);
	ps_key *k = NULL;
	assert_int_equal(ps_key_load(&k, path), 0);
	char *sig = NULL;
	assert_int_equal(ps_sshsig_sign(&sig, k, "git", msg, strlen(msg)), 0);
	uint8_t *bin = NULL, signer[32];
	size_t n = 0;
	assert_int_equal(ps_armor_decode(&bin, &n, sig, strlen(sig), "SSH SIGNATURE", PS_SSHSIG_MAX, "test"), 0);
	uint64_t st = 20261129;
	uint8_t *m = malloc(n + 16);
	for (int i = 0; i < 6000; i++) {
		memcpy(m, bin, n);
		size_t mn = n;
		uint32_t kind = rnd(&st) % 4;
		if (kind == 0)
			mn = rnd(&st) % n; /* cut */
		else if (kind == 1)
			mn = n + 1 + rnd(&st) % 15; /* grown */
		for (size_t j = n; j < mn; j++)
			m[j] = (uint8_t)rnd(&st);
		for (uint32_t f = kind >= 2 ? 1 + rnd(&st) % 3 : 0; f > 0; f--)
			m[rnd(&st) % mn] ^= (uint8_t)(1 + rnd(&st) % 255);
		if (mn == n && memcmp(m, bin, n) == 0)
			continue;
		char *armored = ps_armor_encode(m, mn, "SSH SIGNATURE");
		assert_non_null(armored);
		if (ps_sshsig_verify(signer, armored, strlen(armored), "git", msg, strlen(msg)) != PS_EINVALID)
			fail_msg("mutation %d (kind %u) was not refused", i, kind);
		free(armored);
	}
	free(m);
	free(bin);
	free(sig);
	/* the private key file, re-armored after a change */
	size_t tn;
	char *text = slurp(path, &tn);
	assert_int_equal(ps_armor_decode(&bin, &n, text, tn, "OPENSSH PRIVATE KEY", 16384, "test"), 0);
	m = malloc(n + 16);
	snprintf(path, sizeof(path), "%s/mutant", dir);
	for (int i = 0; i < 400; i++) {
		memcpy(m, bin, n);
		size_t mn = i % 5 == 0 ? 1 + rnd(&st) % (n - 1) : n;
		for (int f = 0; f < 1 + i % 3; f++)
			m[rnd(&st) % mn] ^= (uint8_t)(1 + rnd(&st) % 255);
		char *armored = ps_armor_encode(m, mn, "OPENSSH PRIVATE KEY");
		unlink(path);
		spit(path, armored, strlen(armored));
		chmod(path, 0600);
		ps_key *mk = NULL;
		int rc = ps_key_load(&mk, path);
		assert_true(rc == 0 || rc == PS_EINVALID);
		if (rc == 0) /* only the comment, the check numbers' shared value or the padding-free part */
			assert_memory_equal(ps_key_public(mk), ps_key_public(k), 32);
		ps_key_free(mk);
		free(armored);
	}
	free(m);
	free(bin);
	free(text);
	ps_key_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read_theirs_sign_same),  cmocka_unit_test(test_ours_read_by_ssh_keygen),
	    cmocka_unit_test(test_tampered_refused),       cmocka_unit_test(test_bad_keys_refused),
	    cmocka_unit_test(test_commit_signatures),      cmocka_unit_test(test_sha256_signature),
	    cmocka_unit_test(test_replica_key_follows_id), cmocka_unit_test(test_mutations_refused),
	};
	git_libgit2_init();
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	git_libgit2_shutdown();
	return rc;
}
