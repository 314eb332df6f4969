/* SPDX-License-Identifier: ISC */
/*
 * What the fuzz targets share: the libFuzzer entry point's prototype and
 * FUZZ_CHECK(), an assertion that also holds in release builds (NDEBUG)
 * and aborts, which libFuzzer and the replay test both report as a crash.
 */
#ifndef MARIMBA_FUZZ_CHECK_H
#define MARIMBA_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond))						\
			fuzz_check_failed(__FILE__, __LINE__, #cond);	\
	} while (0)

static inline void __attribute__((noreturn))
fuzz_check_failed(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
	abort();
}

#endif
