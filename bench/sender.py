#!/usr/bin/python3
"""Benchmark sender: a raw RFC 6455 server that blasts precomputed frames.

It listens on 127.0.0.1 (port 0 = any free port unless --port is given), prints
"PORT <n>" on stdout once it is listening, and then serves one connection at a
time, forever, until killed.

The request path picks the workload:
  /A   1,000,000 unmasked text frames of 32 bytes (one precomputed buffer)
  /B   1024 unmasked text frames of 1 MiB (the same frame sent 1024 times)
  /J   1,000,000 unmasked text frames of 32 bytes, each one JSON object
       {"n":1000000,"s":"abcdefghijkl"} with n counting up (for --jq, bench/jq.sh)
Then it sends a close frame with code 1000 and waits (at most --linger seconds)
for the client's close frame or EOF before closing TCP, as RFC 6455 §7.1.1 asks
of a server. With "?eof" in the query (the floor client, which does not speak
WebSocket) it shuts down its write side right after the close frame, so the
client sees EOF after the last byte.

The handshake is done by hand and nothing is negotiated (no extensions, no
subprotocol), so every client receives exactly the same bytes.
"""

import argparse
import base64
import hashlib
import signal
import socket
import struct
import sys
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

A_COUNT = 1_000_000
A_SIZE = 32
B_COUNT = 1024
B_SIZE = 1 << 20
CLOSE_1000 = b"\x88\x02" + struct.pack("!H", 1000)


def text_frame_header(n):
    if n < 126:
        return bytes([0x81, n])
    if n < 65536:
        return bytes([0x81, 126]) + struct.pack("!H", n)
    return bytes([0x81, 127]) + struct.pack("!Q", n)


def build_a():
    # 32 printable ASCII bytes per message, no newline, numbered so that
    # messages differ: "0000000000 abcdefghijklmnopqrstu"
    hdr = text_frame_header(A_SIZE)
    tail = b" abcdefghijklmnopqrstu"
    assert 10 + len(tail) == A_SIZE
    parts = []
    for i in range(A_COUNT):
        parts.append(hdr)
        parts.append(b"%010d" % i)
        parts.append(tail)
    return b"".join(parts)


def build_j():
    # 32 bytes of JSON per message; n = 1000000 + i keeps 7 digits, half of them even
    hdr = text_frame_header(A_SIZE)
    parts = []
    for i in range(A_COUNT):
        msg = b'{"n":%d,"s":"abcdefghijkl"}' % (1000000 + i)
        assert len(msg) == A_SIZE
        parts.append(hdr)
        parts.append(msg)
    return b"".join(parts)


def build_b():
    line = bytes(range(0x21, 0x7F))  # printable ASCII, no space, no newline
    payload = (line * (B_SIZE // len(line) + 1))[:B_SIZE]
    return text_frame_header(B_SIZE) + payload


def read_request(conn, timeout):
    conn.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            raise ConnectionError("EOF during handshake")
        data += chunk
        if len(data) > 65536:
            raise ConnectionError("request too large")
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or parts[0] != "GET":
        raise ConnectionError("bad request line: %r" % lines[0])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    key = headers.get("sec-websocket-key")
    if not key:
        raise ConnectionError("no Sec-WebSocket-Key")
    return parts[1], key


def find_close(data):
    """True if the client frames in data (masked, RFC 6455 §5.2) include a
    close frame; frames before it (pings, pongs, messages) are skipped."""
    pos = 0
    while len(data) - pos >= 2:
        opcode = data[pos] & 0x0F
        n = data[pos + 1] & 0x7F
        hlen = 2
        if n == 126:
            hlen = 4
            if len(data) - pos < hlen:
                return False
            n = struct.unpack_from("!H", data, pos + 2)[0]
        elif n == 127:
            hlen = 10
            if len(data) - pos < hlen:
                return False
            n = struct.unpack_from("!Q", data, pos + 2)[0]
        if data[pos + 1] & 0x80:
            hlen += 4
        if opcode == 0x8:
            return True
        pos += hlen + n
    return False


def linger(conn, seconds):
    # Wait for the client's close frame (or EOF / reset), then close TCP.
    conn.settimeout(seconds)
    deadline = time.monotonic() + seconds
    got = b""
    try:
        while time.monotonic() < deadline:
            chunk = conn.recv(65536)
            if not chunk:
                return "eof"
            got += chunk
            if find_close(got):
                return "close"
    except socket.timeout:
        return "timeout"
    except OSError:
        return "reset"
    return "timeout"


def serve(conn, payloads, args):
    path, key = read_request(conn, args.handshake_timeout)
    accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest())
    conn.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\n"
        b"Upgrade: websocket\r\n"
        b"Connection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )
    conn.settimeout(None)
    route, _, query = path.partition("?")
    if route == "/A":
        conn.sendall(payloads["A"])
    elif route == "/J":
        conn.sendall(payloads["J"])
    elif route == "/B":
        frame = payloads["B"]
        for _ in range(B_COUNT):
            conn.sendall(frame)
    else:
        raise ConnectionError("unknown path %r" % path)
    conn.sendall(CLOSE_1000)
    if "eof" in query.split("&"):
        conn.shutdown(socket.SHUT_WR)
    return linger(conn, args.linger)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--linger", type=float, default=5.0)
    ap.add_argument("--handshake-timeout", type=float, default=10.0)
    args = ap.parse_args()

    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    payloads = {"A": build_a(), "B": build_b(), "J": build_j()}

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.port))
    ls.listen(16)
    print("PORT %d" % ls.getsockname()[1], flush=True)

    while True:
        conn, _ = ls.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            result = serve(conn, payloads, args)
            print("DONE %s" % result, file=sys.stderr, flush=True)
        except (OSError, ConnectionError) as e:
            print("sender: connection failed: %s" % e, file=sys.stderr, flush=True)
        finally:
            conn.close()


if __name__ == "__main__":
    main()
