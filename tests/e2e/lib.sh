# shellcheck shell=bash
# Settings and helpers of the pqconnect-c end-to-end tests (tests/e2e/*,
# scripts/demo).  Sourced, never run.  Everything here acts only on things
# this harness created itself: namespaces named $NS_PREFIX*, processes whose
# pids it recorded, files under $E2E_STATE and /etc/netns/$NS_PREFIX*.
#
# Topology (no namespace has a default route; the only addresses used are
# TEST-NET-1 192.0.2.0/24 on the private bridge and the 10.42/10.43 tunnel
# subnets inside the namespaces, so nothing ever leaves this machine):
#
#   pqt-cli  eth0 192.0.2.20  ─┐                    ┌─ eth0 192.0.2.10  pqt-srv
#   (client, TUN 10.43.0.1/16)  ├─ br0 in pqt-net ──┤  (server, TUN 10.42.0.1/16,
#   pqt-dns  eth0 192.0.2.53  ─┘                    │   httpd :80, sshd :22, iperf3 :5201)
#   (dnsmasq, zone test.example)
#
# Every setting can be overridden from the environment.

: "${E2E_STATE:=/run/pqc-e2e}"          # pid files, logs, captures, keys
: "${PQREF_ROOT:=/opt/pqref/root}"      # trixie chroot with the reference (tests/interop/refroot-setup)
: "${NS_PREFIX:=pqt-}"
NS_NET=${NS_PREFIX}net                  # holds only the bridge
NS_SRV=${NS_PREFIX}srv
NS_CLI=${NS_PREFIX}cli
NS_DNS=${NS_PREFIX}dns

: "${SRV_IP:=192.0.2.10}"
: "${CLI_IP:=192.0.2.20}"
: "${DNS_IP:=192.0.2.53}"
: "${V6_ADDR:=2001:db8::10}"            # documentation prefix, assigned nowhere

: "${ZONE:=test.example}"
: "${PQC_PORT:=42424}"                  # server crypto port (default)
: "${KEY_PORT:=42425}"                  # server key port (default)
: "${ALT_PQC_PORT:=624}"                # ports of the "alt" case
: "${ALT_KEY_PORT:=584}"
: "${CLI_PORT:=42423}"
: "${SRV_TUN:=pqcserv0}"
: "${SRV_TUN_ADDR:=10.42.0.1}"
: "${CLI_TUN:=pqccli0}"
: "${CLI_TUN_ADDR:=10.43.0.1}"
: "${TUN_MASK:=16}"
: "${WEB_MARKER:=pqc-e2e-marker-4f9d2a: this page came through the tunnel}"

# where things live inside the reference chroot (one directory per state
# directory, so harnesses with another E2E_STATE never share reference keys)
REF_STATE_IN_ROOT=/var/lib/pqc-e2e/$(basename "$E2E_STATE")
REF_SHIM_IN_ROOT=$REF_STATE_IN_ROOT/nfqshim

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_ROOT=$(cd "$E2E_DIR/../.." && pwd)
PIDS=$E2E_STATE/pids
: "${LOGDIR:=$E2E_STATE}"               # per-case directory, set by the matrix

