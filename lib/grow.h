/* SPDX-License-Identifier: ISC */
/*
 * Growing arrays: one doubling rule, capped and checked for overflow,
 * for every array that is filled one element at a time.
 */
#ifndef MARIMBA_GROW_H
#define MARIMBA_GROW_H

#include <stddef.h>

/*
 * Makes room for element number count (0-based) of an array of elements
 * of size bytes at arr with *cap slots. If count < *cap, returns arr as
 * it is. Otherwise reallocates to first slots (when *cap is 0) or twice
 * *cap, at most max, updates *cap and returns the new array. Returns
 * NULL with errno set (ENOMEM; EOVERFLOW when count >= max or the bytes
 * would not fit a size_t) and leaves arr and *cap as they were: the
 * caller still owns and frees arr.
 */
void	*grow_array(void *arr, size_t *cap, size_t count, size_t size,
	    size_t first, size_t max);

#endif
