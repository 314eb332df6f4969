/* SPDX-License-Identifier: ISC */
/*
 * Hex digits: the value of one, for the parsers that read them
 * (idempotency-key UUIDs, %XX escapes of log query strings).
 */
#ifndef MARIMBA_HEX_H
#define MARIMBA_HEX_H

/* The value (0-15) of a hex digit of either case; -1 if c is none. */
int	hex_digit_value(char);

#endif
