/* test_auth.c - credentials and host keys for network remotes: the choice
 * of credential by what the server allows and what is configured, pinned
 * fingerprints and known_hosts, and no state shared between connections
 * (two configurations side by side, each with its own ps_auth_conn). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <git2.h>
#include <git2/sys/credential.h>
#include "util.h"
#include "auth.h"
#include "plansync/error.h"

static git_cert_hostkey hostkey(unsigned char seed, const char *raw, size_t rawlen)
{
	git_cert_hostkey hk;
	memset(&hk, 0, sizeof(hk));
	hk.parent.cert_type = GIT_CERT_HOSTKEY_LIBSSH2;
	hk.type = GIT_CERT_SSH_SHA256 | (raw ? GIT_CERT_SSH_RAW : 0);
	for (int i = 0; i < 32; i++)
		hk.hash_sha256[i] = (unsigned char)(seed + i);
	hk.raw_type = GIT_CERT_SSH_RAW_TYPE_KEY_ED25519;
	hk.hostkey = raw;
	hk.hostkey_len = rawlen;
	return hk;
}

/* Two connections to url side by side, with settings x and y. */
static void two_conns(ps_auth_conn *a, ps_auth_conn *b, const ps_auth *x, const ps_auth *y, const char *url)
{
	ps_auth_conn_init(a, x, url);
	ps_auth_conn_init(b, y, url);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void url_host_and_port(void **st)
{
	static const struct {
		const char *url, *host;
		int port;
	} cases[] = {
	    {"ssh://clerk@example.org:2222/srv/plan.git", "example.org", 2222},
	    {"git@example.org:plan.git", "example.org", 22},
	    {"https://git.example.org/plan.git", "git.example.org", 443},
	    {"http://10.0.0.5:8080/plan.git", "10.0.0.5", 8080},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ps_auth_conn c;
		ps_auth_conn_init(&c, NULL, cases[i].url);
		assert_string_equal(c.host, cases[i].host);
		assert_int_equal(c.port, cases[i].port);
		assert_int_equal(c.code, 0);
	}
}

static void fingerprint_format(void **st)
{
	unsigned char zero[32] = {0};
	char fp[64];
	ps_auth_fingerprint(fp, zero);
	assert_string_equal(fp, "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
}

/* Two connections, two pinned fingerprints: each decides by its own. */
static void pinned_side_by_side(void **st)
{
	git_cert_hostkey hk = hostkey(7, NULL, 0);
	char fp[64];
	ps_auth_fingerprint(fp, hk.hash_sha256);
	ps_auth good, wrong;
	ps_auth_init(&good, NULL, fp, NULL, NULL);
	ps_auth_init(&wrong, NULL, "SHA256:not-this-one", NULL, NULL);
	ps_auth_conn a, b;
	ps_auth_conn_init(&a, &good, "ssh://git@a.example/x.git");
	ps_auth_conn_init(&b, &wrong, "ssh://git@b.example/x.git");
	assert_int_equal(ps_auth_on_certificate(&hk.parent, 0, "b.example", &b), -1);
	assert_int_equal(ps_auth_on_certificate(&hk.parent, 0, "a.example", &a), 0);
	assert_int_equal(ps_auth_failure(&a), 0);
	assert_int_equal(b.code, PS_EAUTH);
	assert_int_equal(ps_auth_failure(&b), PS_EAUTH);
	assert_non_null(strstr(ps_error_last(), "not the pinned SHA256:not-this-one"));
	assert_non_null(strstr(ps_error_last(), fp));
	/* a new connection with b's settings starts clean */
	ps_auth_conn_init(&b, &wrong, "ssh://git@b.example/x.git");
	assert_int_equal(ps_auth_failure(&b), 0);
}

/* No pin: known_hosts decides; an unknown key is refused showing its
 * fingerprint, a listed one is accepted. */
static void known_hosts_decides(void **st)
{
	char *dir = tmpdir_new();
	static const char raw[] = "\0\0\0\x0bssh-ed25519\0\0\0\x20"
	                          "0123456789abcdef0123456789abcdef";
	size_t rawlen = sizeof(raw) - 1;
	git_cert_hostkey hk = hostkey(9, raw, rawlen);
	char fp[64], empty[700], listed[700];
	ps_auth_fingerprint(fp, hk.hash_sha256);
	snprintf(empty, sizeof(empty), "%s/empty_known_hosts", dir);
	snprintf(listed, sizeof(listed), "%s/known_hosts", dir);
	write_text(empty, "");
	/* base64 of raw, written by hand: the line ssh-keyscan would print */
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char enc[200];
	size_t k = 0;
	for (size_t i = 0; i < rawlen; i += 3) {
		unsigned v = (unsigned)(unsigned char)raw[i] << 16 |
		             (i + 1 < rawlen ? (unsigned)(unsigned char)raw[i + 1] << 8 : 0) |
		             (i + 2 < rawlen ? (unsigned char)raw[i + 2] : 0);
		enc[k++] = b64[(v >> 18) & 63];
		enc[k++] = b64[(v >> 12) & 63];
		enc[k++] = i + 1 < rawlen ? b64[(v >> 6) & 63] : '=';
		enc[k++] = i + 2 < rawlen ? b64[v & 63] : '=';
	}
	enc[k] = '\0';
	char line[300];
	snprintf(line, sizeof(line), "[known.example]:2222 ssh-ed25519 %s\n", enc);
	write_text(listed, line);

	ps_auth with_empty, with_listed;
	ps_auth_init(&with_empty, NULL, NULL, empty, NULL);
	ps_auth_init(&with_listed, NULL, NULL, listed, NULL);
	ps_auth_conn a, b;
	two_conns(&a, &b, &with_empty, &with_listed, "ssh://git@known.example:2222/x.git");
	assert_int_equal(ps_auth_on_certificate(&hk.parent, 0, "known.example", &a), -1);
	assert_int_equal(ps_auth_failure(&a), PS_EAUTH);
	assert_non_null(strstr(ps_error_last(), "unknown host key for known.example"));
	assert_non_null(strstr(ps_error_last(), fp));
	assert_int_equal(ps_auth_on_certificate(&hk.parent, 0, "known.example", &b), 0);
	assert_int_equal(b.code, 0);
	tmpdir_remove(dir);
}

/* What the server allows and what is configured choose the credential. */
static void credential_choice(void **st)
{
	assert_true(git_libgit2_init() > 0);
	unsetenv("SSH_AUTH_SOCK");
	unsetenv("PLANSYNC_HTTP_USERNAME");
	unsetenv("PLANSYNC_HTTP_PASSWORD");
	ps_auth keyed, bare;
	ps_auth_init(&keyed, "/nonexistent/id_ed25519", NULL, NULL, NULL);
	ps_auth_init(&bare, NULL, NULL, NULL, NULL);
	ps_auth_conn a, b;
	two_conns(&a, &b, &keyed, &bare, "ssh://git@h.example/x.git");
	git_credential *cred = NULL;
	/* a configured key is offered (libgit2 reads the file later) */
	assert_int_equal(ps_auth_on_credentials(&cred, a.url, "git", GIT_CREDENTIAL_SSH_KEY, &a), 0);
	assert_non_null(cred);
	assert_int_equal(git_credential_has_username(cred), 1);
	git_credential_free(cred);
	cred = NULL;
	/* no key and no agent: refused, saying how to set one */
	assert_int_equal(ps_auth_on_credentials(&cred, b.url, "git", GIT_CREDENTIAL_SSH_KEY, &b), -1);
	assert_null(cred);
	assert_int_equal(ps_auth_failure(&b), PS_EAUTH);
	assert_non_null(strstr(ps_error_last(), "ssh.key"));
	assert_int_equal(a.code, 0);
	/* the server asking again and again: refused after two offers */
	assert_int_equal(ps_auth_on_credentials(&cred, a.url, "git", GIT_CREDENTIAL_SSH_KEY, &a), 0);
	git_credential_free(cred);
	cred = NULL;
	assert_int_equal(ps_auth_on_credentials(&cred, a.url, "git", GIT_CREDENTIAL_SSH_KEY, &a), -1);
	assert_int_equal(ps_auth_failure(&a), PS_EAUTH);
	assert_non_null(strstr(ps_error_last(), "authentication refused by h.example"));
	git_libgit2_shutdown();
}

/* HTTPS: the environment, else the credential helper of this connection's
 * settings; another connection without a helper is refused. */
static void http_helper_per_connection(void **st)
{
	assert_true(git_libgit2_init() > 0);
	unsetenv("PLANSYNC_HTTP_USERNAME");
	unsetenv("PLANSYNC_HTTP_PASSWORD");
	char *dir = tmpdir_new();
	char helper[700];
	snprintf(helper, sizeof(helper), "%s/helper.sh", dir);
	write_text(helper, "#!/bin/sh\ncat >/dev/null\nprintf 'username=clerk\\npassword=s3cret\\n'\n");
	assert_int_equal(chmod(helper, 0700), 0);
	ps_auth with_helper, without;
	ps_auth_init(&with_helper, NULL, NULL, NULL, helper);
	ps_auth_init(&without, NULL, NULL, NULL, NULL);
	ps_auth_conn a, b;
	two_conns(&a, &b, &with_helper, &without, "https://git.example.org/plan.git");
	git_credential *cred = NULL;
	assert_int_equal(ps_auth_on_credentials(&cred, a.url, NULL, GIT_CREDENTIAL_USERPASS_PLAINTEXT, &a), 0);
	assert_non_null(cred);
	const git_credential_userpass_plaintext *up = (const git_credential_userpass_plaintext *)cred;
	assert_string_equal(up->username, "clerk");
	assert_string_equal(up->password, "s3cret");
	git_credential_free(cred);
	cred = NULL;
	assert_int_equal(ps_auth_on_credentials(&cred, b.url, NULL, GIT_CREDENTIAL_USERPASS_PLAINTEXT, &b), -1);
	assert_int_equal(ps_auth_failure(&b), PS_EAUTH);
	assert_non_null(strstr(ps_error_last(), "asks for a username and password"));
	/* the environment wins over the helper */
	setenv("PLANSYNC_HTTP_USERNAME", "env-user", 1);
	setenv("PLANSYNC_HTTP_PASSWORD", "env-pass", 1);
	assert_int_equal(ps_auth_on_credentials(&cred, a.url, NULL, GIT_CREDENTIAL_USERPASS_PLAINTEXT, &a), 0);
	assert_string_equal(((const git_credential_userpass_plaintext *)cred)->username, "env-user");
	git_credential_free(cred);
	unsetenv("PLANSYNC_HTTP_USERNAME");
	unsetenv("PLANSYNC_HTTP_PASSWORD");
	tmpdir_remove(dir);
	git_libgit2_shutdown();
}

/* A TLS certificate: libgit2's verdict stands (an invalid one is handed
 * back with GIT_PASSTHROUGH so its reason survives); each reason mbedTLS
 * gives gets its own advice, naming the replica's http.ca_file when set. */
static void tls_refusals(void **st)
{
	git_cert_x509 x = {{GIT_CERT_X509}, NULL, 0};
	ps_auth none, office;
	ps_auth_init(&none, NULL, NULL, NULL, NULL);
	ps_auth_init(&office, NULL, NULL, NULL, NULL);
	ps_auth_set_ca_file(&office, "/etc/office/ca.crt");
	ps_auth_conn a, b;
	ps_auth_conn_init(&a, &none, "https://git.example/x.git");
	ps_auth_conn_init(&b, &office, "https://git.example/x.git");
	assert_int_equal(ps_auth_on_certificate(&x.parent, 1, "git.example", &a), 0);
	assert_int_equal(ps_auth_on_certificate(&x.parent, 0, "git.example", &a), GIT_PASSTHROUGH);
	assert_int_equal(ps_auth_failure(&a), 0);
	static const char *const cases[][3] = {
	    {"0x01 - The certificate validity has expired", "must renew it", "date and time"},
	    {"0x04 - The certificate Common Name (CN) does not match with the expected CN",
	     "not issued for the host name git.example", "plansync config remote URL"},
	    {"0x08 - The certificate is not correctly signed by the trusted CA", "authority this computer trusts",
	     "plansync config http.ca_file FILE"},
	    {"0x20 - The certificate validity starts in the future", "not valid yet", "date and time"},
	    {"something new", "ask the server's administrator", "http.ca_file FILE"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		assert_int_equal(ps_auth_tls_refusal(&a, "fetch failed", cases[i][0]), PS_EAUTH);
		const char *m = ps_error_last();
		if (!strstr(m, cases[i][0]) || !strstr(m, cases[i][1]) || !strstr(m, cases[i][2]) ||
		    !strstr(m, "fetch failed: the TLS certificate of git.example is not valid for it"))
			fail_msg("%s: %s", cases[i][0], m);
	}
	/* two faults, two pieces of advice */
	ps_auth_tls_refusal(&a, "push failed",
	                    "0x09 - The certificate validity has expired  The certificate is not "
	                    "correctly signed by the trusted CA");
	assert_non_null(strstr(ps_error_last(), "must renew it"));
	assert_non_null(strstr(ps_error_last(), "plansync config http.ca_file FILE"));
	/* with http.ca_file set, an unknown authority names that file */
	ps_auth_tls_refusal(&b, "fetch failed", cases[2][0]);
	assert_non_null(strstr(ps_error_last(), "not issued by the authority in http.ca_file (/etc/office/ca.crt)"));
	/* ssh URLs leave libgit2's store alone, whatever the setting */
	ps_auth_conn_init(&b, &office, "ssh://git@git.example/x.git");
	assert_int_equal(ps_auth_tls_trust(&b), 0);
	assert_int_equal(ps_auth_failure(&b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(url_host_and_port),   cmocka_unit_test(fingerprint_format),
	    cmocka_unit_test(pinned_side_by_side), cmocka_unit_test(known_hosts_decides),
	    cmocka_unit_test(credential_choice),   cmocka_unit_test(http_helper_per_connection),
	    cmocka_unit_test(tls_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
