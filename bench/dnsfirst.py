#!/usr/bin/env python3
"""dnsfirst.py SERVER NAME: time from a DNS query to the first packet through
the tunnel, measured in one process (no process start-up in the figures).

Sends one A query for NAME to SERVER:53, takes the last A record of the
answer (the address the pqconnect client rewrote it to), then sends an ICMP
echo request to that address every millisecond until the first reply.
Prints "ANSWER_MS FIRST_REPLY_MS ADDRESS": both counted from the query; the
difference is "DNS answer to first packet through the tunnel".  Exit 1 on
timeout."""
import os
import select
import socket
import struct
import sys
import time


def query(name):
    q = struct.pack(">HHHHHH", os.getpid() & 0xFFFF, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", 1, 1)


def skip_name(m, i):
    while True:
        n = m[i]
        if n == 0:
            return i + 1
        if n & 0xC0 == 0xC0:
            return i + 2
        i += 1 + n


def last_a(m):
    qd, an = struct.unpack(">HH", m[4:8])
    i = 12
    for _ in range(qd):
        i = skip_name(m, i) + 4
    addr = None
    for _ in range(an):
        i = skip_name(m, i)
        typ, _cls, _ttl, ln = struct.unpack(">HHIH", m[i:i + 10])
        i += 10
        if typ == 1 and ln == 4:
            addr = socket.inet_ntoa(m[i:i + 4])
        i += ln
    return addr


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def main():
    server, name = sys.argv[1], sys.argv[2]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    ic = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    ident = os.getpid() & 0xFFFF
    t0 = time.monotonic()
    u.sendto(query(name), (server, 53))
    if not select.select([u], [], [], 5)[0]:
        sys.exit(1)
    addr = last_a(u.recv(4096))
    t_ans = time.monotonic()
    if not addr:
        sys.exit(1)
    seq = 0
    deadline = t_ans + 3
    while time.monotonic() < deadline:
        seq += 1
        h = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"pqbench!"
        h = h[:2] + struct.pack("!H", checksum(h)) + h[4:]
        ic.sendto(h, (addr, 0))
        end = time.monotonic() + 0.001
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([ic], [], [], left)[0]:
                break
            p = ic.recv(2048)
            ihl = (p[0] & 15) * 4
            if p[ihl] == 0 and struct.unpack("!H", p[ihl + 4:ihl + 6])[0] == ident:
                t1 = time.monotonic()
                print("%.1f %.1f %s" % ((t_ans - t0) * 1000, (t1 - t0) * 1000, addr))
                return
    sys.exit(1)


main()
