/* SPDX-License-Identifier: ISC */
/*
 * Byte buffer helpers (see grpc_buf.h).
 */
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/slice.h>

#include "grpc_buf.h"

int
gbuf_read(grpc_byte_buffer *bb, uint8_t **out, size_t *len)
{
	grpc_byte_buffer_reader	 rd;
	grpc_slice		 s;
	size_t			 n;
	uint8_t			*p;

	if (!grpc_byte_buffer_reader_init(&rd, bb))
		return (-1);
	s = grpc_byte_buffer_reader_readall(&rd);
	grpc_byte_buffer_reader_destroy(&rd);

	n = GRPC_SLICE_LENGTH(s);
	if ((p = malloc(n == 0 ? 1 : n)) == NULL) {
		grpc_slice_unref(s);
		return (-1);
	}
	if (n > 0)
		memcpy(p, GRPC_SLICE_START_PTR(s), n);
	grpc_slice_unref(s);

	*out = p;
	*len = n;
	return (0);
}

grpc_byte_buffer *
gbuf_from_bytes(const void *data, size_t len)
{
	grpc_slice		 s;
	grpc_byte_buffer	*bb;

	s = grpc_slice_from_copied_buffer(data, len);
	bb = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);
	return (bb);
}

grpc_byte_buffer *
gbuf_pack(const ProtobufCMessage *msg)
{
	grpc_slice		 s;
	grpc_byte_buffer	*bb;
	size_t			 len;

	len = protobuf_c_message_get_packed_size(msg);
	s = grpc_slice_malloc(len);
	(void)protobuf_c_message_pack(msg, GRPC_SLICE_START_PTR(s));
	bb = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);
	return (bb);
}
