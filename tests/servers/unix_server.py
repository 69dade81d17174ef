#!/usr/bin/python3
"""wsc's test WebSocket server on a unix socket (python3-websockets 10.4, legacy API).

Serves the paths of ws_server.py (/echo, /headers, ...) on a unix socket instead of TCP, with
TLS when --tls-cert/--tls-key are given. --path FILE binds a socket file; --abstract NAME binds
the Linux abstract name NAME (no file). Prints "READY <path or @name>" once it listens.
"""

import argparse
import asyncio
import logging
import os
import ssl
import sys

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ws_server  # noqa: E402  (the same handlers as the TCP server)


async def main():
    ap = argparse.ArgumentParser()
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--path")
    where.add_argument("--abstract")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    a = ap.parse_args()

    ctx = None
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)

    path = a.path if a.path else "\0" + a.abstract
    await websockets.unix_serve(
        ws_server.handler,
        path,
        ssl=ctx,
        process_request=ws_server.process_request,
        compression=None,
        ping_interval=None,
    )
    print("READY %s" % (a.path if a.path else "@" + a.abstract), flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    logging.basicConfig(level=logging.CRITICAL)
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
