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
import asyncio
import struct
import sys

# A BSON string element "find": "logs" (type 0x02, name, length, value).
FIND_LOGS = b"\x02find\x00" + struct.pack("<i", 5) + b"logs\x00"


async def pump(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (OSError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def client_to_server(reader, writer):
    try:
        while True:
            head = await reader.readexactly(4)
            (length,) = struct.unpack("<i", head)
            body = await reader.readexactly(length - 4)
            if FIND_LOGS in body:
                continue  # never answered: the client times out
            writer.write(head + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, OSError,
            asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def handle(creader, cwriter, host, port):
    try:
        sreader, swriter = await asyncio.open_connection(host, port)
    except OSError:
        cwriter.close()
        return
    await asyncio.gather(client_to_server(creader, swriter),
                         pump(sreader, cwriter))


async def main():
    listen, host, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, host, port), "127.0.0.1", listen)
    try:
        print("ready", flush=True)
    except BrokenPipeError:
        pass  # the test gave up waiting; serve anyway until killed
    # The test reads up to its "ready" line and closes its end.
    sys.stdout = open("/dev/null", "w")
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
