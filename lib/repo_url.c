/* repo_url.c - what a remote may be: a path (or file:// URL) read
 * directly, or a network URL libgit2 has a transport for.
 *
 * Exports ps_repo_url_path (the directory of a path remote) and
 * ps_repo_url_check (the forms in PS_REPO_URL_FORMS, checked before a
 * remote is stored or used, so a typo is bad input and never later "host
 * unreachable"). Pure string work: never touches the disk or the network. */
#include <assert.h>
#include <stdio.h>
#include <string.h>
#include "plansync/error.h"
#include "repo.h"

bool ps_repo_url_path(const char *url, char *out, size_t n)
{
	const char *path = url;
	if (strncmp(url, "file://", 7) == 0)
		path = url + 7;
	else if (strstr(url, "://") || (strchr(url, ':') && !strchr(url, '/')) ||
	         (strchr(url, ':') && strchr(url, ':') < strchr(url, '/')))
		return false; /* network URL or scp-style */
	snprintf(out, n, "%s", path);
	return true;
}

/* host[:port] up to the first '/' (or the end) of an ssh:// or http(s)://
 * URL's authority, after any user@: a name, or an address in brackets; a
 * port is digits. */
static bool host_ok(const char *h, size_t n)
{
	size_t i = 0;
	if (n && h[0] == '[') {
		const char *close = memchr(h, ']', n);
		if (!close || close == h + 1)
			return false;
		i = (size_t)(close - h) + 1;
	} else {
		for (; i < n && h[i] != ':'; i++)
			if (strchr("@[] \t", h[i]))
				return false;
		if (i == 0)
			return false;
	}
	if (i == n)
		return true;
	if (h[i] != ':' || i + 1 == n)
		return false;
	for (i++; i < n; i++)
		if (h[i] < '0' || h[i] > '9')
			return false;
	return true;
}

/* An URL plansync can use, said before anything is stored: the forms in
 * PS_REPO_URL_FORMS, so a typo is "bad input" and never later "host unreachable". */
int ps_repo_url_check(const char *url)
{
	assert(url);
	if (!url[0])
		return ps_error_set(PS_EINVALID, "the remote is empty; give %s", PS_REPO_URL_FORMS);
	const char *sep = strstr(url, "://");
	bool ok = true;
	if (sep) {
		size_t sl = (size_t)(sep - url);
		const char *rest = sep + 3;
		if (sl == 4 && !strncmp(url, "file", 4))
			ok = rest[0] != '\0';
		else if ((sl == 3 && !strncmp(url, "ssh", 3)) || (sl == 4 && !strncmp(url, "http", 4)) ||
		         (sl == 5 && !strncmp(url, "https", 5))) {
			const char *slash = strchr(rest, '/');
			size_t al = slash ? (size_t)(slash - rest) : strlen(rest);
			const char *at = memchr(rest, '@', al);
			if (at && at == rest)
				ok = false;
			else if (at) {
				al -= (size_t)(at + 1 - rest);
				rest = at + 1;
			}
			ok = ok && host_ok(rest, al);
			if (ok && sl == 3)
				ok = slash && slash[1]; /* ssh needs the repository's path */
		} else
			ok = false;
	} else {
		char path[4096];
		if (!ps_repo_url_path(url, path, sizeof(path))) { /* scp-like [user@]host:path */
			const char *colon = strchr(url, ':');
			const char *at = memchr(url, '@', (size_t)(colon - url));
			const char *host = at ? at + 1 : url;
			ok = (!at || at > url) && host < colon && colon[1] && host_ok(host, (size_t)(colon - host));
		}
	}
	if (!ok)
		return ps_error_set(PS_EINVALID, "the remote \"%s\" is not a URL plansync can use; give %s", url,
		                    PS_REPO_URL_FORMS);
	return 0;
}
