#!/usr/bin/python3
"""Redirecting WebSocket server for tests/it_redirect.sh (python3-websockets 10.4, legacy API).

Prints "READY <port>" on stdout once it listens (--port 0 for a free port). By request path:

  ANY?code=N&to=LOC          any path with code=N in its query: refuse the upgrade with status
                              N and "Location: LOC" (LOC as given after URL-decoding; no
                              Location without to=; with to2=LOC2 too, a second Location line)
  /hop?n=K&code=N             a chain: while K > 0, status N to the relative "hop?n=K-1&code=N";
                              at 0, accept like any other path
  /loop                       302 to itself ("/loop"), for ever
  anything else               accept; the first message is a JSON object saying what the request
                              carried: {"path", "host", "authorization" (true/false), "cookie"
                              (true/false), "x_test" (the X-Test header or null), "port",
                              "tls"}; then echo every message, or with close=CODE in the
                              query close with CODE at once
With delay=SECS in the query, any of these answers (the refusal, or the 101) comes after SECS
seconds. Every request is appended to --log FILE (one line: port, path, Authorization and Cookie present
or not) when given, so a test can count the hops.
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

ARGS = None
PORT = 0


def parse(path):
    u = urllib.parse.urlsplit(path)
    q = {k: v[0] for k, v in urllib.parse.parse_qs(u.query, keep_blank_values=True).items()}
    return u.path, q


def reply(code, location, location2=None):
    try:
        status = http.HTTPStatus(code)
    except ValueError:
        status = http.HTTPStatus.FOUND
    headers = [("Content-Type", "text/html")]
    if location is not None:
        headers.append(("Location", location))
    if location2 is not None:
        headers.append(("Location", location2))
    return status, headers, b"<html><body>moved</body></html>\n"


async def process_request(path, headers):
    p, q = parse(path)
    if ARGS.log:
        with open(ARGS.log, "a", encoding="utf-8") as f:
            f.write("%d %s auth=%s cookie=%s\n" % (PORT, path, "Authorization" in headers,
                                                   "Cookie" in headers))
    if "delay" in q:
        await asyncio.sleep(float(q["delay"]))
    if "code" in q and p != "/hop":
        return reply(int(q["code"]), q.get("to"), q.get("to2"))
    if p == "/hop":
        n = int(q.get("n", "0"))
        code = q.get("code", "302")
        if n > 0:
            return reply(int(code), "hop?n=%d&code=%s" % (n - 1, code))
    if p == "/loop":
        return reply(302, "/loop")
    return None


async def handler(ws, path):
    h = ws.request_headers
    try:
        await ws.send(json.dumps({
            "path": path,
            "host": h.get("Host"),
            "authorization": "Authorization" in h,
            "cookie": "Cookie" in h,
            "x_test": h.get("X-Test"),
            "port": PORT,
            "tls": ARGS.tls_cert is not None,
        }, sort_keys=True))
        _, q = parse(path)
        if "close" in q:
            await ws.close(int(q["close"]))
            return
        async for msg in ws:
            await ws.send(msg)
    except websockets.exceptions.ConnectionClosed:
        pass


async def main():
    global ARGS, PORT
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--log")
    ARGS = ap.parse_args()

    ctx = None
    if ARGS.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.tls_cert, ARGS.tls_key)

    server = await websockets.serve(handler, ARGS.host, ARGS.port, ssl=ctx,
                                    process_request=process_request, compression=None,
                                    ping_interval=None)
    PORT = server.sockets[0].getsockname()[1]
    print("READY %d" % PORT, flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    logging.basicConfig(level=logging.CRITICAL)
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
