#!/usr/bin/python3
"""Scripted raw TCP WebSocket server for wsc's integration tests: sends what real servers never
send. No websockets library: the RFC 6455 handshake and frames are written by hand here.

  raw_server.py --port 0 --scenario S [--record FILE]
  raw_server.py --port 0 --record-dir DIR      (scenario from the request path: /S or /S?...)

Besides the malformed-traffic scenarios there is status-403-split: a 403 refusal whose body
arrives 0.2 s after its headers.

Prints "READY <port>" once it listens. For every connection it reads the upgrade request, answers
(correctly or deliberately wrong, per scenario), sends the scenario's bytes, then reads what the
client sends back until the client closes TCP (at most --limit seconds). Every client frame is
unmasked and appended to FILE, one line each:

  close <code>|close none|close <code> <reason>   the client's close frame
  pong <payload>  /  ping <payload>               control frames
  text <payload>  /  binary <hex>                 data frames
  bad-frame <why>                                 a frame a client must not send (e.g. unmasked)
and then "eof" (client closed TCP), "reset" or "timeout". A scenario may add "note ..." lines.
"""

import argparse
import base64
import hashlib
import os
import socket
import struct
import sys
import threading
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

SCENARIOS = """
handshake-bad-accept handshake-no-upgrade handshake-no-connection handshake-unoffered-protocol
handshake-extension handshake-garbage handshake-frames-in-same-packet rsv1 opcode3 opcodeB
ping-fragmented ping-126 masked-frame cont-without-start text-inside-fragment len64-msb bad-utf8
bad-utf8-midfragment close-1byte close-code-1005 close-code-999 close-bad-utf8-reason too-big
eof-no-close reset silent ping-between-fragments close-4000 status-403-split
handshake-long-garbage
""".split()


def frame(opcode, payload=b"", fin=True, rsv=0, mask=None, length=None):
    """One frame; length overrides the announced payload length (payload is sent as given)."""
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    mbit = 0x80 if mask is not None else 0
    if n < 126:
        hdr = struct.pack("!BB", b0, mbit | n)
    elif n < 65536:
        hdr = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        hdr = struct.pack("!BBQ", b0, mbit | 127, n)
    if mask is not None:
        hdr += mask
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
    return hdr + payload


def close_frame(code, reason=b""):
    return frame(0x8, struct.pack("!H", code) + reason)


class Conn:
    def __init__(self, sock, record, limit):
        self.sock = sock
        self.record_path = record
        self.deadline = time.monotonic() + limit
        self.buf = b""
        self.eof = False
        self.sent_close = False
        self.got_close = False

    def record(self, line):
        if self.record_path:
            with open(self.record_path, "a", encoding="utf-8", errors="backslashreplace") as f:
                f.write(line + "\n")

    def fill(self, until):
        """Read more bytes; False on EOF, reset or when the deadline `until` passes."""
        left = min(until, self.deadline) - time.monotonic()
        if left <= 0 or self.eof:
            return False
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except ConnectionError:
            self.eof = "reset"
            return False
        if not data:
            self.eof = "eof"
            return False
        self.buf += data
        return True

    def read_request(self):
        while b"\r\n\r\n" not in self.buf:
            if not self.fill(self.deadline):
                return None
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        parts = lines[0].split(" ")
        return {"path": parts[1] if len(parts) > 1 else "", "headers": hdrs}

    def read_frame(self, until):
        """Parse one client frame; None when none arrived in time."""
        while True:
            b = self.buf
            if len(b) >= 2:
                fin, op, masked, n = b[0] >> 7, b[0] & 0xF, b[1] >> 7, b[1] & 0x7F
                pos = 2
                if n == 126 and len(b) >= 4:
                    n, pos = struct.unpack("!H", b[2:4])[0], 4
                elif n == 127 and len(b) >= 10:
                    n, pos = struct.unpack("!Q", b[2:10])[0], 10
                if b[1] & 0x7F < 126 or pos > 2:
                    mlen = 4 if masked else 0
                    if len(b) >= pos + mlen + n:
                        key = b[pos : pos + mlen]
                        data = b[pos + mlen : pos + mlen + n]
                        if masked:
                            data = bytes(c ^ key[i % 4] for i, c in enumerate(data))
                        self.buf = b[pos + mlen + n :]
                        return fin, op, masked, data
            if not self.fill(until):
                return None

    def handle_frame(self, fr):
        fin, op, masked, data = fr
        if not masked:
            self.record("bad-frame unmasked opcode %d" % op)
        if op == 0x8:
            self.got_close = True
            if len(data) >= 2:
                code = struct.unpack("!H", data[:2])[0]
                reason = data[2:].decode("utf-8", "backslashreplace")
                self.record(("close %d %s" % (code, reason)).rstrip())
            else:
                self.record("close none" if not data else "close bad-length %d" % len(data))
            if not self.sent_close:
                self.send(frame(0x8, data[:2]))
                self.sent_close = True
        elif op == 0x9:
            self.record("ping " + data.decode("utf-8", "backslashreplace"))
            self.send(frame(0xA, data))
        elif op == 0xA:
            self.record("pong " + data.decode("utf-8", "backslashreplace"))
        elif op in (0x1, 0x0):
            self.record("text " + data.decode("utf-8", "backslashreplace"))
        elif op == 0x2:
            self.record("binary " + data.hex())
        else:
            self.record("bad-frame opcode %d" % op)

    def drain(self):
        """Record the client's frames until it closes TCP (or the time limit)."""
        while True:
            fr = self.read_frame(self.deadline)
            if fr is None:
                break
            self.handle_frame(fr)
            if self.got_close:
                # The closing handshake is done: the server closes TCP first (RFC 6455
                # §7.1.1); keep reading to record anything the client still sends.
                try:
                    self.sock.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                while self.fill(time.monotonic() + 2):
                    pass
                break
        self.record(self.eof or "timeout")

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            pass


