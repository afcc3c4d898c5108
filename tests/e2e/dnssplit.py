#!/usr/bin/env python3
"""A DNS-over-TCP front for the e2e tests (tests/e2e/dns-tcp-split): listens
on TCP port 53 of each ADDR given as ADDR=MODE, asks dnsmasq (UPSTREAM,
over UDP) each length-prefixed query it reads and writes the answer back
cut across segments (TCP_NODELAY, a pause between the pieces):
  prefix  the 2-byte length prefix, then the message
  bytes   one byte at a time
  whole   prefix and message in one send (a control)
  pair    reads two queries, then writes both answers in one send
Usage: dnssplit.py UPSTREAM ADDR=MODE... ; prints "ready" once listening.
As an application: dnssplit.py ask SERVER NAME [cut]: asks A and AAAA of
NAME over one TCP connection, both queries in one write (cut: the first
query's length prefix in a write of its own), and prints the address of
every A record of the answers, one a line ("timeout" if none came).
dnssplit.py hold SERVER N: opens N TCP connections to SERVER port 53,
sends nothing, and after a second prints how many the server closed.
dnssplit.py raw SERVER HEX SECONDS: sends the bytes HEX and prints
"closed" if the server closes the connection within SECONDS, else "open"."""
import socket
import sys
import threading
import time

PAUSE = 0.15


def ask(upstream, msg):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(3)
    try:
        u.sendto(msg, (upstream, 53))
        return u.recv(65535)
    finally:
        u.close()


def read_exact(c, n):
    b = b""
    while len(b) < n:
        r = c.recv(n - len(b))
        if not r:
            return None
        b += r
    return b


def serve(c, upstream, mode):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    c.settimeout(30)
    try:
        while True:
            h = read_exact(c, 2)
            if h is None:
                return
            q = read_exact(c, int.from_bytes(h, "big"))
            if q is None:
                return
            a = ask(upstream, q)
            framed = len(a).to_bytes(2, "big") + a
            if mode == "pair":
                h2 = read_exact(c, 2)
                q2 = h2 and read_exact(c, int.from_bytes(h2, "big"))
                if not q2:
                    return
                a2 = ask(upstream, q2)
                c.sendall(framed + len(a2).to_bytes(2, "big") + a2)
            elif mode == "whole":
                c.sendall(framed)
            elif mode == "prefix":
                c.sendall(framed[:2])
                time.sleep(PAUSE)
                c.sendall(framed[2:])
            else:
                for i in range(len(framed)):
                    c.sendall(framed[i:i + 1])
                    time.sleep(PAUSE / 10)
    except OSError:
        pass
    finally:
        c.close()


def listen(addr, upstream, mode):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 53))
    s.listen(16)
    return s


def accept_loop(s, upstream, mode):
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c, upstream, mode), daemon=True).start()


def query(qid, name, qtype):
    q = qid.to_bytes(2, "big") + b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + qtype.to_bytes(2, "big") + b"\x00\x01"


def skip_name(m, o):
    while True:
        n = m[o]
        if n == 0:
            return o + 1
        if n & 0xC0 == 0xC0:
            return o + 2
        o += 1 + n


def a_records(m):
    qd, an = int.from_bytes(m[4:6], "big"), int.from_bytes(m[6:8], "big")
    o = 12
    for _ in range(qd):
        o = skip_name(m, o) + 4
    out = []
    for _ in range(an):
        o = skip_name(m, o)
        typ, rdlen = int.from_bytes(m[o:o + 2], "big"), int.from_bytes(m[o + 8:o + 10], "big")
        if typ == 1 and rdlen == 4:
            out.append(".".join(str(b) for b in m[o + 10:o + 14]))
        o += 10 + rdlen
    return out


def app(server, name, cut):
    c = socket.create_connection((server, 53), timeout=8)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    q1, q2 = query(0x1111, name, 1), query(0x2222, name, 28)
    data = len(q1).to_bytes(2, "big") + q1 + len(q2).to_bytes(2, "big") + q2
    try:
        if cut:
            c.sendall(data[:2])
            time.sleep(PAUSE)
            c.sendall(data[2:])
        else:
            c.sendall(data)
        for _ in range(2):
            h = read_exact(c, 2)
            m = h and read_exact(c, int.from_bytes(h, "big"))
            if not m:
                break
            for a in a_records(m):
                print(a)
    except OSError:
        print("timeout")


def hold(server, n):
    conns = []
    for _ in range(n):
        try:
            conns.append(socket.create_connection((server, 53), timeout=3))
        except OSError:
            pass
    time.sleep(1)
    closed = 0
    for c in conns:
        c.settimeout(0.05)
        try:
            if c.recv(1) == b"":
                closed += 1
        except socket.timeout:
            pass
        except OSError:
            closed += 1
    print(closed)
    for c in conns:
        c.close()


def raw(server, data, secs):
    c = socket.create_connection((server, 53), timeout=3)
    c.sendall(data)
    c.settimeout(secs)
    try:
        print("closed" if c.recv(65535) == b"" else "open")
    except socket.timeout:
        print("open")
    except OSError:
        print("closed")
    c.close()


def main():
    if sys.argv[1] == "raw":
        raw(sys.argv[2], bytes.fromhex(sys.argv[3]), float(sys.argv[4]))
        return
    if sys.argv[1] == "hold":
        hold(sys.argv[2], int(sys.argv[3]))
        return
    if sys.argv[1] == "ask":
        app(sys.argv[2], sys.argv[3], len(sys.argv) > 4 and sys.argv[4] == "cut")
        return
    upstream = sys.argv[1]
    socks = []
    for spec in sys.argv[2:]:
        addr, mode = spec.rsplit("=", 1)
        socks.append((listen(addr, upstream, mode), mode))
    print("ready", flush=True)
    for s, mode in socks:
        threading.Thread(target=accept_loop, args=(s, upstream, mode), daemon=True).start()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
