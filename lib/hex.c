/* SPDX-License-Identifier: ISC */
/*
 * One hex digit of either case to its value: the parsers read them one
 * character at a time, where strtol() would read on and accept a sign
 * or spaces.
 */
#include "hex.h"

int
hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}
