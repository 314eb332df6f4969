/* SPDX-License-Identifier: ISC */
/*
 * Text into HTML (html.c): escaped for an element or attribute, a name
 * that would look blank said to be one, or percent-encoded for a URL.
 */
#ifndef MARIMBA_KORE_VIEWER_HTML_H
#define MARIMBA_KORE_VIEWER_HTML_H

#include <stddef.h>

#include <kore/kore.h>

/* What a name that would look blank is shown as. */
#define HTML_BLANK_NAME	"(blank-looking name)"

void	render_esc(struct kore_buf *, const char *);
void	render_name(struct kore_buf *, const char *);
void	render_esc_len(struct kore_buf *, const char *, size_t);
void	render_url_component(struct kore_buf *, const char *);

#endif
