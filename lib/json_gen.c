/* SPDX-License-Identifier: ISC */
/*
 * Implements json_gen.h.
 */
#include <string.h>

#include "json_gen.h"

int
json_gen_str(yajl_gen g, const char *s)
{
	if (yajl_gen_string(g, (const unsigned char *)s, strlen(s)) !=
	    yajl_gen_status_ok)
		return (-1);
	return (0);
}

int
json_gen_str_member(yajl_gen g, const char *key, const char *value)
{
	if (json_gen_str(g, key) == -1 || json_gen_str(g, value) == -1)
		return (-1);
	return (0);
}

int
json_gen_int_member(yajl_gen g, const char *key, long long value)
{
	if (json_gen_str(g, key) == -1 ||
	    yajl_gen_integer(g, value) != yajl_gen_status_ok)
		return (-1);
	return (0);
}
