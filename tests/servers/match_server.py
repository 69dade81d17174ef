#!/usr/bin/python3
"""wsc's test server for the match options (python3-websockets, legacy API).

Paths:
  /reply?banner=B&reply=R  sends B on connect (when given), then answers each message with R
                           (the message itself without R); stays open.
  /silent                  never sends anything; stays open.
  /send?msg=A&msg=B        sends each msg in order (\\0 in a msg is a NUL byte), then closes
                           with 1000.
  /send?bin=A&msg=B        the same, and first each bin as a binary message (its UTF-8 bytes).
Prints "READY <port>" once it listens.
"""

import argparse
import asyncio
import logging
import sys
import urllib.parse

import websockets


async def handler(ws, path):
    u = urllib.parse.urlsplit(path)
    q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
    try:
        if u.path == "/reply":
            if "banner" in q:
                await ws.send(q["banner"][0])
            async for msg in ws:
                await ws.send(q["reply"][0] if "reply" in q else msg)
        elif u.path == "/silent":
            async for _ in ws:
                pass
        elif u.path == "/send":
            for b in q.get("bin", []):
                await ws.send(b.encode())
            for m in q.get("msg", []):
                await ws.send(m.replace("\\0", "\0"))
            await ws.close(1000)
    except websockets.ConnectionClosed:
        pass


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    server = await websockets.serve(handler, "127.0.0.1", a.port, compression=None,
                                    ping_interval=None)
    print("READY %d" % server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    logging.basicConfig(level=logging.CRITICAL)
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
