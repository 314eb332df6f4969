/* SPDX-License-Identifier: ISC */
/*
 * gzip for HTTP answers (gzip.c): whether a request's Accept-Encoding
 * takes gzip, and a whole buffer compressed in gzip format (zlib).
 */
#ifndef MARIMBA_GZIP_H
#define MARIMBA_GZIP_H

#include <stddef.h>
#include <stdint.h>

/*
 * 1 if an Accept-Encoding value allows gzip: a "gzip" (or "x-gzip", or
 * "*") coding whose q is not 0. NULL or anything malformed: 0.
 */
int	gzip_accepted(const char *);
/*
 * src compressed into a new malloc'd buffer (*out, *outlen). Returns 0,
 * or -1 (out of memory or a zlib error; *out is then NULL).
 */
int	gzip_compress(const void *, size_t, uint8_t **, size_t *);

#endif
