/* SPDX-License-Identifier: ISC */
/*
 * grow_array(): doubling growth with reallocarray(3), capped at a maximum
 * the caller gives, so a hostile count never asks for more than allowed,
 * and checked for overflow before the allocator sees the size.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "grow.h"

void *
grow_array(void *arr, size_t *cap, size_t count, size_t size, size_t first,
    size_t max)
{
	void	*grown;
	size_t	 ncap;

	if (count < *cap)
		return (arr);
	if (count >= max || size == 0) {
		errno = EOVERFLOW;
		return (NULL);
	}

	if (*cap == 0)
		ncap = first > 0 ? first : 1;
	else
		ncap = *cap > max / 2 ? max : *cap * 2;
	if (ncap > max)
		ncap = max;
	if (ncap <= count)
		ncap = count + 1;

	if (ncap > SIZE_MAX / size) {
		errno = EOVERFLOW;
		return (NULL);
	}

	if ((grown = reallocarray(arr, ncap, size)) == NULL) {
		errno = ENOMEM;
		return (NULL);
	}
	*cap = ncap;

	return (grown);
}
