/* SPDX-License-Identifier: ISC */
/*
 * Moving bytes and protobuf-c messages in and out of gRPC byte buffers,
 * for the server and the clients alike.
 */
#ifndef MARIMBA_GRPC_BUF_H
#define MARIMBA_GRPC_BUF_H

#include <stddef.h>
#include <stdint.h>

#include <grpc/byte_buffer.h>
#include <protobuf-c/protobuf-c.h>

/*
 * Copies the whole of bb into a malloc'ed array (*out, *len; free()).
 * A zero-length message gives a non-NULL *out. -1 if out of memory.
 */
int			 gbuf_read(grpc_byte_buffer *, uint8_t **, size_t *);

/* A new byte buffer holding a copy of len bytes; NULL if out of memory. */
grpc_byte_buffer	*gbuf_from_bytes(const void *, size_t);

/* A new byte buffer holding the packed message; NULL if out of memory. */
grpc_byte_buffer	*gbuf_pack(const ProtobufCMessage *);

#endif
