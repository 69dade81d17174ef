#!/usr/bin/python3
"""WebSocket server for wsc's REPL tests (python3-websockets 10.4, legacy API).

Prints "READY <port>" on stdout once it listens (use --port 0 for a free port). Every path:

  /<anything>?file=F   append every message received to F (one a line; text as is, binary as
                       "binary:" and hex), and write its exact bytes to F.msg.N (N = 1, 2, ...
                       counted over all connections that use F). Once a connection is closed,
                       the close code received goes to F.close (the code and reason,
                       space-separated, to F.reason) and is appended to F.closes (one a line, so
                       a reconnect keeps the first connection's code).
                       Each connection appends "== connection N" and its request headers
                       ("Name: value", one a line) to F.headers. Every pong received (solicited
                       or not) is appended to F.pongs as its payload (UTF-8, one a line).
                       While connected, the server watches for two files:
                       F.push: its bytes (UTF-8) are sent as one text message;
                       F.cmd: one command, "ping PAYLOAD" (send a ping) or "close CODE REASON"
                       (close the connection).
                       Either file is removed once acted upon. Write F.push.tmp (F.cmd.tmp) and
                       rename it so that the server never reads it half-written.

Without file=, the server just echoes.
"""

import argparse
import asyncio
import logging
import os
import sys
import urllib.parse

import websockets
import websockets.exceptions
import websockets.legacy.server
from websockets.frames import OP_PONG

# Per record file: connections and messages seen so far.
CONNS = {}
MSGS = {}


def query(path):
    u = urllib.parse.urlsplit(path)
    return {k: v[0] for k, v in urllib.parse.parse_qs(u.query, keep_blank_values=True).items()}


class Protocol(websockets.legacy.server.WebSocketServerProtocol):
    """Records the payload of every pong frame to F.pongs."""

    async def read_frame(self, max_size):
        frame = await super().read_frame(max_size)
        if frame.opcode == OP_PONG:
            fname = query(getattr(self, "path", "") or "").get("file")
            if fname:
                with open(fname + ".pongs", "a", encoding="utf-8") as f:
                    f.write(bytes(frame.data).decode("utf-8", errors="replace") + "\n")
        return frame


def take(path):
    """The bytes of file PATH, which is then removed; None if it is not there."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    os.unlink(path)
    return data


async def pusher(ws, fname):
    while True:
        await asyncio.sleep(0.05)
        data = take(fname + ".push")
        if data is not None:
            await ws.send(data.decode("utf-8", errors="replace"))
        cmd = take(fname + ".cmd")
        if cmd is None:
            continue
        word, _, rest = cmd.decode("utf-8").rstrip("\n").partition(" ")
        if word == "ping":
            await ws.ping(rest.encode("utf-8"))
        elif word == "close":
            code, _, reason = rest.partition(" ")
            # Its own task: the handler cancels this one when the connection ends.
            asyncio.ensure_future(ws.close(int(code), reason))
            return


async def handler(ws, path):
    q = query(path)
    fname = q.get("file")
    if not fname:
        try:
            async for msg in ws:
                await ws.send(msg)
        except websockets.exceptions.ConnectionClosed:
            pass
        return
    CONNS[fname] = CONNS.get(fname, 0) + 1
    with open(fname + ".headers", "a", encoding="utf-8") as f:
        f.write("== connection %d\n" % CONNS[fname])
        for name, value in ws.request_headers.raw_items():
            f.write("%s: %s\n" % (name, value))
    task = asyncio.ensure_future(pusher(ws, fname))
    try:
        async for msg in ws:
            MSGS[fname] = MSGS.get(fname, 0) + 1
            raw = msg if isinstance(msg, bytes) else msg.encode("utf-8")
            with open("%s.msg.%d" % (fname, MSGS[fname]), "wb") as f:
                f.write(raw)
            with open(fname, "a", encoding="utf-8") as f:
                if isinstance(msg, bytes):
                    f.write("binary:" + msg.hex() + "\n")
                else:
                    f.write(msg + "\n")
    except websockets.exceptions.ConnectionClosed:
        pass
    finally:
        task.cancel()
        await ws.wait_closed()
        with open(fname + ".reason", "w", encoding="utf-8") as f:
            f.write("%s %s\n" % (ws.close_code, ws.close_reason))
        with open(fname + ".closes", "a", encoding="utf-8") as f:
            f.write("%s\n" % ws.close_code)
        with open(fname + ".close", "w", encoding="utf-8") as f:
            f.write("%s\n" % ws.close_code)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    server = await websockets.serve(
        handler,
        a.host,
        a.port,
        create_protocol=Protocol,
        compression=None,
        ping_interval=None,
        max_size=None,
        max_queue=None,
    )
    port = server.sockets[0].getsockname()[1]
    print("READY %d" % port, flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    logging.basicConfig(level=logging.CRITICAL)
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
