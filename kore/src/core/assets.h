/* SPDX-License-Identifier: ISC */
/*
 * Static assets (assets.c): htmx, the stylesheet, the page's script and
 * the favicon, read (and gzip'd) once in the parent, served with a
 * content hash in their URL.
 */
#ifndef MARIMBA_KORE_CORE_ASSETS_H
#define MARIMBA_KORE_CORE_ASSETS_H

#include <stddef.h>

#define ASSET_HTMX	0
#define ASSET_CSS	1
#define ASSET_JS	2
#define ASSET_FAVICON	3
#define ASSET_COUNT	4

struct app;
struct web_assets;

int		 assets_load(struct app *, char *, size_t);
const char	*assets_version(const struct app *, int);

#endif
