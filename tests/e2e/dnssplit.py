#!/usr/bin/env python3
"""A DNS-over-TCP front for the e2e tests (tests/e2e/dns-tcp-split): listens
on TCP port 53 of each ADDR given as ADDR=MODE, asks dnsmasq (UPSTREAM,
over UDP) each length-prefixed query it reads and writes the answer back
cut across segments (TCP_NODELAY, a pause between the pieces):
  prefix  the 2-byte length prefix, then the message
  bytes   one byte at a time
  whole   prefix and message in one send (a control)
Usage: dnssplit.py UPSTREAM ADDR=MODE... ; prints "ready" once listening."""
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
            if mode == "whole":
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
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 53))
    s.listen(16)
    return s


def accept_loop(s, upstream, mode):
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c, upstream, mode), daemon=True).start()


def main():
    upstream = sys.argv[1]
    socks = []
    for spec in sys.argv[2:]:
        addr, mode = spec.split("=")
        socks.append((listen(addr, upstream, mode), mode))
    print("ready", flush=True)
    for s, mode in socks:
        threading.Thread(target=accept_loop, args=(s, upstream, mode), daemon=True).start()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
