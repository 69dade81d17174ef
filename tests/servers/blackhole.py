#!/usr/bin/python3
"""A TCP port on loopback that never answers a connect: for wsc's Happy Eyeballs tests.

Listens on --host (default ::1) and --port with a backlog of 1, then fills the accept queue
with connections it never accepts. Linux then drops further SYNs, so a connect() to it hangs
until the client gives up, as it would to a black-holed route. Prints "READY <port>" once a
probe connect is seen to hang, or "NOT-BLACKHOLED" and exits 1 when the kernel answers anyway.
"""

import argparse
import select
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="::1")
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()

    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    lsn = socket.socket(fam, socket.SOCK_STREAM)
    if fam == socket.AF_INET6:
        lsn.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    lsn.bind((a.host, a.port))
    lsn.listen(1)
    port = lsn.getsockname()[1]
    held = []
    for _ in range(4):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect((a.host, port))
        except BlockingIOError:
            pass
        held.append(s)
    time.sleep(0.2)
    probe = socket.socket(fam, socket.SOCK_STREAM)
    probe.setblocking(False)
    try:
        probe.connect((a.host, port))
    except BlockingIOError:
        pass
    _, w, _ = select.select([], [probe], [], 0.5)
    if w:
        print("NOT-BLACKHOLED", flush=True)
        sys.exit(1)
    held.append(probe)
    print("READY %d" % port, flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
