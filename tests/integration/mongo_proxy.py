# SPDX-License-Identifier: ISC
# The MongoDB wire-protocol relay under the tests' proxies
# (mongo_stall_proxy.py, mongo_hold_proxy.py): relays every message
# between each client connection and the real server, asking the proxy's
# own filter about each message from the client first. Standard library.
import asyncio
import struct
import sys


async def _pump(reader, writer):
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


async def _client_to_server(reader, writer, keep):
    try:
        while True:
            head = await reader.readexactly(4)
            (length,) = struct.unpack("<i", head)
            body = await reader.readexactly(length - 4)
            if not await keep(body):
                continue  # swallowed: never answered
            writer.write(head + body)
            await writer.drain()
    except (asyncio.IncompleteReadError, OSError,
            asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def _handle(creader, cwriter, host, port, keep):
    try:
        sreader, swriter = await asyncio.open_connection(host, port)
    except OSError:
        cwriter.close()
        return
    await asyncio.gather(_client_to_server(creader, swriter, keep),
                         _pump(sreader, cwriter))


def run(keep):
    """Listens on argv[1] in front of argv[2]:argv[3]; keep(body) is an
    async filter of client messages (False: drop it). Prints "ready"."""
    async def main():
        listen, host = int(sys.argv[1]), sys.argv[2]
        port = int(sys.argv[3])
        server = await asyncio.start_server(
            lambda r, w: _handle(r, w, host, port, keep),
            "127.0.0.1", listen)
        try:
            print("ready", flush=True)
        except BrokenPipeError:
            pass  # the test gave up waiting; serve anyway until killed
        # The test reads up to its "ready" line and closes its end.
        sys.stdout = open("/dev/null", "w")
        async with server:
            await server.serve_forever()
    asyncio.run(main())
