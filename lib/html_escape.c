/* SPDX-License-Identifier: ISC */
/*
 * The one HTML escape of the log viewer (see html_escape.h). Escaping the
 * five characters that are special in content and in quoted attributes
 * makes client text inert in both places.
 */
#include <string.h>

#include "html_escape.h"

static const char	*html_entity(unsigned char);

size_t
html_escape(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	const char	*ent;
	size_t		 i, need, n, used;
	char		 one[2];

	need = 0;
	used = 0;
	for (i = 0; i < srclen; i++) {
		if ((ent = html_entity((unsigned char)src[i])) == NULL) {
			one[0] = src[i];
			one[1] = '\0';
			ent = one;
			n = 1;
		} else
			n = strlen(ent);
		need += n;
		/* Only whole entities are written: stop at the first misfit. */
		if (dst != NULL && used == need - n && used + n < dstlen) {
			memcpy(dst + used, ent, n);
			used += n;
		}
	}
	if (dst != NULL && dstlen > 0)
		dst[used] = '\0';
	return (need);
}

static const char *
html_entity(unsigned char c)
{
	switch (c) {
	case '&':
		return ("&amp;");
	case '<':
		return ("&lt;");
	case '>':
		return ("&gt;");
	case '"':
		return ("&quot;");
	case '\'':
		return ("&#39;");
	default:
		return (NULL);
	}
}
