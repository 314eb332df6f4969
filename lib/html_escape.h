/* SPDX-License-Identifier: ISC */
/*
 * HTML escaping for the log viewer: every byte of text that came from a
 * client (band and album names) goes through html_escape() before it is
 * written into the page, in element content or in a quoted attribute.
 */
#ifndef MARIMBA_HTML_ESCAPE_H
#define MARIMBA_HTML_ESCAPE_H

#include <stddef.h>

/*
 * Writes src (srclen bytes) into dst with & < > " ' replaced by entities,
 * NUL-terminated; when dstlen is too small the output stops before the
 * first entity or byte that does not fit. Returns the length the whole escaped
 * text needs (without the NUL), like snprintf(): the output is complete
 * when the result is below dstlen. dst may be NULL when dstlen is 0.
 */
size_t	html_escape(char *dst, size_t dstlen, const char *src, size_t srclen);

#endif