# ----------------------------------------------------------------- output --
say()  { printf '%s e2e: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { say "ERROR: $*"; exit 1; }
need_root() { [ "$(id -u)" = 0 ] || die "must run as root (namespaces, TUN devices)"; }
# e2e_lock : one run per state directory at a time (two runs would tear down
# each other's namespaces).  Taken by the top-level commands (matrix, demo);
# the daemons do not inherit the descriptor (see start_bg).
e2e_lock() {
    exec 8>"$E2E_STATE.lock"
    if ! flock -n 8; then
        say "another e2e run holds $E2E_STATE.lock; waiting (up to 30 min)"
        flock -w 1800 8 || die "gave up waiting for $E2E_STATE.lock"
    fi
}
now()  { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# -------------------------------------------------------------- pq1 names --
# DNSCurve base32 of a port written as 2 big-endian bytes (PROTOCOL.md 4.3):
# swap the bytes, then emit 5-bit groups from the least significant end.
port_b32() {
    local a=0123456789bcdfghjklmnpqrstuvwxyz p=$1 x
    x=$(( ((p & 255) << 8) | (p >> 8) ))
    printf '%s%s%s%s' "${a:$((x & 31)):1}" "${a:$(((x >> 5) & 31)):1}" \
        "${a:$(((x >> 10) & 31)):1}" "${a:$((x >> 15)):1}"
}
long_label() { printf 'pq1%s%s%s' "$1" "$(port_b32 "$2")" "$(port_b32 "$3")"; }  # HASH PQC KEY

# ------------------------------------------------------------- processes --
# start_bg NAME NS MODE CMD... : start CMD in network namespace NS, detached
# (own session, so a Ctrl-C at the terminal reaches only us and we stop things
# in order).  MODE host = host binary through `ip netns exec`; MODE hostrun =
# the same with a private /run (our daemons keep pid files and control sockets
# in /run/pqconnect*, which must not meet those of a pqconnect running on the
# machine itself; the directory is $E2E_STATE/run/NAME, see run_with_rundir);
# MODE chroot = inside the reference chroot (see in_chroot_ns).  The pid survives the exec
# chain, so the recorded pid is the daemon itself.  SIGINT/SIGQUIT are reset
# to default because background jobs of a script inherit them as ignored, and
# SIGINT is the reference server's clean stop.
start_bg() {
    local name=$1 ns=$2 mode=$3; shift 3
    local pidf=$PIDS/$name.pid logf=$LOGDIR/$name.log i what="$mode: $*"
    mkdir -p "$PIDS" "$LOGDIR"
    stop_bg "$name"
    if [ "$mode" = chroot ]; then
        set -- ip netns exec "$ns" /bin/sh -c "$CHROOT_SH" chroot-in-ns "$ns" "$PQREF_ROOT" "$@"
    elif [ "$mode" = hostrun ]; then
        mkdir -p "$E2E_STATE/run/$name"; chmod 0755 "$E2E_STATE/run/$name"
        set -- ip netns exec "$ns" /bin/sh -c "$RUNDIR_SH" with-rundir "$E2E_STATE/run/$name" "$E2E_STATE" "$@"
    else
        set -- ip netns exec "$ns" "$@"
    fi
    setsid env --default-signal=INT,QUIT /bin/sh -c 'echo $$ > "$0"; exec "$@"' "$pidf.new" "$@" \
        </dev/null >>"$logf" 2>&1 8>&- &
    for i in $(seq 50); do [ -s "$pidf.new" ] && break; sleep 0.1; done
    [ -s "$pidf.new" ] || die "could not start $name"
    # record the start time with the pid: a pid is only ever signalled while
    # it still belongs to the process we started
    echo "$(cat "$pidf.new") $(proc_start "$(cat "$pidf.new")")" > "$pidf"
    rm -f "$pidf.new"
    echo "$logf" > "$PIDS/$name.logpath"
    say "started $name (pid $(cut -d' ' -f1 "$pidf")) in $ns, $what"
}

proc_start() { awk '{ print $22 }' "/proc/$1/stat" 2>/dev/null; }
alive() {       # PID exists and is not a zombie
    local st
    st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
tree_of() {     # PID and all its descendants
    ps -e -o pid=,ppid= | awk -v top="$1" '
        { child[$2] = child[$2] " " $1 }
        END { n = split(top, q, " "); out = top
              for (i = 1; i <= n; i++) { m = split(child[q[i]], c, " ")
                  for (j = 1; j <= m; j++) { q[++n] = c[j]; out = out " " c[j] } }
              print out }'
}
pid_of() {      # NAME -> pid, only while it is still the process we started
    local pidf=$PIDS/$1.pid pid st
    [ -s "$pidf" ] || return 1
    read -r pid st < "$pidf"
    alive "$pid" && [ "$(proc_start "$pid")" = "$st" ] && echo "$pid"
}
running() { pid_of "$1" >/dev/null; }

# stop_bg NAME [SIG] : SIG (default TERM) to the recorded pid, then TERM and
# finally KILL to whatever is left of its process tree (taken before the
# first signal, so orphaned children are found too).  Never by name.
stop_bg() {
    local name=$1 sig=${2:-TERM} pid pids p i left
    pid=$(pid_of "$name") || { rm -f "$PIDS/$name.pid"; return 0; }
    pids=$(tree_of "$pid")
    kill -"$sig" "$pid" 2>/dev/null
    for i in $(seq 60); do
        left=""
        for p in $pids; do alive "$p" && left="$left $p"; done
        [ -z "$left" ] && break
        [ "$i" = 30 ] && kill -TERM $left 2>/dev/null
        sleep 0.1
    done
    for p in $pids; do alive "$p" && { say "$name: pid $p still there, KILL"; kill -KILL "$p" 2>/dev/null; }; done
    rm -f "$PIDS/$name.pid"
    say "stopped $name"
}
stop_all() {
    local f
    for f in "$PIDS"/*.pid; do [ -e "$f" ] && stop_bg "$(basename "$f" .pid)" INT; done
    return 0
}

logfile() { cat "$PIDS/$1.logpath" 2>/dev/null || echo "$LOGDIR/$1.log"; }

# wait_log NAME REGEX SECONDS : 0 when REGEX shows up in NAME's log, 2 when
# NAME died first, 1 on timeout
wait_log() {
    local name=$1 re=$2 t=$3 i f
    f=$(logfile "$name")
    for i in $(seq $((t * 10))); do
        grep -qE "$re" "$f" 2>/dev/null && return 0
        running "$name" || return 2
        sleep 0.1
    done
    return 1
}
wait_udp() {    # NS PORT SECONDS [NAME]: something listens on UDP PORT in NS
    local i
    for i in $(seq $(($3 * 10))); do
        ip netns exec "$1" ss -Hunl "sport = :$2" 2>/dev/null | grep -q . && return 0
        [ -n "${4:-}" ] && ! running "$4" && return 2
        sleep 0.1
    done
    return 1
}
# pcap_settled FILE SECONDS : 0 once a capture written with tcpdump -U has
# stopped growing (the same size on 3 looks 0.1 s apart: what was on the wire
# when the caller's last exchange ended is in the file), 1 if it still grows
# after SECONDS.  Call it before stopping the capture.
pcap_settled() {
    local f=$1 i last=-1 cur same=0
    for i in $(seq $(($2 * 10))); do
        cur=$(stat -c %s "$f" 2>/dev/null || echo 0)
        if [ "$cur" = "$last" ]; then
            same=$((same + 1)); [ $same -ge 3 ] && return 0
        else
            same=0 last=$cur
        fi
        sleep 0.1
    done
    return 1
}
# wait_until SECONDS CMD... : 0 as soon as CMD succeeds (tried every 0.1 s),
# 1 if it never did within SECONDS
wait_until() {
    local t=$1 i; shift
    for i in $(seq $((t * 10))); do "$@" && return 0; sleep 0.1; done
    return 1
}
wait_tcp() {
    local i
    for i in $(seq $(($3 * 10))); do
        ip netns exec "$1" ss -Htnl "sport = :$2" 2>/dev/null | grep -q . && return 0
        sleep 0.1
    done
    return 1
}

# ----------------------------------------------------------- the chroot --
# How a reference program runs: `ip netns exec` gives the command its own
# mount namespace (and remounts /sys for the netns), so the mounts below are
# private to it and vanish with it.  Inside: /proc, /sys, /dev, an empty /run
# and /tmp, and the namespace's resolv.conf as the chroot's.
CHROOT_SH='
set -e
ns=$1 root=$2
shift 2
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
[ -f "/etc/netns/$ns/resolv.conf" ] && mount --bind "/etc/netns/$ns/resolv.conf" "$root/etc/resolv.conf"
exec chroot "$root" "$@"
'
# `ip netns exec` already gave the command a private mount namespace, so a
# bind mount over /run is seen by that command only.  $E2E_STATE itself
# (keys, logs) usually lives under /run: it is bound back at its usual place
# inside the private /run first.
RUNDIR_SH='
set -e
d=$1 st=$2
shift 2
case $st in
    /run/*) mkdir -p "$d/${st#/run/}"; mount --bind "$st" "$d/${st#/run/}" ;;
esac
mount --rbind "$d" /run
exec "$@"
'
# run_with_rundir NAME NS CMD... : CMD in NS seeing the /run of daemon NAME
# (for example pqconnect-ctl talking to our server's control socket)
run_with_rundir() { local name=$1 ns=$2; shift 2; ip netns exec "$ns" /bin/sh -c "$RUNDIR_SH" with-rundir "$E2E_STATE/run/$name" "$E2E_STATE" "$@"; }
in_chroot_ns() { local ns=$1; shift; ip netns exec "$ns" /bin/sh -c "$CHROOT_SH" chroot-in-ns "$ns" "$PQREF_ROOT" "$@"; }
have_refroot() {
    [ -x "$PQREF_ROOT/usr/bin/pqconnect-server" ] && [ -x "$PQREF_ROOT/usr/bin/pqconnect" ] &&
        [ ! -d "$PQREF_ROOT/debootstrap" ]
}

ns_exists() { ip netns list 2>/dev/null | awk '{ print $1 }' | grep -qxF "$1"; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ------------------------------------------------------------------- DNS --
# dns_announce HASH : (re)start dnsmasq in $NS_DNS announcing a server whose
# key hash is HASH (52 chars).  Names (all under $ZONE, TTL 0, never forwarded):
#   www    CNAME pq1<hash><42424><42425>   63-char label, ports in the name
#   short  CNAME pq1<hash>                 55-char label + TXT p= / ks. TXT
#   alt    CNAME pq1<hash><624><584>       63-char label, non-default ports
#   v6     CNAME pq1<hash><ports>.v6       with A and AAAA (AAAA check)
#   plain  A $SRV_IP                       control, no PQConnect
# An empty HASH announces only plain.
dns_announce() {
    local hash=$1 conf=$E2E_STATE/dns/dnsmasq.conf long short alt v6
    mkdir -p "$E2E_STATE/dns"
    {
        echo "# written by tests/e2e/lib.sh for the pqconnect-c e2e tests"
        echo "no-resolv"; echo "no-hosts"; echo "no-poll"; echo "bind-interfaces"
        echo "listen-address=$DNS_IP"; echo "port=53"; echo "user=root"
        echo "log-queries"; echo "log-facility=-"; echo "local-ttl=0"
        echo "local=/$ZONE/"
        echo "host-record=plain.$ZONE,$SRV_IP"
        if [ -n "$hash" ]; then
            long=$(long_label "$hash" "$PQC_PORT" "$KEY_PORT").$ZONE
            short=pq1$hash.$ZONE
            alt=$(long_label "$hash" "$ALT_PQC_PORT" "$ALT_KEY_PORT").$ZONE
            v6=$(long_label "$hash" "$PQC_PORT" "$KEY_PORT").v6.$ZONE
            echo "host-record=$long,$SRV_IP";  echo "cname=www.$ZONE,$long"
            echo "host-record=$short,$SRV_IP"; echo "cname=short.$ZONE,$short"
            echo "txt-record=$short,\"p=$PQC_PORT\""
            echo "txt-record=ks.$short,\"ip=$SRV_IP;p=$KEY_PORT\""
            echo "host-record=$alt,$SRV_IP";   echo "cname=alt.$ZONE,$alt"
            echo "host-record=$v6,$SRV_IP,$V6_ADDR"; echo "cname=v6.$ZONE,$v6"
        fi
    } > "$conf"
    start_bg dnsmasq "$NS_DNS" host /usr/sbin/dnsmasq --keep-in-foreground --pid-file= --conf-file="$conf"
    wait_udp "$NS_DNS" 53 10 dnsmasq || { cat "$(logfile dnsmasq)" >&2; die "dnsmasq did not start"; }
}

# name_of KIND : the public name a case uses
name_of() { case $1 in long) echo "www.$ZONE" ;; short) echo "short.$ZONE" ;; alt) echo "alt.$ZONE" ;; v6) echo "v6.$ZONE" ;; esac; }

# ----------------------------------------------------- our daemons (host) --
# our_keys KEYGEN DIR : fresh server keys in DIR/{config,keys} made by our
# keygen, its output in DIR/keygen.log; prints the 52-char key hash
our_keys() {
    local keygen=$1 dir=$2 hash
    rm -rf "$dir"; mkdir -p "$dir/config" "$dir/keys"; chmod 0700 "$dir/keys"
    echo "$PQC_PORT" > "$dir/config/pqcport"; echo "$KEY_PORT" > "$dir/config/keyport"
    "$keygen" -c "$dir/config" -d "$dir/keys" </dev/null >"$dir/keygen.log" 2>&1 || return 1
    hash=$(sed -n 's/.*public key hash for your keys is: *\([0-9a-z]\{52\}\).*/\1/p' "$dir/keygen.log" | head -1)
    [ ${#hash} = 52 ] && echo "$hash"
}
# start_our_server SERVER_BIN KEYSDIR CRYPTOPORT KEYPORT (KEYSDIR as made by our_keys)
start_our_server() {   # SERVER_BIN KEYDIR PQC_PORT KEY_PORT [EXTRA-OPTIONS...]
    start_bg server "$NS_SRV" hostrun "$1" -v -d "$2/keys" -c "$2/config" -p "$3" -k "$4" \
        -a "$SRV_TUN_ADDR" -m "$TUN_MASK" -i "$SRV_TUN" "${@:5}"
}
# start_our_client CLIENT_BIN
# The machine's own client state (key cache in /var/lib/pqconnect, static
# peers in /etc/pqconnect/config) must neither be used nor written: when the
# client knows the options, both point into this case's log directory.
start_our_client() {
    local extra=() help
    help=$("$1" --help 2>&1)
    if [[ $help == *--key-cache* ]]; then
        extra+=(--key-cache "$LOGDIR/key-cache")
    fi
    if [[ $help == *--peers* ]]; then
        : > "$LOGDIR/peers"
        extra+=(--peers "$LOGDIR/peers")
    fi
    start_bg client "$NS_CLI" hostrun "$1" -v -p "$CLI_PORT" -a "$CLI_TUN_ADDR" -m "$TUN_MASK" -i "$CLI_TUN" "${extra[@]}"
}
# wait_nfq SECONDS : until a netfilter queue is bound in the client namespace
# (from then on the client sees DNS answers)
# and its interception rule is in place: the client binds the queue first
# and installs the rule after (an iptables run, tens of ms), so an answer in
# between would pass uncaught.
wait_nfq() {
    local i bound rules
    for i in $(seq $(($1 * 10))); do
        # captured first: callers run with pipefail, and a failing nft or an
        # early-exiting grep must not decide the result
        bound=$(in_ns "$NS_CLI" cat /proc/net/netfilter/nfnetlink_queue 2>/dev/null || true)
        rules=$( { in_ns "$NS_CLI" iptables -S INPUT 2>/dev/null; in_ns "$NS_CLI" nft list ruleset 2>/dev/null; } || true)
        if [ -n "$bound" ] && [[ ${rules,,} == *queue* ]]; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}
# ensure_pqc_user : the system user our daemons drop privileges to
# (pqconnect for the server, pqconnect-client with a group of its own for
# the client's worker, as scripts/install-pqconnect makes them)
ensure_pqc_user() {
    if ! getent passwd pqconnect >/dev/null; then
        say "creating system user pqconnect (as scripts/install-pqconnect does)"
        useradd --system -M -d /etc/pqconnect -s /usr/sbin/nologin pqconnect || return 1
    fi
    if ! getent passwd pqconnect-client >/dev/null; then
        say "creating system user pqconnect-client (as scripts/install-pqconnect does)"
        getent group pqconnect-client >/dev/null || groupadd --system pqconnect-client || return 1
        useradd --system -M -d /var/lib/pqconnect -s /usr/sbin/nologin -g pqconnect-client pqconnect-client || return 1
    fi
}

# --------------------------------------------- the reference (in chroot) --
# ref_keys : fresh reference server keys in $PQREF_ROOT$REF_STATE_IN_ROOT/server,
# keygen output in $E2E_STATE/keygen-ref.log; prints the 52-char key hash.
# The config files pqcport/keyport keep the reference keygen from asking for
# ports on stdin.
ref_keys() {
    local d=$REF_STATE_IN_ROOT/server hash
    rm -rf "${PQREF_ROOT:?}$d"; mkdir -p "$PQREF_ROOT$d/config" "$PQREF_ROOT$d/keys" "$E2E_STATE"
    echo "$PQC_PORT" > "$PQREF_ROOT$d/config/pqcport"; echo "$KEY_PORT" > "$PQREF_ROOT$d/config/keyport"
    chroot "$PQREF_ROOT" pqconnect-keygen -c "$d/config" -d "$d/keys" </dev/null >"$E2E_STATE/keygen-ref.log" 2>&1 || return 1
    hash=$(sed -n 's/.*public key hash for your keys is: *\([0-9a-z]\{52\}\).*/\1/p' "$E2E_STATE/keygen-ref.log" | head -1)
    [ ${#hash} = 52 ] && echo "$hash"
}
# start_ref_server CRYPTOPORT KEYPORT (keys from ref_keys)
start_ref_server() {
    start_bg server "$NS_SRV" chroot pqconnect-server -v -d "$REF_STATE_IN_ROOT/server/keys" \
        -p "$1" -k "$2" -a "$SRV_TUN_ADDR" -m "$TUN_MASK" -i "$SRV_TUN"
}
# start_ref_client : the reference client, with our NFQUEUE shim on PYTHONPATH
start_ref_client() {
    mkdir -p "$PQREF_ROOT$REF_SHIM_IN_ROOT"
    install -m 0644 "$SRC_ROOT/tests/interop/nfqshim/sitecustomize.py" "$PQREF_ROOT$REF_SHIM_IN_ROOT/sitecustomize.py"
    start_bg client "$NS_CLI" chroot env PYTHONPATH="$REF_SHIM_IN_ROOT" \
        pqconnect -v -p "$CLI_PORT" -a "$CLI_TUN_ADDR" -m "$TUN_MASK" -i "$CLI_TUN"
}
