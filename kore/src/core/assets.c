/* SPDX-License-Identifier: ISC */
/*
 * Static assets: htmx (node_modules/htmx.org/dist/htmx.min.js, pinned by
 * package-lock.json), assets/marimba.css, assets/marimba.js (the page's
 * behaviour) and assets/favicon.svg, read once by the parent from
 * MARIMBA_WEB_ROOT (default: the source tree the module was built from)
 * and gzip'd there once, kept in memory by every worker. The page links
 * them with a hash of their content in the URL, so they can be cached
 * for a year; a client that takes gzip gets the compressed copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "app.h"
#include "assets.h"
#include "front.h"
#include "gzip.h"
#include "reply.h"

#ifndef MARIMBA_WEB_ROOT_DEFAULT
#define MARIMBA_WEB_ROOT_DEFAULT	"."
#endif

#define ASSET_MAX	(4 * 1024 * 1024)

struct asset {
	const char	*rel;		/* path under the web root */
	const char	*type;
	uint8_t		*data;
	size_t		 len;
	uint8_t		*gz;		/* data gzip'd; NULL if no smaller */
	size_t		 gzlen;
	char		 ver[17];	/* 16 hex digits of a hash */
	char		 etag[24];	/* the same in quotes */
};

struct web_assets {
	struct asset	a[ASSET_COUNT];	/* by ASSET_* */
};

static const struct {
	const char	*rel;
	const char	*type;
} asset_files[ASSET_COUNT] = {
	[ASSET_HTMX] = { "node_modules/htmx.org/dist/htmx.min.js",
	    "text/javascript; charset=utf-8" },
	[ASSET_CSS] = { "assets/marimba.css", "text/css; charset=utf-8" },
	[ASSET_JS] = { "assets/marimba.js", "text/javascript; charset=utf-8" },
	[ASSET_FAVICON] = { "assets/favicon.svg", "image/svg+xml" },
};

int	asset_htmx(struct http_request *);
int	asset_css(struct http_request *);
int	asset_js(struct http_request *);
int	asset_favicon(struct http_request *);

static int	asset_read(const char *, struct asset *, char *, size_t);
static int	asset_serve(struct http_request *, const struct asset *);

int
assets_load(struct app *app, char *err, size_t errlen)
{
	struct web_assets	*wa;
	const char		*root;
	int			 i;

	if ((root = getenv("MARIMBA_WEB_ROOT")) == NULL || *root == '\0')
		root = MARIMBA_WEB_ROOT_DEFAULT;
	if ((wa = calloc(1, sizeof(*wa))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return (-1);
	}
	for (i = 0; i < ASSET_COUNT; i++) {
		wa->a[i].rel = asset_files[i].rel;
		wa->a[i].type = asset_files[i].type;
		if (asset_read(root, &wa->a[i], err, errlen) == -1)
			break;
		/* No gzip'd copy (no memory, or not smaller): sent plain. */
		if (gzip_compress(wa->a[i].data, wa->a[i].len, &wa->a[i].gz,
		    &wa->a[i].gzlen) == 0 && wa->a[i].gzlen >= wa->a[i].len) {
			free(wa->a[i].gz);
			wa->a[i].gz = NULL;
		}
	}
	if (i < ASSET_COUNT) {
		while (i-- > 0) {
			free(wa->a[i].data);
			free(wa->a[i].gz);
		}
		free(wa);
		return (-1);
	}
	app->assets = wa;
	return (0);
}

/* The version part of an asset's URL ("?v=..."): its ETag's hex. */
const char *
assets_version(const struct app *app, int which)
{
	static const char	none[] = "0";
	const struct asset	*a;

	if (app == NULL || app->assets == NULL || which < 0 ||
	    which >= ASSET_COUNT)
		return (none);
	a = &app->assets->a[which];
	return (a->ver);
}

int
asset_htmx(struct http_request *req)
{
	return (asset_serve(req, &app_get()->assets->a[ASSET_HTMX]));
}

int
asset_css(struct http_request *req)
{
	return (asset_serve(req, &app_get()->assets->a[ASSET_CSS]));
}

int
asset_js(struct http_request *req)
{
	return (asset_serve(req, &app_get()->assets->a[ASSET_JS]));
}

/* Also /favicon.ico: what a browser asks for when a page names none. */
int
asset_favicon(struct http_request *req)
{
	return (asset_serve(req, &app_get()->assets->a[ASSET_FAVICON]));
}

static int
asset_serve(struct http_request *req, const struct asset *a)
{
	const char	*inm, *ae;

	if (req->method != HTTP_METHOD_GET && req->method != HTTP_METHOD_HEAD)
		return (reply_method_not_allowed(req, "GET, HEAD"));
	http_response_header(req, "cache-control",
	    "public, max-age=31536000, immutable");
	http_response_header(req, "etag", a->etag);
	if (http_request_header(req, "if-none-match", &inm) &&
	    strcmp(inm, a->etag) == 0) {
		front_response(req, HTTP_STATUS_NOT_MODIFIED, NULL, 0);
		return (KORE_RESULT_OK);
	}
	http_response_header(req, "content-type", a->type);
	http_response_header(req, "vary", "Accept-Encoding");
	if (a->gz != NULL &&
	    http_request_header(req, "accept-encoding", &ae) &&
	    gzip_accepted(ae)) {
		http_response_header(req, "content-encoding", "gzip");
		front_response(req, HTTP_STATUS_OK, a->gz, a->gzlen);
		return (KORE_RESULT_OK);
	}
	front_response(req, HTTP_STATUS_OK, a->data, a->len);
	return (KORE_RESULT_OK);
}

/* Reads root/a->rel whole and names it by a 64-bit FNV-1a hash. */
static int
asset_read(const char *root, struct asset *a, char *err, size_t errlen)
{
	struct stat	st;
	char		path[1024];
	uint64_t	h;
	size_t		i, off;
	ssize_t		n;
	int		fd;

	(void)snprintf(path, sizeof(path), "%s/%s", root, a->rel);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		(void)snprintf(err, errlen, "%s: %s (set MARIMBA_WEB_ROOT; "
		    "scripts/install-deps installs htmx)", path,
		    strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == -1 || st.st_size <= 0 ||
	    st.st_size > ASSET_MAX ||
	    (a->data = malloc((size_t)st.st_size)) == NULL) {
		(void)snprintf(err, errlen, "%s: empty, too big or no memory",
		    path);
		(void)close(fd);
		return (-1);
	}
	for (off = 0; off < (size_t)st.st_size; off += (size_t)n) {
		n = read(fd, a->data + off, (size_t)st.st_size - off);
		if (n <= 0) {
			(void)snprintf(err, errlen, "%s: short read", path);
			(void)close(fd);
			free(a->data);
			a->data = NULL;
			return (-1);
		}
	}
	(void)close(fd);
	a->len = off;
	h = 0xcbf29ce484222325ULL;
	for (i = 0; i < a->len; i++) {
		h ^= a->data[i];
		h *= 0x100000001b3ULL;
	}
	(void)snprintf(a->ver, sizeof(a->ver), "%016llx",
	    (unsigned long long)h);
	(void)snprintf(a->etag, sizeof(a->etag), "\"%s\"", a->ver);
	return (0);
}
