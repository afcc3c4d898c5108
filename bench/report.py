#!/usr/bin/env python3
"""Helpers of bench/run: JSON lines out, iperf3/ping parsing, the table, the plots.

  report.py emit FILE key=value...      append one JSON object (numbers stay numbers)
  report.py tcp IPERF.json              "gbit/s seconds retransmits"
  report.py udp IPERF.json              "sent_pps delivered_pps loss_pct seconds"
  report.py ping PING.txt               "min avg max loss_pct"
  report.py table FILE [--markdown]     the comparison table of one run
  report.py plot FILE DIR               DIR/<run>-throughput.png, DIR/<run>-latency.png
"""
import json
import re
import statistics
import sys

BASE = "wg-trixie"          # every ratio is against this tunnel of the same run
NEWEST = "wg-sid"           # and, in a column of its own, against the newest wireguard-go
ORDER = ["none", "pqconnect-c", "pqc-mtu1416", "wg-sid", "wg-trixie", "wg-bookworm", "openvpn", "pqref"]


def value(s):
    for conv in (int, float):
        try:
            return conv(s)
        except ValueError:
            pass
    return s


def emit(path, pairs):
    rec = {}
    for p in pairs:
        k, _, v = p.partition("=")
        rec[k] = value(v)
    with open(path, "a") as f:
        f.write(json.dumps(rec) + "\n")


def tcp(path):
    j = json.load(open(path))
    e = j["end"]
    rcv = e["sum_received"]
    retr = e.get("sum_sent", {}).get("retransmits", 0)
    print("%.4f %.2f %d" % (rcv["bits_per_second"] / 1e9, rcv["seconds"], retr))


def udp(path):
    j = json.load(open(path))
    s = j["end"]["sum"]
    secs = s["seconds"] or 1
    sent = s["packets"]
    lost = s.get("lost_packets", 0)
    print("%.0f %.0f %.2f %.2f" % (sent / secs, (sent - lost) / secs, 100.0 * lost / max(sent, 1), secs))


def ping(path):
    t = open(path).read()
    m = re.search(r"= ([\d.]+)/([\d.]+)/([\d.]+)/", t)
    loss = re.search(r"([\d.]+)% packet loss", t)
    if not m:
        sys.exit(1)
    print(m.group(1), m.group(2), m.group(3), loss.group(1) if loss else "100")


def load(path):
    recs = [json.loads(l) for l in open(path) if l.strip()]
    tunnels = {}
    for r in recs:
        tunnels.setdefault(r.get("tunnel", "-"), []).append(r)
    return recs, tunnels


def summary(recs):
    """per tunnel: figures of the run"""
    out = {}
    for r in recs:
        t = out.setdefault(r["tunnel"], {"tcp1": [], "tcp4": [], "cpu1": []})
        if r["test"] in ("tcp1", "tcp4"):
            t[r["test"]].append(r["gbps"])
            if r["test"] == "tcp1" and r.get("tunnel_cpu_pct", "") != "":
                t["cpu1"].append(r["tunnel_cpu_pct"])
        elif r["test"] == "ping":
            t["ping"] = r["avg_ms"]
        elif r["test"] == "udp64":
            t["udp_pps"] = r["delivered_pps"]
            t["udp_loss"] = r["loss_pct"]
        elif r["test"] == "info":
            t["info"] = r.get("info", "")
    return out


def fmt(x, nd=3):
    if x is None:
        return "n/a"
    if isinstance(x, float) and abs(x) < 10 ** -nd and x != 0:
        return "%.2g" % x
    return ("%." + str(nd) + "f") % x


def ratio(a, b):
    if a is None or not b:
        return ""
    r = a / b
    return " (%s×)" % ("%.2f" % r if r >= 0.1 else "%.2g" % r)


