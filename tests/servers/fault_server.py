#!/usr/bin/python3
"""WebSocket server that misbehaves on purpose, for wsc's fault tests (tests/it_faults.sh).

Raw sockets, no websockets library: the RFC 6455 handshake and frames are written by hand so
that every step (reading, closing, dying) happens exactly when the test wants it.

  fault_server.py --port P [options]

Prints "READY <port>" once it listens (--port 0 picks a free port; a fixed port can be reused
at once after the previous server on it died, SO_REUSEADDR). Options:

  --tag T             name of this server instance, used in the messages it sends
  --log FILE          append one line per event: "<unix time> <event> [details]", events are
                      attempt <path> (a request arrived), refused <code>, open <n>, ping,
                      client-close <code>|none, sent-close <code>, eof, reset
  --record FILE       append the payload of every text message received (one a line), written
                      before the next frame is read, so a SIGKILL loses nothing recorded
  --greet             send "hello <tag> <n>" when connection n opens
  --stream MS         send "<tag>-<i>" every MS milliseconds (0 = as fast as the socket takes it)
  --stream-count N    stop streaming after N messages (default: no limit)
  --refuse CODE[:RA]  answer the upgrade with HTTP CODE (and "Retry-After: RA")
  --refuse-count N    only the first N requests are refused (default: all)
  --close-after LIST  comma-separated K per connection: connection i (from 1) sends close
                      --close-code after receiving K_i messages (0 = as soon as it opens), then
                      keeps reading and recording until the client's close frame arrives;
                      connections past the list never close first
  --close-code C      default 1012 (service restart)
  --kill-after K      SIGKILL this process right after recording the K-th message; just before,
                      read what the kernel holds for the connection, reset it (see die()) and
                      log the messages that were received but will never be recorded: "kill
                      after K held A-B" (first word of the first and the last such text
                      message) or "... held none"
  --stall SECS        with --kill-after: stop reading for SECS before dying (buffers fill up)
  --rcvbuf BYTES      SO_RCVBUF of the connections (small: the client's writes block sooner)
  --close-on-ping C   answer a ping with close C instead of a pong
  --no-pong           never answer pings (they are still logged)
  --read-rate B:MS    once open, read at most B bytes, then sleep MS milliseconds, and so on (a
                      slow reader; with a small --rcvbuf the client's writes block)
  --big-message N:S   once open, send one text message of N bytes, its payload in chunks every
                      100 ms spread over about S seconds; logs "sent-big N <sha256 of payload>"
                      when the last byte went out (the payload is big_payload(N)), "big-start"
                      before the first
  --big-on-ping       start --big-message when the first ping arrives, not on open (so that a
                      ping is outstanding all the while the message arrives)
  --record-conn       prefix each --record line with the connection number and a space
  --tls-cert FILE     serve wss: TLS with this certificate chain (PEM) ...
  --tls-key FILE      ... and its key; a failed TLS handshake is logged "tls-failed <why>"

Every TCP connection accepted is logged "accept" (before any TLS or HTTP), so that attempts that
fail early can be counted too.

SIGTERM is a graceful restart: stop listening, send close 1001 on every open connection, keep
recording until the clients' close frames arrive (at most 3 s), then exit.
"""

import argparse
import base64
import hashlib
import os
import signal
import socket
import ssl
import struct
import sys
import threading
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 408: "Request Timeout",
           429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}

A = None
TLS = None  # ssl.SSLContext with --tls-cert
BIG = None  # --big-message: (payload, seconds)
LOCK = threading.Lock()
STATE = {"requests": 0, "conns": 0, "recorded": 0}
OPEN = set()
STOPPING = threading.Event()