def accept_value(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def response(req, accept=True, upgrade=True, connection=True, extra=""):
    key = req["headers"].get("sec-websocket-key", "")
    r = "HTTP/1.1 101 Switching Protocols\r\n"
    if upgrade:
        r += "Upgrade: websocket\r\n"
    if connection:
        r += "Connection: Upgrade\r\n"
    r += "Sec-WebSocket-Accept: %s\r\n" % (accept_value(key) if accept else "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    r += extra
    return (r + "\r\n").encode()


def run(c, scenario, record_dir):
    req = None
    if scenario is None:
        req = c.read_request()
        if req is None:
            return
        scenario = req["path"].lstrip("/").split("?")[0]
        if scenario not in SCENARIOS:
            c.send(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        c.record_path = os.path.join(record_dir, scenario)
    if scenario == "silent":
        # Never answer; just wait for the client to give up.
        while c.fill(c.deadline):
            pass
        c.record(c.eof or "timeout")
        return
    if req is None:
        req = c.read_request()
    if req is None:
        c.record("no-request")
        return
    c.record("note path " + req["path"])
    ok = response(req)
    s = scenario
    if s == "handshake-bad-accept":
        c.send(response(req, accept=False))
    elif s == "handshake-no-upgrade":
        c.send(response(req, upgrade=False))
    elif s == "handshake-no-connection":
        c.send(response(req, connection=False))
    elif s == "handshake-unoffered-protocol":
        c.send(response(req, extra="Sec-WebSocket-Protocol: chat\r\n"))
    elif s == "handshake-extension":
        c.send(response(req, extra="Sec-WebSocket-Extensions: permessage-deflate\r\n"))
    elif s == "handshake-garbage":
        c.send(b"SSH-2.0-OpenSSH_9.2p1 not http at all\r\n\x00\x01\x02\xff\r\n\r\n")
    elif s == "handshake-long-garbage":
        # 4096 bytes, no line end: the client must not read past what arrived (ASan watches).
        c.send(b"X" * 4096)
        time.sleep(0.3)
    elif s == "handshake-frames-in-same-packet":
        c.send(ok + frame(0x1, b"hello-same-packet"))
    elif s == "rsv1":
        c.send(ok + frame(0x1, b"rsv1-message", rsv=4))
    elif s == "opcode3":
        c.send(ok + frame(0x3, b"op3"))
    elif s == "opcodeB":
        c.send(ok + frame(0xB, b"opB"))
    elif s == "ping-fragmented":
        c.send(ok + frame(0x9, b"pi", fin=False) + frame(0x0, b"ng"))
    elif s == "ping-126":
        c.send(ok + frame(0x9, b"p" * 126))
    elif s == "masked-frame":
        c.send(ok + frame(0x1, b"masked-message", mask=b"\x11\x22\x33\x44"))
    elif s == "cont-without-start":
        c.send(ok + frame(0x0, b"orphan-continuation"))
    elif s == "text-inside-fragment":
        c.send(ok + frame(0x1, b"first-", fin=False) + frame(0x1, b"second"))
    elif s == "len64-msb":
        c.send(ok + struct.pack("!BBQ", 0x81, 127, (1 << 63) | 5) + b"hello")
    elif s == "bad-utf8":
        c.send(ok + frame(0x1, b"bad\xff\xfeutf8"))
    elif s == "bad-utf8-midfragment":
        c.send(ok + frame(0x1, b"start\xffmore", fin=False))
    elif s == "close-1byte":
        c.send(ok + frame(0x8, b"\x03"))
        c.sent_close = True
    elif s == "close-code-1005":
        c.send(ok + close_frame(1005))
        c.sent_close = True
    elif s == "close-code-999":
        c.send(ok + close_frame(999))
        c.sent_close = True
    elif s == "close-bad-utf8-reason":
        c.send(ok + close_frame(1000, b"bad\xff\xfe"))
        c.sent_close = True
    elif s == "too-big":
        # Announce 2000 bytes (the test runs the client with --max-message-size 1000) and send
        # only the first 10: the client must fail on the header, not wait for the payload.
        c.send(ok + frame(0x1, b"0123456789", length=2000))
    elif s == "eof-no-close":
        c.send(ok + frame(0x1, b"last words"))
        time.sleep(0.1)
        c.sock.shutdown(socket.SHUT_WR)
    elif s == "reset":
        c.send(ok)
        time.sleep(0.3)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.sock.close()
        c.record("note sent reset")
        return
    elif s == "ping-between-fragments":
        c.send(ok + frame(0x1, b"frag1-", fin=False) + frame(0x9, b"pingdata"))
        limit = time.monotonic() + 3
        while True:
            fr = c.read_frame(limit)
            if fr is None:
                c.record("note no pong before the message completed")
                break
            c.handle_frame(fr)
            if fr[1] == 0xA:
                break
        c.send(frame(0x0, b"frag2") + close_frame(1000))
        c.sent_close = True
    elif s == "status-403-split":
        # A refusal whose body comes in a later packet than the status line and headers.
        body = b"body in a second packet\n"
        c.send(b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
               b"Connection: close\r\n\r\n" % len(body))
        time.sleep(0.2)
        c.send(body)
        c.sock.shutdown(socket.SHUT_WR)
    elif s == "close-4000":
        c.send(ok + close_frame(4000, b"custom"))
        c.sent_close = True
    else:
        c.record("note unknown scenario " + s)
        return
    c.drain()


def serve(sock, scenario, record, limit, record_dir):
    try:
        c = Conn(sock, record, limit)
        run(c, scenario, record_dir)
    finally:
        try:
            sock.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--scenario", choices=SCENARIOS)
    ap.add_argument("--record")
    ap.add_argument("--record-dir", default=".")
    ap.add_argument("--limit", type=float, default=10.0, help="seconds per connection")
    a = ap.parse_args()

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((a.host, a.port))
    ls.listen(16)
    print("READY %d" % ls.getsockname()[1], flush=True)
    while True:
        s, _ = ls.accept()
        threading.Thread(target=serve, args=(s, a.scenario, a.record, a.limit, a.record_dir), daemon=True).start()



# --- hostile servers (issue 7, defects 12-14) -----------------------------------------------------
# Servers that try to exhaust or abuse the client. Each function gets the connection, the parsed
# upgrade request and the correct 101 reply; the tests measure wsc's memory and output. These
# scenarios work with --scenario only (not from a --record-dir request path).


def _stream(c, chunk, total, secs):
    """Send chunk repeatedly, total bytes at most, for secs at most; stop when the client goes."""
    c.sock.settimeout(secs)
    sent, end = 0, time.monotonic() + secs
    try:
        while sent < total and time.monotonic() < end:
            c.sock.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass
    c.record("note streamed %d bytes" % sent)


def hostile_refusal_huge_body(c, req, ok):
    """A 403 with no Content-Length whose body never ends (up to 512 MiB in 8 s)."""
    c.send(b"HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n\r\n")
    _stream(c, b"A" * 65536, 512 << 20, 8)


def hostile_refusal_escapes(c, req, ok):
    """A 403 carrying terminal controls: C1 CSI (U+009B, bytes C2 9B: obs-text to HTTP) in the
    reason phrase and a header value, ESC, BEL and CSI in the body."""
    body = b"denied \x1b[2J\x07\xc2\x9bH end"
    c.send(b"HTTP/1.1 403 Forbidden \xc2\x9b31mred\r\n"
           b"X-Evil: \xc2\x9b1m bold\r\n"
           b"Content-Length: %d\r\n\r\n" % len(body) + body)
    c.sock.shutdown(socket.SHUT_WR)
    c.drain()


def hostile_upgrade_escapes(c, req, ok):
    """A valid 101 with terminal controls in a header value (for -v's header log), then a close."""
    c.send(ok[:-2] + b"X-Evil: \xc2\x9b1m bold\r\n\r\n" + close_frame(1000))
    c.sent_close = True
    c.drain()


def hostile_ping_flood(c, req, ok):
    """Upgrade, then pings (125-byte payloads) up to 256 MiB in 8 s, never reading a byte."""
    c.send(ok)
    end = time.monotonic() + 10
    _stream(c, frame(0x9, b"p" * 125) * 512, 256 << 20, 8)
    time.sleep(max(0, end - time.monotonic()))  # still not reading: wsc must end it


HOSTILE = {
    "refusal-huge-body": hostile_refusal_huge_body,
    "refusal-escapes": hostile_refusal_escapes,
    "upgrade-escapes": hostile_upgrade_escapes,
    "ping-flood": hostile_ping_flood,
}
SCENARIOS += list(HOSTILE)
_run_scripted = run


def run(c, scenario, record_dir):  # noqa: F811 - the hostile scenarios first, then the others
    if scenario not in HOSTILE:
        return _run_scripted(c, scenario, record_dir)
    req = c.read_request()
    if req is None:
        c.record("no-request")
        return
    HOSTILE[scenario](c, req, response(req))

if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
    os._exit(0)
