/* SPDX-License-Identifier: ISC */
/*
 * Text from a client into the viewer's HTML: render_esc() for element
 * text and attribute values, render_name() for a name shown as text
 * (one that would look blank is said to be so), render_url_component()
 * for a value inside a URL.
 */
#include <string.h>

#include "html.h"
#include "html_escape.h"
#include "label.h"

/* Bytes escaped on the stack; longer text takes a heap buffer. */
#define HTML_SMALL	512

void
render_esc(struct kore_buf *b, const char *s)
{
	render_esc_len(b, s, strlen(s));
}

/* The first len bytes of s, escaped. */
void
render_esc_len(struct kore_buf *b, const char *s, size_t len)
{
	char	small[HTML_SMALL], *big;
	size_t	need;

	need = html_escape(small, sizeof(small), s, len);
	if (need < sizeof(small)) {
		kore_buf_append(b, small, need);
		return;
	}
	big = kore_malloc(need + 1);
	(void)html_escape(big, need + 1, s, len);
	kore_buf_append(b, big, need);
	kore_free(big);
}

/*
 * A band or album as element text: escaped, or, when it would show
 * nothing (only spaces or invisible marks), a visible note that says so.
 */
void
render_name(struct kore_buf *b, const char *s)
{
	if (label_blank(s)) {
		kore_buf_appendf(b, "<em class=\"blank\">%s</em>",
		    HTML_BLANK_NAME);
		return;
	}
	render_esc(b, s);
}

/* Percent-encodes all but RFC 3986's unreserved characters. */
void
render_url_component(struct kore_buf *b, const char *s)
{
	static const char	hex[] = "0123456789ABCDEF";
	unsigned char		c;
	char			enc[3];

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			kore_buf_append(b, &c, 1);
			continue;
		}
		enc[0] = '%';
		enc[1] = hex[c >> 4];
		enc[2] = hex[c & 0x0f];
		kore_buf_append(b, enc, 3);
	}
}
