#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# A MongoDB wire-protocol proxy for test_consumer_inflight: relays every
# message between each client connection and the real server (FerretDB of
# scripts/stack), but holds the first "insert" into the "logs" collection
# that carries the vote id VOTE_ID, on whichever connection, for HOLD_MS
# before passing it on. The other connections keep flowing meanwhile, so
# a consumer with two insert_many in flight (one client each) gets its
# later batch stored before the one with VOTE_ID.
#
#   mongo_hold_proxy.py LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT HOLD_MS VOTE_ID
#
# Prints "ready" once it listens. Standard library only.
import asyncio
import struct
import sys

from mongo_proxy import run

# A BSON string element "insert": "logs" (type 0x02, name, length, value).
INSERT_LOGS = b"\x02insert\x00" + struct.pack("<i", 5) + b"logs\x00"
HOLD_S = int(sys.argv[4]) / 1000.0
VOTE_ID = sys.argv[5].encode()
held = False


async def keep(body):
    global held
    if not held and INSERT_LOGS in body and VOTE_ID in body:
        held = True
        await asyncio.sleep(HOLD_S)
    return True


if __name__ == "__main__":
    run(keep)
