"""pqconnect-c test harness: NFQUEUE fallback for the REFERENCE client.

This module is put on PYTHONPATH of the reference `pqconnect` client only
(tests/e2e/lib.sh does that when it starts the reference client inside the
trixie chroot).  Python imports `sitecustomize` automatically at start-up, so
the reference package itself is not modified.

Problem it solves: the reference client asks nftables for a rule of the form
`... udp sport 53 queue num N`.  Kernels built without the nft "queue"
expression (CONFIG_NFT_QUEUE unset, as on the machine this harness was
written on) reject it, and the client exits before it ever binds the queue.
The older xtables target NFQUEUE (xt_NFQUEUE, reachable through nft_compat)
does the same job, so we hand that single rule to iptables instead.

Mechanics: we wrap python3-nftables' `Nftables.cmd` (a dependency of the
reference, not the reference itself).
  * a "queue num N" rule is turned into
        iptables -w -I INPUT -p udp --sport 53 -m comment --comment TAG
                 -j NFQUEUE --queue-num N --queue-bypass
    and success is reported back, so the client goes on and binds queue N.
    --queue-bypass lets DNS through untouched if the client is gone, so a
    crashed client cannot black-hole the namespace's DNS for later cases.
  * "delete table inet T" first removes every INPUT rule carrying our TAG,
    then goes to nftables as usual.
  * everything else is passed through unchanged.
Only IPv4 DNS answers are queued (iptables, not ip6tables): the test
network is IPv4 only.

Environment: PQC_E2E_IPTABLES (default "iptables") picks the binary,
PQC_E2E_NFQSHIM=0 disables the shim.
"""

import os
import re
import subprocess
import sys

IPTABLES = os.environ.get("PQC_E2E_IPTABLES", "iptables")
TAG_PREFIX = "pqc-e2e-shim:"

# "add rule inet <table> <chain> ... queue num <n>" in any spelling the
# client might use; we only need the table and the queue number.
QUEUE_RULE = re.compile(
    r"^\s*(?:add|insert)\s+rule\s+inet\s+(\S+)\s+\S+\s+.*\bsport\s+53\b.*\bqueue\s+num\s+(\d+)\s*$")
DELETE_TABLE = re.compile(r"^\s*delete\s+table\s+inet\s+(\S+)\s*$")


def note(text):
    sys.stderr.write("pqc-e2e-nfqshim: " + text + "\n")
    sys.stderr.flush()


def iptables(*args):
    proc = subprocess.run([IPTABLES, "-w"] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    return proc.returncode, proc.stdout, proc.stderr.strip()


def add_queue_rule(table, num):
    rc, _, err = iptables("-I", "INPUT", "-p", "udp", "--sport", "53",
                          "-m", "comment", "--comment", TAG_PREFIX + table,
                          "-j", "NFQUEUE", "--queue-num", num, "--queue-bypass")
    note("queue rule for table %s -> iptables NFQUEUE %s: rc=%d %s" % (table, num, rc, err))
    return rc, err


def remove_queue_rules(table):
    # Delete by rule number, highest first, so earlier numbers stay valid.
    rc, out, _ = iptables("-L", "INPUT", "--line-numbers", "-n")
    if rc != 0:
        return
    numbers = []
    for line in out.splitlines():
        fields = line.split()
        if fields and fields[0].isdigit() and (TAG_PREFIX + table) in line:
            numbers.append(int(fields[0]))
    for n in sorted(numbers, reverse=True):
        rc, _, err = iptables("-D", "INPUT", str(n))
        note("removed iptables INPUT rule %d for table %s: rc=%d %s" % (n, table, rc, err))


def install():
    try:
        import nftables
    except ImportError as exc:
        note("python3-nftables missing (%s); shim not active" % exc)
        return
    real_cmd = nftables.Nftables.cmd
    if getattr(real_cmd, "pqc_e2e_wrapped", False):
        return

    def cmd(self, text, *args, **kwargs):
        match = QUEUE_RULE.match(text)
        if match:
            rc, err = add_queue_rule(match.group(1), match.group(2))
            if rc == 0:
                return 0, "", ""
            return 1, "", "pqc-e2e-nfqshim: iptables failed: " + err
        match = DELETE_TABLE.match(text)
        if match:
            remove_queue_rules(match.group(1))
        return real_cmd(self, text, *args, **kwargs)

    cmd.pqc_e2e_wrapped = True
    nftables.Nftables.cmd = cmd


if os.environ.get("PQC_E2E_NFQSHIM", "1") != "0":
    install()
