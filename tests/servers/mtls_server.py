#!/usr/bin/python3
"""TLS WebSocket echo server for wsc's TLS tests (python3-websockets 10.4, legacy API).

Prints "READY <port>" once it listens on 127.0.0.1 (a free port). Every path echoes each
message back; /bye closes at once (1000); /whoami first sends the subject CN of the client
certificate ("none" without one).

  --cert/--key FILE      the server's certificate and key (PEM)
  --client-ca FILE       require a client certificate signed by this CA (mutual TLS)
  --tls-max 1.2|1.3      highest TLS version offered (1.2: a TLS-1.2-only server)
  --ciphers LIST         TLS 1.2 cipher list of the server (OpenSSL syntax)
  --optional-client-ca FILE  ask for a client certificate of this CA but take none too
                         (nginx's "ssl_verify_client optional", Kubernetes API servers)
  --close-after-request  no WebSocket: read the upgrade request, then close the connection
"""

import argparse
import asyncio
import logging
import ssl
import sys

import websockets
import websockets.exceptions


def client_cn(ws):
    sslobj = ws.transport.get_extra_info("ssl_object")
    cert = sslobj.getpeercert() if sslobj else None
    if not cert:
        return "none"
    for rdn in cert.get("subject", ()):
        for k, v in rdn:
            if k == "commonName":
                return v
    return "?"


async def handler(ws, path):
    try:
        if path == "/bye":
            return  # close at once (1000), for --reconnect
        if path == "/whoami":
            await ws.send(client_cn(ws))
        async for msg in ws:
            await ws.send(msg)
    except websockets.exceptions.ConnectionClosed:
        pass


async def close_after_request(reader, writer):
    try:
        await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ssl.SSLError):
        pass
    writer.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--client-ca")
    ap.add_argument("--tls-max", choices=["1.2", "1.3"])
    ap.add_argument("--ciphers")
    ap.add_argument("--optional-client-ca")
    ap.add_argument("--close-after-request", action="store_true")
    a = ap.parse_args()

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    if a.client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(a.client_ca)
    if a.optional_client_ca:
        ctx.verify_mode = ssl.CERT_OPTIONAL
        ctx.load_verify_locations(a.optional_client_ca)
    if a.tls_max == "1.2":
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if a.ciphers:
        ctx.set_ciphers(a.ciphers)

    if a.close_after_request:
        server = await asyncio.start_server(close_after_request, "127.0.0.1", 0, ssl=ctx)
    else:
        server = await websockets.serve(
            handler, "127.0.0.1", 0, ssl=ctx, compression=None, ping_interval=None
        )
    print("READY %d" % server.sockets[0].getsockname()[1], flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    logging.basicConfig(level=logging.CRITICAL)
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
