#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# A MongoDB wire-protocol proxy for test_rest_degraded: relays every
# message between the client and the real server (FerretDB of
# scripts/stack) except a "find" on the "logs" collection, which it
# swallows, so the server keeps answering hello and ping while every log
# read times out -- the "answers hello, reads time out" store of issue 21.
#
#   mongo_stall_proxy.py LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT
#
# Prints "ready" once it listens. Standard library only.
import struct

from mongo_proxy import run

# A BSON string element "find": "logs" (type 0x02, name, length, value).
FIND_LOGS = b"\x02find\x00" + struct.pack("<i", 5) + b"logs\x00"


async def keep(body):
    return FIND_LOGS not in body  # a log read is never answered


if __name__ == "__main__":
    run(keep)
