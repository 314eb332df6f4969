/* SPDX-License-Identifier: ISC */
/*
 * Reads a gRPC call's "idempotency-key" metadata (see call_key.h).
 * Metadata keys arrive lowercased; the value is parsed by lib/idem_key.
 */
#include <stdio.h>
#include <string.h>

#include <grpc/slice.h>

#include "call_key.h"
#include "rpc_client.h"

int
call_key(const grpc_metadata_array *md, int64_t now_ms, int64_t window_ms,
    struct idem_key *k, char *err, size_t errlen)
{
	const grpc_metadata	*found;
	size_t			 i, klen;

	klen = strlen(RPC_MD_IDEMPOTENCY_KEY);
	found = NULL;
	for (i = 0; i < md->count; i++) {
		if (GRPC_SLICE_LENGTH(md->metadata[i].key) != klen ||
		    memcmp(GRPC_SLICE_START_PTR(md->metadata[i].key),
		    RPC_MD_IDEMPOTENCY_KEY, klen) != 0)
			continue;
		if (found != NULL) {
			(void)snprintf(err, errlen, "idempotency-key sent "
			    "more than once");
			return (-1);
		}
		found = &md->metadata[i];
	}
	if (found == NULL)
		return (0);
	if (idem_key_parse((const char *)GRPC_SLICE_START_PTR(found->value),
	    GRPC_SLICE_LENGTH(found->value), now_ms, window_ms, k, err,
	    errlen) != IDEM_OK)
		return (-1);
	return (1);
}
