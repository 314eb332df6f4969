/* SPDX-License-Identifier: ISC */
/*
 * A log as the log window keeps it: the member "<vote id>\t<JSON>" of
 * the window's sorted sets, the id first so that members sort by id (by
 * time), the JSON {"name","album","year","rank","source","accepted_ms"}
 * made with yajl from exactly what was stored in MongoDB, and read back
 * with yajl's tree parser, checked like any other input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "json_gen.h"
#include "log_window.h"
#include "vote_id.h"

static int	doc_copy(yajl_val, const char *, char *, size_t);

int
log_window_member(const struct log_entry *e, char *out, size_t outlen)
{
	yajl_gen		 g;
	const unsigned char	*buf;
	size_t			 len;
	int			 rc;

	if ((g = yajl_gen_alloc(NULL)) == NULL)
		return (-1);
	rc = -1;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    json_gen_str_member(g, "name", e->name) == -1 ||
	    json_gen_str_member(g, "album", e->album) == -1 ||
	    json_gen_int_member(g, "year", e->year) == -1 ||
	    json_gen_int_member(g, "rank", e->rank) == -1 ||
	    json_gen_str_member(g, "source", e->source) == -1 ||
	    json_gen_int_member(g, "accepted_ms", e->accepted_ms) == -1 ||
	    yajl_gen_map_close(g) != yajl_gen_status_ok ||
	    yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
		goto done;
	if (strlen(e->id) != VOTE_ID_LEN || VOTE_ID_LEN + 1 + len >= outlen)
		goto done;
	memcpy(out, e->id, VOTE_ID_LEN);
	out[VOTE_ID_LEN] = '\t';
	memcpy(out + VOTE_ID_LEN + 1, buf, len);
	out[VOTE_ID_LEN + 1 + len] = '\0';
	rc = (int)(VOTE_ID_LEN + 1 + len);
done:
	yajl_gen_free(g);
	return (rc);
}

int
log_window_member_parse(const char *s, size_t len, struct log_entry *e)
{
	const char	*year[] = { "year", NULL }, *rank[] = { "rank", NULL };
	const char	*ms[] = { "accepted_ms", NULL };
	char		 json[LOG_WINDOW_MEMBER_MAX], errbuf[64];
	yajl_val	 doc, v;
	int		 rc;

	memset(e, 0, sizeof(*e));
	if (len <= VOTE_ID_LEN + 1 || len >= sizeof(json) ||
	    s[VOTE_ID_LEN] != '\t' || memchr(s, '\0', len) != NULL)
		return (-1);
	memcpy(e->id, s, VOTE_ID_LEN);
	e->id[VOTE_ID_LEN] = '\0';
	if (!vote_id_is_valid(e->id))
		return (-1);
	memcpy(json, s + VOTE_ID_LEN + 1, len - VOTE_ID_LEN - 1);
	json[len - VOTE_ID_LEN - 1] = '\0';
	if ((doc = yajl_tree_parse(json, errbuf, sizeof(errbuf))) == NULL)
		return (-1);
	rc = -1;
	if (!YAJL_IS_OBJECT(doc) ||
	    doc_copy(doc, "name", e->name, sizeof(e->name)) == -1 ||
	    doc_copy(doc, "album", e->album, sizeof(e->album)) == -1 ||
	    doc_copy(doc, "source", e->source, sizeof(e->source)) == -1)
		goto done;
	if ((v = yajl_tree_get(doc, year, yajl_t_number)) == NULL ||
	    !YAJL_IS_INTEGER(v))
		goto done;
	e->year = (int32_t)YAJL_GET_INTEGER(v);
	if ((v = yajl_tree_get(doc, rank, yajl_t_number)) == NULL ||
	    !YAJL_IS_INTEGER(v))
		goto done;
	e->rank = (int32_t)YAJL_GET_INTEGER(v);
	if ((v = yajl_tree_get(doc, ms, yajl_t_number)) == NULL ||
	    !YAJL_IS_INTEGER(v))
		goto done;
	e->accepted_ms = YAJL_GET_INTEGER(v);
	rc = 0;
done:
	yajl_tree_free(doc);
	return (rc);
}

/* A string member that fits whole, without NUL; -1 otherwise. */
static int
doc_copy(yajl_val doc, const char *key, char *dst, size_t dstlen)
{
	const char	*path[] = { key, NULL };
	const char	*s;
	yajl_val	 v;
	size_t		 len;

	if ((v = yajl_tree_get(doc, path, yajl_t_string)) == NULL ||
	    !YAJL_IS_STRING(v) || (s = v->u.string) == NULL)
		return (-1);
	len = strlen(s);
	if (len >= dstlen)
		return (-1);
	memcpy(dst, s, len + 1);
	return (0);
}