def table(path, markdown=False):
    recs, _ = load(path)
    s = summary(recs)
    base = s.get(BASE, {})

    def med(v):
        return statistics.median(v) if v else None

    b1, b4 = med(base.get("tcp1", [])), med(base.get("tcp4", []))
    newest = s.get(NEWEST, {})
    n1, n4 = med(newest.get("tcp1", [])), med(newest.get("tcp4", []))
    rows = []
    head = ["tunnel", "TCP 1 stream Gbit/s median (min–max)", "TCP 4 streams Gbit/s median (min–max)",
            "ping ms avg", "UDP 64 B delivered pkt/s (loss)", "tunnel CPU % during TCP 1"]
    if n1:
        head.append("TCP 1 / 4 streams against %s" % NEWEST)
    for name in [n for n in ORDER if n in s] + [n for n in s if n not in ORDER and n != "-"]:
        t = s[name]
        if not t["tcp1"] and "ping" not in t:
            continue
        r1, r4 = med(t["tcp1"]), med(t["tcp4"])
        rng = lambda v: "%s–%s" % (fmt(min(v)), fmt(max(v))) if v else ""
        c1 = med(t["cpu1"])
        rows.append([
            name,
            "%s%s %s" % (fmt(r1), ratio(r1, b1), "(" + rng(t["tcp1"]) + ")" if t["tcp1"] else ""),
            "%s%s %s" % (fmt(r4), ratio(r4, b4), "(" + rng(t["tcp4"]) + ")" if t["tcp4"] else ""),
            "%s%s" % (fmt(t.get("ping")), ratio(t.get("ping"), base.get("ping"))),
            "%s%s, %s%% loss" % ("%.0f" % t["udp_pps"] if "udp_pps" in t else "n/a",
                                 ratio(t.get("udp_pps"), base.get("udp_pps")),
                                 "%.1f" % t["udp_loss"] if "udp_loss" in t else "?"),
            "%.0f" % c1 if c1 is not None else "n/a",
        ])
        if n1:
            rows[-1].append("%s / %s" % (ratio(r1, n1).strip(" ()") or "n/a", ratio(r4, n4).strip(" ()") or "n/a"))
    extras = [r for r in recs if r["test"] in ("handshakes", "handshakes_2core", "ping_under_load",
                                              "flood_forged", "dns_first_packet", "keyserver", "idle_tunnels")]
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + " --- |" * len(head))
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        w = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
        print("  ".join(h.ljust(w[i]) for i, h in enumerate(head)))
        for r in rows:
            print("  ".join(c.ljust(w[i]) for i, c in enumerate(r)))
    print("(ratios in parentheses: against %s of the same run%s; ping and CPU: lower is better)"
          % (BASE, ", last column against %s" % NEWEST if n1 else ""))
    if extras:
        print()
        for r in extras:
            print(("- " if markdown else "  ") + r.get("summary", json.dumps(r)))
    for r in recs:
        if r["test"] == "error":
            print(("- " if markdown else "  ") + "ERROR %s: %s" % (r["tunnel"], r.get("error")))


def plot(path, outdir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    recs, _ = load(path)
    s = summary(recs)
    run = next((r["run"] for r in recs if "run" in r), "run")
    names = [n for n in ORDER + sorted(set(s) - set(ORDER) - {"-"}) if n in s and s[n]["tcp1"]]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    x = range(len(names))
    for off, key, label in ((-0.2, "tcp1", "1 stream"), (0.2, "tcp4", "4 streams")):
        med = [statistics.median(s[n][key]) if s[n][key] else 0 for n in names]
        lo = [m - min(s[n][key]) if s[n][key] else 0 for m, n in zip(med, names)]
        hi = [max(s[n][key]) - m if s[n][key] else 0 for m, n in zip(med, names)]
        bars = ax.bar([i + off for i in x], med, 0.4, yerr=[lo, hi], capsize=3, label=label)
        for b, m in zip(bars, med):
            ax.annotate("%.3g" % m, (b.get_x() + b.get_width() / 2, m), ha="center", va="bottom", fontsize=7)
    ax.set_xticks(list(x))
    ax.set_xticklabels(names)
    ax.set_yscale("log")
    ax.set_ylabel("Gbit/s (log scale; bar = median, whisker = min/max)")
    ax.set_title("iperf3 TCP through each tunnel, %s" % run)
    ax.legend()
    fig.tight_layout()
    fig.savefig("%s/%s-throughput.png" % (outdir, run), dpi=110)
    names = [n for n in ORDER + sorted(set(s) - set(ORDER) - {"-"}) if n in s and "ping" in s[n]]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    vals = [s[n]["ping"] for n in names]
    bars = ax.bar(names, vals, color="tab:green")
    for b, v in zip(bars, vals):
        ax.annotate("%.3g ms" % v, (b.get_x() + b.get_width() / 2, v), ha="center", va="bottom", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("ping round trip, ms (log scale)")
    ax.set_title("ping through the idle tunnel (average), %s" % run)
    fig.tight_layout()
    fig.savefig("%s/%s-latency.png" % (outdir, run), dpi=110)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "emit":
        emit(args[0], args[1:])
    elif cmd == "tcp":
        tcp(args[0])
    elif cmd == "udp":
        udp(args[0])
    elif cmd == "ping":
        ping(args[0])
    elif cmd == "table":
        table(args[0], "--markdown" in args)
    elif cmd == "plot":
        plot(args[0], args[1])
    else:
        sys.exit(2)
