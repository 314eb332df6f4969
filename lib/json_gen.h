/* SPDX-License-Identifier: ISC */
/*
 * Small yajl_gen helpers for C strings, so every JSON writer (the Kore
 * app's replies, the log window's members) says "a string" or "a member"
 * in one call. Each returns 0, or -1 when yajl refused.
 */
#ifndef MARIMBA_JSON_GEN_H
#define MARIMBA_JSON_GEN_H

#include <yajl/yajl_gen.h>

/* A string (a key, or a value). */
int	json_gen_str(yajl_gen, const char *);
/* A member: key, then its string value. */
int	json_gen_str_member(yajl_gen, const char *, const char *);
/* A member: key, then its integer value. */
int	json_gen_int_member(yajl_gen, const char *, long long);

#endif
