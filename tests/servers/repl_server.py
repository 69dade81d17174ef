#!/usr/bin/python3
"""WebSocket server for wsc's REPL tests (python3-websockets 10.4, legacy API).

Prints "READY <port>" on stdout once it listens (use --port 0 for a free port). Every path:

  /<anything>?file=F   append every message received to F (one a line; text as is, binary as
                       "binary:" and hex) and, once the connection is closed, the close code
                       received to F.close (the code and reason, space-separated, to F.reason).
                       While connected, the server watches for a file F.push: when it appears,
                       its bytes (UTF-8) are sent as one text message and the file is removed.
                       Write F.push.tmp and rename it to F.push so the send is never partial.

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


def query(path):
    u = urllib.parse.urlsplit(path)
    return {k: v[0] for k, v in urllib.parse.parse_qs(u.query, keep_blank_values=True).items()}


async def pusher(ws, fname):
    push = fname + ".push"
    while True:
        await asyncio.sleep(0.05)
        try:
            with open(push, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            continue
        os.unlink(push)
        await ws.send(data.decode("utf-8", errors="replace"))


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
    task = asyncio.ensure_future(pusher(ws, fname))
    try:
        async for msg in ws:
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
