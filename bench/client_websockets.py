#!/usr/bin/python3
"""Benchmark peer: a Python `websockets` (legacy API, 10.x) client.

Usage: client_websockets.py URL
Receives every message until the server closes, writes each one to stdout
followed by a newline (binary messages raw), then exits 0 on a normal close.
"""

import asyncio
import sys

import websockets


async def run(url):
    out = sys.stdout.buffer
    # No keepalive pings: the sender does not read (so never answers) until
    # it has sent everything, and a slow run would fail with 1011.
    async with websockets.connect(
        url, max_size=None, compression=None, ping_interval=None
    ) as ws:
        async for msg in ws:
            if isinstance(msg, str):
                msg = msg.encode("utf-8")
            out.write(msg)
            out.write(b"\n")
    out.flush()


def main():
    if len(sys.argv) != 2:
        print("usage: client_websockets.py URL", file=sys.stderr)
        return 2
    asyncio.run(run(sys.argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
