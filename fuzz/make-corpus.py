#!/usr/bin/env python3
"""Write the seed corpus of each fuzz target into fuzz/corpus/NAME/ (small files, by hand).

Run from anywhere: python3 fuzz/make-corpus.py. It only adds or overwrites the seeds it knows
(named seed-*); inputs kept for regressions (regress-*) are left alone. The layout of each
target's input (config bytes first) is described at the top of fuzz/fuzz_NAME.c.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def frame(op, payload=b"", fin=True, rsv=0, mask=None, length=None):
    """One RFC 6455 frame; mask=None for a server frame (unmasked)."""
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | rsv << 4 | op
    mbit = 0x80 if mask else 0
    if n < 126:
        head = bytes([b0, mbit | n])
    elif n < 65536:
        head = bytes([b0, mbit | 126]) + struct.pack(">H", n)
    else:
        head = bytes([b0, mbit | 127]) + struct.pack(">Q", n)
    if mask:
        head += mask
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
    return head + payload


def close(code, reason=b""):
    return frame(8, struct.pack(">H", code) + reason)


def write(name, seeds):
    d = os.path.join(HERE, "corpus", name)
    os.makedirs(d, exist_ok=True)
    for i, data in enumerate(seeds):
        with open(os.path.join(d, "seed-%02d" % i), "wb") as f:
            f.write(data)


# Frame streams a server might send (unmasked), good and bad.
STREAMS = [
    frame(1, b"hello"),
    frame(2, bytes(range(200))),
    frame(1, b"x" * 300),
    frame(1, b"frag", fin=False) + frame(9, b"p") + frame(0, b"ment", fin=False) + frame(0, b"!"),
    frame(9, b"ping") + frame(10, b"pong") + frame(1, b""),
    close(1000, b"bye"),
    close(1001) + frame(1, b"after close"),
    frame(8, b""),
    frame(8, b"\x03"),
    close(999),
    close(1000, b"\xff"),
    frame(1, b"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
    frame(1, b"bad \xc3\x28"),
    frame(1, b"cut \xe2\x82"),
    frame(1, b"ok", rsv=4),
    frame(3, b""),
    frame(9, b"", fin=False),
    frame(9, b"y" * 126),
    frame(1, b"m", mask=b"\x01\x02\x03\x04"),
    frame(0, b"orphan"),
    frame(1, b"a", fin=False) + frame(1, b"b"),
    bytes([0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0]),
    bytes([0x82, 126, 0, 5]) + b"abcde",
    frame(2, b"", length=70000)[:14] + b"partial",
    frame(1, b"\xe2\x82", fin=False) + frame(9, b"mid") + frame(0, b"\xac"),
]

write("frame", [bytes([cfg]) + struct.pack(">H", cut) + s
                for cfg, cut, s in [(0, 3, STREAMS[0]), (0x10, 1, STREAMS[3]), (0, 7, STREAMS[4]),
                                    (0x08, 2, STREAMS[14]), (0, 0, STREAMS[15]), (0, 5, STREAMS[21]),
                                    (0x10, 9, STREAMS[22]), (0, 4, STREAMS[23]),
                                    (1, 6, frame(1, b"masked", mask=b"\xaa\xbb\xcc\xdd")),
                                    (1, 3, frame(10, b"", mask=b"\x00\x00\x00\x01")),
                                    (0, 2, STREAMS[1] + STREAMS[2]), (0, 1, STREAMS[24]),
                                    (0, 0, STREAMS[16] + STREAMS[17]), (0, 0, STREAMS[19])]])

write("session", [bytes([cfg]) + struct.pack(">H", cut) + s
                  for i, s in enumerate(STREAMS)
                  for cfg, cut in [((i % 3) | (i % 4) << 2 | 0x30, 3 + i)]])

HS_OK = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n")
write("http", [bytes([cfg]) + struct.pack(">H", cut) + s for cfg, cut, s in [
    (0, 20, HS_OK + b"\r\n"),
    (0, 40, HS_OK + b"Sec-WebSocket-Protocol: chat\r\n\r\n\x81\x02hi"),
    (1, 40, HS_OK + b"Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"),
    (0, 40, HS_OK + b"Sec-WebSocket-Extensions: x-unknown\r\n\r\n"),
    (0, 10, HS_OK.replace(b"\r\n", b"\n") + b"\n"),
    (0, 12, b"HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nnope!"),
    (0, 12, b"HTTP/1.0 200 OK\r\n\r\n"),
    (0, 5, b"HTTP/1.1 101\r\nUpgrade:  websocket \r\nConnection: keep-alive, upgrade\r\n\r\n"),
    (0, 5, b"HTTP/1.1 101 OK\r\nbad header line\r\n\r\n"),
    (0, 5, b"HTTP/1.1 101 OK\r\n: empty name\r\n\r\n"),
    (0, 3, b"SSH-2.0-OpenSSH\r\n"),
    (0, 30, b"GET /chat?x=1 HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"),
    (0, 8, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
    (0, 9, b"HTTP/1.1 101 OK\r\nX: a\rb\r\n\r\n"),
    (0, 9, b"HTTP/1.1 1010 OK\r\n\r\n"),
    (0, 9, HS_OK + b"Sec-WebSocket-Protocol: chat, superchat\r\n\r\n"),
    (0, 9, b"HTTP/1.1 101 \xc2\x9b\x1b[31m\r\n\r\n"),
]])

write("url", [bytes([m]) + s for m, s in [
    (0, b"ws://example.com/"), (0, b"wss://example.com:8443/chat?room=1"),
    (0, b"ws://user:p%40ss@[::1]:9001/x"), (0, b"WS://127.0.0.1:0"), (0, b"ws://h:65536/"),
    (0, b"ws://[fe80::1%25eth0]/"), (0, b"ws://a b/"), (0, b"ws://h/#frag"), (0, b"ws://@h?q"),
    (0, b"http://example.com/"), (0, b"ws://1.2.3.4.5/"), (0, b"ws://u:%zz@h/"),
    (1, b"example.com\x008080\x00/chat\x00wss"), (1, b"[::1]\x000\x00p\x00WS"),
    (1, b"::1"), (1, b"ws://x\x00\x00/"), (1, b"h\x0099999"), (1, b"h\x00\x00a#b"),
]])

write("url_resolve", [b + b"\x00" + r for b, r in [
    (b"ws://a/b/c/d;p?q", b"g"), (b"ws://a/b/c/d;p?q", b"../../../g"), (b"ws://a/b/c/d;p?q", b"?y"),
    (b"wss://u:pw@h:8443/x/y", b"//other:1/z/./w"), (b"ws://[::1]:9/a", b"http://h/x?t=1#f"),
    (b"ws://h/", b"ftp://x/"), (b"ws://h/a", b"g;x=1/../y"), (b"ws://h/a", b""), (b"ws://h/a", b"/a b"),
]])

write("cli", [bytes([cfg]) + s for cfg, s in [
    (0, b"ws://localhost/"), (1, b"ws://localhost/"), (2, b"-v\x00ws://h/"),
    (3, b"--count\x003\x00ws://h/"), (4, b"-x\x00hi\x00ws://h/"), (5, b"h/"), (0x15, b"-q\x00h:99999"),
    (0x25, b"x\x00h/"), (6, b"--timeout\x00"), (7, b"ws://h/"), (8, b"ws://h/"),
    (0, b"--host\x00h\x00--port\x0080\x00--path\x00/p\x00--protocol\x00wss"),
    (0, b"--bogus=1\x00ws://h/"), (0, b"-H\x00X-A: b\x00-s\x00chat\x00ws://h/"),
    (0, b"--reconnect-delay\x005:1\x00ws://h/"), (0, b"--queue-size\x0010K\x00ws://h/"),
    (0, b"--help"), (0, b"-V"), (0x35, b"--connect-timeout"),
]])

write("cmd", [s for s in [
    b"hello", b"//slash", b"/connect tok", b"/connect a b", b"/disconnect", b"/close",
    b"/close 1000 bye now", b"/close 1005", b"/close 4999 " + b"r" * 124, b"/ping", b"/ping  x  ",
    b"/pong " + b"p" * 126, b"/binary 01ff 20", b"/binary 0:1:f", b"/binary 0", b"/binary @f.bin",
    b"/binary @", b"/send @file", b"/send text", b"/status", b"/help", b"/quit", b"/exit",
    b"/nope", b"", b"/",
]])

write("input", [bytes([cfg, len(ctl)]) + ctl + s for cfg, ctl, s in [
    (0, b"", b"one\ntwo\r\nthree"), (0, b"\x01\x41\x82\xc3", b"a\n\nb\r\n\r\nc\n"),
    (1, b"\x02", b"x\x00y\x00\x00z"), (0, b"\x3f", b"no terminator\r"),
    (0, b"\xc0\x00\x80\x40", b"r1\nr2\nr3\nr4\nr5\n"), (1, b"\x05\xff", b"bin\x00\n\x00"),
    (0, b"", b""), (0, b"\x00", b"\n"),
]])

write("utf8", [struct.pack(">H", cut) + s for cut, s in [
    (0, b"plain ascii text that is long enough for the word path"),
    (5, "caf\u00e9 \u20ac \U0001F600".encode()), (1, b"\xc3\xa9"), (2, b"\xe2\x82\xac"),
    (3, b"\xf0\x9f\x98\x80"), (1, b"\xc0\xaf"), (1, b"\xe0\x80\xaf"), (1, b"\xed\xa0\x80"),
    (2, b"\xf4\x90\x80\x80"), (1, b"\xf5"), (0, b"\x80"), (3, b"abc\xe2\x82"),
    (7, b"\xef\xbb\xbf\xf4\x8f\xbf\xbf\xee\x80\x80"), (9, b"0123456789\xc2\x80abcdefgh"),
]])

write("jqfilter", [bytes([prog]) + s for prog, s in [
    (0, b'{"n":123,"s":"abcdefgh"}'), (1, b'{"n":124,"s":"abcdefgh"}'), (2, b'[1,"a",null,{}]'),
    (3, b'{"a":{"b":[true,false]}}'), (4, b'{"a":[1,{"b":2.5e10}],"c":"\\u00e9\\ud83d\\ude00"}'),
    (5, b'"caf\xc3\xa9"'), (6, b'[-0,1e1000,0.1]'), (7, b'{"x":{"y":[[[]]]}}'), (8, b'{"b":1,"a":2}'),
    (9, b'{"k":"v"}'), (10, b'["axb","ba",3]'), (11, b'[1,2.5,-3e-2]'), (12, b'{"a":1} x'),
    (0, b'1 2'), (0, b'\xef\xbb\xbf{}'), (0, b'[' * 300 + b']' * 300), (0, b'"\\ud800"'),
    (0, b'nan'), (0, b'"\xff\xfe"'), (0, b''), (13, b'[[1,2],{"a":[3]}]'), (14, b'{"e":1}'),
    (15, b'5'), (15, b'"s"'), (15, b'[5]'),
]])
