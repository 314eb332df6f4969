#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Readiness probe for scripts/stack: sends a real MongoDB `hello` command
# (OP_MSG {hello: 1, $db: "admin"}) to HOST:PORT and exits 0 only if the
# reply document holds ok: 1. Standard library only.
import socket
import struct
import sys


def bson_cstring(s):
    return s.encode() + b"\x00"


def hello_doc():
    body = b"\x10" + bson_cstring("hello") + struct.pack("<i", 1)
    db = bson_cstring("admin")
    body += b"\x02" + bson_cstring("$db") + struct.pack("<i", len(db)) + db
    return struct.pack("<i", len(body) + 5) + body + b"\x00"


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise IOError("connection closed")
        buf += chunk
    return buf


def top_level_ok(doc):
    """Walks the top-level elements of a BSON document, returns ok."""
    fixed = {0x01: 8, 0x07: 12, 0x08: 1, 0x09: 8, 0x0A: 0, 0x10: 4,
             0x11: 8, 0x12: 8, 0x13: 16, 0xFF: 0, 0x7F: 0}
    i, end = 4, len(doc) - 1
    while i < end:
        t = doc[i]
        j = doc.index(b"\x00", i + 1)
        name = doc[i + 1:j].decode()
        i = j + 1
        if name == "ok":
            if t == 0x01:
                return struct.unpack_from("<d", doc, i)[0]
            if t == 0x10:
                return struct.unpack_from("<i", doc, i)[0]
            if t == 0x12:
                return struct.unpack_from("<q", doc, i)[0]
            if t == 0x08:
                return doc[i]
            return 0
        if t in fixed:
            i += fixed[t]
        elif t in (0x02, 0x0D, 0x0E):
            i += 4 + struct.unpack_from("<i", doc, i)[0]
        elif t in (0x03, 0x04):
            i += struct.unpack_from("<i", doc, i)[0]
        elif t == 0x05:
            i += 5 + struct.unpack_from("<i", doc, i)[0]
        elif t == 0x0B:
            i = doc.index(b"\x00", doc.index(b"\x00", i) + 1) + 1
        else:
            raise ValueError("unexpected BSON type 0x%02x" % t)
    return 0


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    payload = struct.pack("<I", 0) + b"\x00" + hello_doc()
    header = struct.pack("<iiii", 16 + len(payload), 1, 0, 2013)
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(header + payload)
        length, _, _, opcode = struct.unpack("<iiii", recv_exact(s, 16))
        reply = recv_exact(s, length - 16)
    if opcode != 2013 or reply[4] != 0:
        print("unexpected reply opcode %d" % opcode, file=sys.stderr)
        return 1
    ok = top_level_ok(reply[5:])
    if ok != 1:
        print("hello returned ok=%r" % ok, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, ValueError, IndexError, struct.error) as e:
        print("hello failed: %s" % e, file=sys.stderr)
        sys.exit(1)
