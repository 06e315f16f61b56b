#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""TLS WebSocket peers for the feed's integration tests and benchmarks.

Run with /usr/bin/python3 (Debian's python3-websockets lives there).
Prints "PORT <n>" on stdout once listening on 127.0.0.1:<ephemeral>, then
appends one JSON object per observation to --log.  Serves connections one
after another until killed or --conns connections were handled.

Modes served by the `websockets` library (an implementation nobody here
wrote, to prove interoperability):
  interop   login -> auth_ok, subscribe -> subscribed, N text messages, a
            text message in 3 fragments with a ping interleaved (logs
            whether the client's pong carried the same payload), a binary
            message, a 200 KB binary message, then close 1000.

Modes served by a raw TLS socket (hand-made frames and handshakes):
  bad_accept, status403, no_upgrade      handshake failures
  masked, rsv, ctrl_big, bad_utf8, bad_opcode, oversize
                                          one bad frame after auth_ok; logs
                                          the close code the client sends
  vanish                                  half a frame, then TCP close
  silent                                  handshake + auth_ok, then nothing;
                                          never answers pings (half-open)
"""
import argparse
import asyncio
import base64
import hashlib
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def log(path, **kw):
    kw["t"] = time.time()
    with open(path, "a") as f:
        f.write(json.dumps(kw) + "\n")


def make_ctx(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    if args.tls == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    elif args.tls == "1.3":
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    return ctx


# ---------------------------------------------------------------- websockets

async def interop_handler(ws, args, conn):
    msg = await ws.recv()
    log(args.log, conn=conn, ev="recv", data=msg)
    await ws.send("auth_ok")
    msg = await ws.recv()
    log(args.log, conn=conn, ev="recv", data=msg)
    await ws.send("subscribed")
    for i in range(args.messages):
        await ws.send("ev:%d" % i)
    box = {}

    async def fragments():
        yield "ev:"
        # A control frame between data fragments (RFC 6455 5.4).
        box["pong"] = await ws.ping(b"probe-%d" % conn)
        yield "frag"
        yield "mented"

    await ws.send(fragments())
    try:
        await asyncio.wait_for(box["pong"], 5)
        log(args.log, conn=conn, ev="pong_ok")
    except Exception as e:  # noqa
        log(args.log, conn=conn, ev="pong_missing", err=repr(e))
    await ws.send(b"\x00\x01\x02\x03")
    await ws.send(b"\xab" * 200000)
    await ws.close(code=1000, reason="done")
    log(args.log, conn=conn, ev="closed", code=ws.close_code)


def serve_websockets(args):
    import websockets

    ctx = make_ctx(args)
    state = {"conn": 0}

    async def handler(ws, path=None):
        state["conn"] += 1
        conn = state["conn"]
        log(args.log, conn=conn, ev="open")
        try:
            await interop_handler(ws, args, conn)
        except Exception as e:  # noqa
            log(args.log, conn=conn, ev="error", err=repr(e))

    async def main():
        async with websockets.serve(handler, "127.0.0.1", 0, ssl=ctx, max_size=None,
                                    compression=None) as srv:
            port = srv.sockets[0].getsockname()[1]
            print("PORT %d" % port, flush=True)
            await asyncio.Future()

    asyncio.run(main())


# ---------------------------------------------------------------- raw socket

def frame(op, payload, fin=True, rsv=0, mask=False, length=None):
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | (rsv << 4) | op
    mb = 0x80 if mask else 0
    if n < 126:
        h = struct.pack("!BB", b0, mb | n)
    elif n <= 0xFFFF:
        h = struct.pack("!BBH", b0, mb | 126, n)
    else:
        h = struct.pack("!BBQ", b0, mb | 127, n)
    if mask:
        key = b"\x01\x02\x03\x04"
        payload = bytes(c ^ key[i % 4] for i, c in enumerate(payload))
        h += key
    return h + payload


def read_head(s):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            raise EOFError
        buf += d
    head, rest = buf.split(b"\r\n\r\n", 1)
    return head.decode("latin1"), rest


def read_frame(s, buf):
    """One client frame -> (op, payload, rest); client frames are masked."""
    def need(n):
        nonlocal buf
        while len(buf) < n:
            d = s.recv(65536)
            if not d:
                raise EOFError
            buf += d

    need(2)
    op = buf[0] & 0x0F
    n = buf[1] & 0x7F
    masked = buf[1] & 0x80
    off = 2
    if n == 126:
        need(4)
        n = struct.unpack("!H", buf[2:4])[0]
        off = 4
    elif n == 127:
        need(10)
        n = struct.unpack("!Q", buf[2:10])[0]
        off = 10
    if masked:
        need(off + 4)
        key = buf[off:off + 4]
        off += 4
    need(off + n)
    p = buf[off:off + n]
    if masked:
        p = bytes(c ^ key[i % 4] for i, c in enumerate(p))
    return op, p, masked, buf[off + n:]


def raw_conn(s, args, conn):
    head, rest = read_head(s)
    key = ""
    for line in head.split("\r\n")[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "sec-websocket-key":
            key = v.strip()
    accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
    log(args.log, conn=conn, ev="request", extensions="extensions" in head.lower())
    mode = args.mode
    if mode == "status403":
        s.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        return
    if mode == "no_upgrade":
        s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        return
    if mode == "bad_accept":
        accept = base64.b64encode(hashlib.sha1(b"wrong").digest()).decode()
    s.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % accept).encode())
    if mode == "bad_accept":
        time.sleep(0.5)
        return
    s.sendall(frame(0x1, b"auth_ok"))
    if mode == "silent":
        s.sendall(frame(0x1, b"ping"))  # a venue-level ping: expect "pong"
    bad = {
        "masked": frame(0x1, b"ev:masked", mask=True),
        "rsv": frame(0x1, b"ev:rsv", rsv=4),
        "ctrl_big": frame(0x9, b"p" * 126),
        "bad_utf8": frame(0x1, b"ev:\xc3\x28"),
        "bad_opcode": frame(0x3, b""),
        "oversize": frame(0x2, b"\xcd" * 100000),
    }
    if mode in bad:
        s.sendall(frame(0x1, b"ev:before"))
        s.sendall(bad[mode])
    elif mode == "vanish":
        s.sendall(frame(0x1, b"ev:before"))
        full = frame(0x1, b"ev:" + b"v" * 500)
        s.sendall(full[:200])
        time.sleep(0.1)
        log(args.log, conn=conn, ev="vanish")
        s.shutdown(socket.SHUT_RDWR)
        return
    buf = rest
    deadline = time.time() + args.linger
    s.settimeout(0.2)
    while time.time() < deadline:
        try:
            op, p, masked, buf = read_frame(s, buf)
        except socket.timeout:
            continue
        except (EOFError, OSError, ssl.SSLError):
            log(args.log, conn=conn, ev="eof")
            return
        if not masked:
            log(args.log, conn=conn, ev="unmasked_client_frame")
        if op == 0x8:
            code = struct.unpack("!H", p[:2])[0] if len(p) >= 2 else 1005
            log(args.log, conn=conn, ev="close", code=code, reason=p[2:].decode("utf-8", "replace"))
            if mode != "silent":
                try:
                    s.sendall(frame(0x8, p[:2]))
                except OSError:
                    pass
            return
        if op == 0x9:
            log(args.log, conn=conn, ev="ping")
            continue  # silent mode: never answer (half-open peer)
        log(args.log, conn=conn, ev="recv", op=op, data=p.decode("latin1"))


def serve_raw(args):
    ctx = make_ctx(args)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(8)
    print("PORT %d" % ls.getsockname()[1], flush=True)
    conn = 0
    while args.conns == 0 or conn < args.conns:
        raw, _ = ls.accept()
        conn += 1
        log(args.log, conn=conn, ev="open")
        try:
            raw.settimeout(5)
            s = ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as e:
            log(args.log, conn=conn, ev="tls_error", err=str(e))
            raw.close()
            continue
        try:
            raw_conn(s, args, conn)
        except (EOFError, OSError, ssl.SSLError) as e:
            log(args.log, conn=conn, ev="error", err=repr(e))
        finally:
            try:
                s.close()
            except OSError:
                pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--tls", default="any", choices=["any", "1.2", "1.3"])
    ap.add_argument("--messages", type=int, default=10)
    ap.add_argument("--conns", type=int, default=0)
    ap.add_argument("--linger", type=float, default=3.0)
    args = ap.parse_args()
    # Do not outlive a test that forgot us.
    threading.Timer(120, lambda: os._exit(0)).start()
    if args.mode == "interop":
        serve_websockets(args)
    else:
        serve_raw(args)


if __name__ == "__main__":
    main()
