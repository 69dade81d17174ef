#!/usr/bin/python3
"""Test WebSocket server for wsc's integration tests (python3-websockets 10.4, legacy API).

Prints "READY <port>" on stdout once it listens (use --port 0 for a free port). What it does
depends on the request path:

  /echo                      echo every message back (text stays text, binary stays binary)
  /send?n=N&size=S           send N text messages ("message 1".., or S bytes each), close 1000
  /close?code=C&reason=R&say=S  close with C/R after the first message received (sending the
                             text message S first when given)
  /close-now?code=C&reason=R close with C/R at once
  /headers                   send one text message: JSON object of the request headers (names
                             lower-cased, repeated headers joined with ", "), then echo
  /subproto                  send one text message: the negotiated subprotocol or "none", then echo
  /status?code=403           refuse the upgrade with that HTTP status and a short body
  /binary?size=N             send one binary message of N bytes (byte i = i % 256), close 1000
  /fragments                 send "frag|mented|message" as one text message in three frames, then
                             bytes 0..9 as one binary message in two frames, then close 1000
  /ping                      send a ping "are you there", wait up to 3 s for the pong, then send
                             "pong ok" or "no pong" and close 1000
  /record?file=F             append every message to F (one a line; binary as hex) and the close
                             code received to F.close
"""

import argparse
import asyncio
import http
import json
import logging
import ssl
import sys
import urllib.parse

import websockets
import websockets.exceptions

STATUS_BODY = b"refused by the wsc test server\n"


def parse(path):
    u = urllib.parse.urlsplit(path)
    q = {k: v[0] for k, v in urllib.parse.parse_qs(u.query, keep_blank_values=True).items()}
    return u.path, q


async def process_request(path, headers):
    p, q = parse(path)
    if p == "/status":
        code = int(q.get("code", "403"))
        try:
            status = http.HTTPStatus(code)
        except ValueError:
            status = http.HTTPStatus.FORBIDDEN
        return status, [("Content-Type", "text/plain")], STATUS_BODY
    return None


async def echo(ws):
    async for msg in ws:
        await ws.send(msg)


async def handler(ws, path):
    p, q = parse(path)
    try:
        if p == "/echo":
            await echo(ws)
        elif p == "/send":
            n = int(q.get("n", "1"))
            size = int(q.get("size", "0"))
            for i in range(1, n + 1):
                msg = "message %d" % i
                if size:
                    msg = (msg + " " + "x" * size)[:size]
                await ws.send(msg)
            await ws.close(1000)
        elif p in ("/close", "/close-now"):
            code = int(q.get("code", "1000"))
            reason = q.get("reason", "")
            if p == "/close":
                await ws.recv()
                if "say" in q:
                    await ws.send(q["say"])
            await ws.close(code, reason)
        elif p == "/headers":
            h = {}
            for k, v in ws.request_headers.raw_items():
                k = k.lower()
                h[k] = h[k] + ", " + v if k in h else v
            await ws.send(json.dumps(h))
            await echo(ws)
        elif p == "/subproto":
            await ws.send(ws.subprotocol or "none")
            await echo(ws)
        elif p == "/binary":
            size = int(q.get("size", "0"))
            await ws.send(bytes(i % 256 for i in range(size)))
            await ws.close(1000)
        elif p == "/fragments":
            await ws.send(["frag|", "mented|", "message"])
            await ws.send([bytes(range(0, 5)), bytes(range(5, 10))])
            await ws.close(1000)
        elif p == "/ping":
            waiter = await ws.ping(b"are you there")
            try:
                await asyncio.wait_for(waiter, 3)
                await ws.send("pong ok")
            except asyncio.TimeoutError:
                await ws.send("no pong")
            await ws.close(1000)
        elif p == "/record":
            fname = q["file"]
            try:
                async for msg in ws:
                    with open(fname, "a", encoding="utf-8") as f:
                        f.write((msg.hex() if isinstance(msg, bytes) else msg) + "\n")
            finally:
                await ws.wait_closed()
                with open(fname + ".close", "w", encoding="utf-8") as f:
                    f.write("%s\n" % ws.close_code)
        else:
            await ws.close(4404, "unknown path")
    except websockets.exceptions.ConnectionClosed:
        pass


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    a = ap.parse_args()

    ctx = None
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)

    server = await websockets.serve(
        handler,
        a.host,
        a.port,
        ssl=ctx,
        process_request=process_request,
        subprotocols=["chat", "superchat"],
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
