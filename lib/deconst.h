/* SPDX-License-Identifier: ISC */
/*
 * DECONST(): drops const from a pointer for a C API that takes a plain
 * pointer it only reads (protobuf-c's message strings), or to free() what
 * a const member names. The one sanctioned way: -Wcast-qual refuses the
 * plain cast, so every such place is marked and greppable.
 */
#ifndef MARIMBA_DECONST_H
#define MARIMBA_DECONST_H

#include <stdint.h>

#define DECONST(type, p)	((type)(uintptr_t)(const void *)(p))

#endif