def log(event):
    if A.log:
        line = "%.6f %s\n" % (time.time(), event)
        fd = os.open(A.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.write(fd, line.encode("utf-8", "backslashreplace"))
        os.close(fd)


def frame_header(opcode, n):
    if n < 126:
        return struct.pack("!BB", 0x80 | opcode, n)
    if n < 65536:
        return struct.pack("!BBH", 0x80 | opcode, 126, n)
    return struct.pack("!BBQ", 0x80 | opcode, 127, n)


def frame(opcode, payload=b""):
    return frame_header(opcode, len(payload)) + payload


class Conn:
    def __init__(self, sock, num):
        self.sock = sock
        self.num = num
        self.buf = b""
        self.wlock = threading.Lock()
        self.sent_close = False
        self.got_close = False
        self.received = 0
        self.done = threading.Event()
        self.big_started = False
        self.slow = False  # --read-rate applies (after the handshake)
        self.allow = 0  # --read-rate: bytes left to read in this period ...
        self.period_end = 0.0  # ... which ends then (time.monotonic())

    def send(self, data, closing=False):
        """Send bytes; data frames are dropped once our close went out (RFC 6455 §5.5.1)."""
        with self.wlock:
            if self.sent_close:
                return False
            if closing:
                self.sent_close = True
            try:
                self.sock.sendall(data)
                return True
            except OSError:
                return False

    def close(self, code):
        if self.send(frame(0x8, struct.pack("!H", code)), closing=True):
            log("sent-close %d conn %d" % (code, self.num))

    def fill(self):
        try:
            if self.slow:
                # At most read_bytes per read_ms period, however many recv calls that takes
                # (a small SO_RCVBUF holds less than read_bytes).
                if self.allow <= 0:
                    time.sleep(max(0.0, self.period_end - time.monotonic()))
                    self.period_end = max(self.period_end, time.monotonic()) + A.read_ms / 1000.0
                    self.allow = A.read_bytes
                data = self.sock.recv(min(self.allow, 65536))
                self.allow -= len(data)
            else:
                data = self.sock.recv(65536)
        except ConnectionResetError:
            log("reset")
            return False
        except OSError:
            return False
        if not data:
            log("eof")
            return False
        self.buf += data
        return True

    def read_request(self):
        while b"\r\n\r\n" not in self.buf:
            if len(self.buf) > 65536 or not self.fill():
                return None
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        hdrs = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        parts = lines[0].split(" ")
        return parts[1] if len(parts) > 1 else "", hdrs

    def read_frame(self):
        while True:
            b = self.buf
            if len(b) >= 2:
                op, n, pos = b[0] & 0xF, b[1] & 0x7F, 2
                masked = b[1] & 0x80
                if n == 126 and len(b) >= 4:
                    n, pos = struct.unpack("!H", b[2:4])[0], 4
                elif n == 127 and len(b) >= 10:
                    n, pos = struct.unpack("!Q", b[2:10])[0], 10
                if (b[1] & 0x7F) < 126 or pos > 2:
                    mlen = 4 if masked else 0
                    if len(b) >= pos + mlen + n:
                        key = b[pos:pos + mlen]
                        data = b[pos + mlen:pos + mlen + n]
                        if masked and n:
                            mask = (key * (n // 4 + 1))[:n]
                            data = (int.from_bytes(data, "big") ^
                                    int.from_bytes(mask, "big")).to_bytes(n, "big")
                        self.buf = b[pos + mlen + n:]
                        return op, data
            if not self.fill():
                return None


def record(c, payload):
    if A.record:
        fd = os.open(A.record, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.write(fd, (b"%d " % c.num if A.record_conn else b"") + payload + b"\n")
        os.close(fd)
    with LOCK:
        STATE["recorded"] += 1
        n = STATE["recorded"]
    if A.kill_after and n >= A.kill_after:
        if A.stall:
            log("stall %g" % A.stall)
            time.sleep(A.stall)
        die(c, n)


def drain(c):
    """Take what the kernel holds for the connection, without waiting; returns the byte count."""
    got = 0
    c.sock.setblocking(False)
    try:
        while True:
            data = c.sock.recv(65536)
            if not data:
                break
            c.buf += data
            got += len(data)
    except OSError:
        pass
    return got


def client_send_queue(c):
    """Bytes the client handed to its kernel that have not reached us (its socket's tx_queue in
    /proc/net/tcp; loopback, IPv4)."""
    cip, cport = c.sock.getpeername()[:2]
    sip, sport = c.sock.getsockname()[:2]

    def hexaddr(ip, port):
        return "%08X:%04X" % (struct.unpack("<I", socket.inet_aton(ip))[0], port)

    want = (hexaddr(cip, cport), hexaddr(sip, sport))
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fld = line.split()
            if (fld[1], fld[2]) == want:
                return int(fld[4].split(":")[0], 16)
    return 0


def held_frames(buf):
    """Text frames complete in buf: (first words, bytes left over, size of the last frame)."""
    c = Conn(None, 0)
    c.buf = buf
    c.fill = lambda: False
    held, size = [], 0
    while True:
        before = len(c.buf)
        fr = c.read_frame()
        if fr is None:
            break
        size = before - len(c.buf)
        if fr[0] == 0x1:
            held.append(fr[1].split(b" ", 1)[0].decode("utf-8", "backslashreplace"))
    return held, c.buf, size


def die(c, n):
    """SIGKILL ourselves, logging the messages we hold (user space and kernel) but never record.

    The kernel would reset the connection when the process is gone (unread data), but only some
    milliseconds later, after more data may have arrived unseen. So the socket is reset right
    after the last look at what arrived (SO_LINGER 0 close: one system call later), then the
    process is killed; what the client sees is the same, a reset.

    After --stall the client's writes are blocked (our window is closed, its send buffer full),
    so nothing moves: what we hold is peeked at (reading would open the window), and the client's
    own send queue is logged but not held: it never reached us."""
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    if A.stall:
        try:
            c.buf += c.sock.recv(1 << 26, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except OSError:
            pass
        txq = client_send_queue(c)
        c.sock.close()
        # Only whole frames that reached this side are held: what is still in the client's send
        # queue never left its machine, and wsc sends it again (it asks its kernel how much).
        held = held_frames(c.buf)[0]
        log("kill in-kernel %d bytes here, %d in the client's send queue" % (len(c.buf), txq))
    else:
        more = True
        while more:
            more = drain(c) > 0
        c.sock.close()
        held = held_frames(c.buf)[0]
    log("kill after %d held %s" % (n, "%s-%s" % (held[0], held[-1]) if held else "none"))
    os.kill(os.getpid(), signal.SIGKILL)


def streamer(c):
    i = 0
    while not c.done.is_set() and (A.stream_count < 0 or i < A.stream_count):
        i += 1
        if not c.send(frame(0x1, ("%s-%d" % (A.tag, i)).encode())):
            return
        if A.stream > 0:
            time.sleep(A.stream / 1000.0)


def big_payload(n):
    """N bytes of text, no newline: 8-byte units "<offset in hex, 7 digits>,", so that a byte
    lost or moved shows."""
    return "".join(map("{:07x},".format, range(0, n + 8, 8))).encode()[:n]


def send_big(c):
    """--big-message: one text frame, its payload dribbled out in 100 ms steps."""
    payload, secs = BIG
    n = len(payload)
    steps = max(1, int(secs * 10))
    step = -(-n // steps)
    log("big-start")
    if not c.send(frame_header(0x1, n)):
        return
    t0 = time.monotonic()
    for k, i in enumerate(range(0, n, step)):
        time.sleep(max(0.0, t0 + 0.1 * (k + 1) - time.monotonic()))
        if not c.send(payload[i:i + step]):
            log("big-aborted at %d" % i)
            return
    log("sent-big %d %s" % (n, hashlib.sha256(payload).hexdigest()))


def close_limit(num):
    if not A.close_after:
        return -1
    ks = [int(x) for x in A.close_after.split(",")]
    return ks[num - 1] if num <= len(ks) else -1


def serve(sock):
    c = None
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if TLS is not None:
            sock.settimeout(5)
            try:
                sock = TLS.wrap_socket(sock, server_side=True)
            except (ssl.SSLError, OSError) as e:
                log("tls-failed %s" % (getattr(e, "reason", None) or e))
                return
            sock.settimeout(None)
        c = Conn(sock, 0)
        req = c.read_request()
        if req is None:
            log("no-request")
            return
        path, hdrs = req
        with LOCK:
            STATE["requests"] += 1
            nreq = STATE["requests"]
        log("attempt %s" % path)
        if A.refuse and (A.refuse_count < 0 or nreq <= A.refuse_count):
            code, _, ra = A.refuse.partition(":")
            code = int(code)
            body = b"refused by the fault server\n"
            r = "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n" % (
                code, REASONS.get(code, "Error"), len(body))
            if ra:
                r += "Retry-After: %s\r\n" % ra
            r += "Connection: close\r\n\r\n"
            c.send(r.encode() + body)
            log("refused %d" % code)
            sock.shutdown(socket.SHUT_WR)
            while c.fill():
                pass
            return
        key = hdrs.get("sec-websocket-key", "")
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        with LOCK:
            STATE["conns"] += 1
            c.num = STATE["conns"]
            OPEN.add(c)
        if not c.send(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                       "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % accept).encode()):
            return
        log("open %d" % c.num)
        if STOPPING.is_set():
            c.close(1001)
        if A.greet:
            c.send(frame(0x1, ("hello %s %d" % (A.tag, c.num)).encode()))
        if A.stream >= 0:
            threading.Thread(target=streamer, args=(c,), daemon=True).start()
        if A.big_message and not A.big_on_ping:
            threading.Thread(target=send_big, args=(c,), daemon=True).start()
        if A.read_bytes:
            c.slow, c.allow = True, A.read_bytes
            c.period_end = time.monotonic() + A.read_ms / 1000.0
        limit = close_limit(c.num)
        if limit == 0:
            c.close(A.close_code)
        while True:
            fr = c.read_frame()
            if fr is None:
                break
            op, data = fr
            if op == 0x8:
                c.got_close = True
                log("client-close %s conn %d" % (
                    struct.unpack("!H", data[:2])[0] if len(data) >= 2 else "none", c.num))
                c.close(struct.unpack("!H", data[:2])[0] if len(data) >= 2 else 1000)
                break
            if op == 0x9:
                log("ping")
                if A.big_message and A.big_on_ping and not c.big_started:
                    c.big_started = True
                    threading.Thread(target=send_big, args=(c,), daemon=True).start()
                if A.no_pong:
                    pass
                elif A.close_on_ping:
                    c.close(A.close_on_ping)
                else:
                    c.send(frame(0xA, data))
            elif op in (0x0, 0x1, 0x2):
                record(c, data)
                c.received += 1
                if limit > 0 and c.received == limit:
                    c.close(A.close_code)
        # The server closes TCP first once the closing handshake is done (RFC 6455 §7.1.1).
    except OSError:
        pass
    finally:
        if c is not None:
            c.done.set()
            with LOCK:
                OPEN.discard(c)
        try:
            sock.close()
        except OSError:
            pass


def main():
    global A
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tag", default="S")
    ap.add_argument("--log")
    ap.add_argument("--record")
    ap.add_argument("--greet", action="store_true")
    ap.add_argument("--stream", type=float, default=-1)
    ap.add_argument("--stream-count", type=int, default=-1)
    ap.add_argument("--refuse")
    ap.add_argument("--refuse-count", type=int, default=-1)
    ap.add_argument("--close-after")
    ap.add_argument("--close-code", type=int, default=1012)
    ap.add_argument("--kill-after", type=int, default=0)
    ap.add_argument("--stall", type=float, default=0)
    ap.add_argument("--rcvbuf", type=int, default=0)
    ap.add_argument("--close-on-ping", type=int, default=0)
    ap.add_argument("--no-pong", action="store_true")
    ap.add_argument("--read-rate")
    ap.add_argument("--big-message")
    ap.add_argument("--big-on-ping", action="store_true")
    ap.add_argument("--record-conn", action="store_true")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    A = ap.parse_args()
    A.read_bytes, A.read_ms = 0, 0.0
    if A.read_rate:
        b, _, ms = A.read_rate.partition(":")
        A.read_bytes, A.read_ms = int(b), float(ms or 100)
    global TLS, BIG
    if A.big_message:  # made before READY: building it takes a while
        n, _, secs = A.big_message.partition(":")
        BIG = (big_payload(int(n)), float(secs or 3))
    if A.tls_cert:
        TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        TLS.load_cert_chain(A.tls_cert, A.tls_key)

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if A.rcvbuf:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, A.rcvbuf)  # accepted sockets inherit it
    ls.bind((A.host, A.port))
    ls.listen(64)

    def on_term(signum, frm):
        STOPPING.set()
        try:
            ls.close()
        except OSError:
            pass
        with LOCK:
            conns = list(OPEN)
        for c in conns:
            c.close(1001)

    signal.signal(signal.SIGTERM, on_term)
    print("READY %d" % ls.getsockname()[1], flush=True)
    threads = []
    while not STOPPING.is_set():
        try:
            s, _ = ls.accept()
        except OSError:
            break
        log("accept")
        t = threading.Thread(target=serve, args=(s,), daemon=True)
        t.start()
        threads.append(t)
    end = time.monotonic() + 3
    for t in threads:
        t.join(max(0.0, end - time.monotonic()))
    log("exit")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        os._exit(0)
