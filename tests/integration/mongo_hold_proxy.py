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

# A BSON string element "insert": "logs" (type 0x02, name, length, value).
INSERT_LOGS = b"\x02insert\x00" + struct.pack("<i", 5) + b"logs\x00"
held = False


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


async def client_to_server(reader, writer, hold_s, vote_id):
    global held
    try:
        while True:
            head = await reader.readexactly(4)
            (length,) = struct.unpack("<i", head)
            body = await reader.readexactly(length - 4)
            if not held and INSERT_LOGS in body and vote_id in body:
                held = True
                await asyncio.sleep(hold_s)
            writer.write(head + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, OSError,
            asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def handle(creader, cwriter, host, port, hold_s, vote_id):
    try:
        sreader, swriter = await asyncio.open_connection(host, port)
    except OSError:
        cwriter.close()
        return
    await asyncio.gather(client_to_server(creader, swriter, hold_s, vote_id),
                         pump(sreader, cwriter))


async def main():
    listen, host, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    hold_s = int(sys.argv[4]) / 1000.0
    vote_id = sys.argv[5].encode()
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, host, port, hold_s, vote_id),
        "127.0.0.1", listen)
    try:
        print("ready", flush=True)
    except BrokenPipeError:
        pass
    sys.stdout = open("/dev/null", "w")
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
