# shellcheck shell=bash
# Shared settings and helpers of the pqconnect-c benchmark (bench/run and the
# bench/tunnels/* plug-ins).  Sourced, never run.
#
# Only things this harness made are ever touched: the two namespaces
# $NS_A/$NS_B (and the veth pair that lives only inside them), processes whose
# pid and start time it recorded under $STATE, and files under $STATE,
# $CACHE and bench/results.
#
#   $NS_A  veth $VETH_A 198.51.100.1/24 ─── veth $VETH_B 198.51.100.2/24  $NS_B
#   (client side: iperf3 -c, ping,                  (server side: iperf3 -s,
#    dig, pqprobe; 198.18.0.0/16 is                  dnsmasq, pqconnect-server;
#    a local range for load sources)                 198.18.0.0/16 via $OUT_A)
# No namespace has a default route; nothing leaves the machine.

: "${NS_A:=pqb-a}"
: "${NS_B:=pqb-b}"
: "${VETH_A:=pqbA}"
: "${VETH_B:=pqbB}"
: "${OUT_A:=198.51.100.1}"          # RFC 5737 TEST-NET-2, only inside our namespaces
: "${OUT_B:=198.51.100.2}"
: "${IN_A:=10.99.0.1}"              # inner addresses of the point-to-point tunnels
: "${IN_B:=10.99.0.2}"
: "${LOAD_NET:=198.18.0.0/16}"      # RFC 2544 benchmark range: load-generator sources
: "${TUN_MTU:=1420}"                # inner MTU of WireGuard and OpenVPN
: "${STATE:=/var/tmp/pqconnect-bench}"  # pid files, configs, logs (not under /run: our daemons get a private /run)
: "${CACHE:=/var/cache/pqconnect-bench}"   # unpacked wireguard-go builds
: "${PQREF_ROOT:=/opt/pqref/root}"  # trixie chroot with the reference (tests/interop/refroot-setup)

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC_ROOT=$(cd "$BENCH_DIR/.." && pwd)
: "${BUILD:=$SRC_ROOT/build-bench}"
CLK_TCK=$(getconf CLK_TCK)
PY=/usr/bin/python3                  # Debian's, with python3-matplotlib
export NS_A NS_B VETH_A VETH_B OUT_A OUT_B IN_A IN_B LOAD_NET TUN_MTU STATE CACHE PQREF_ROOT BUILD

say()  { printf '%s bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { say "ERROR: $*"; exit 1; }
inA()  { ip netns exec "$NS_A" "$@"; }
inB()  { ip netns exec "$NS_B" "$@"; }
ns_exists() { [ -e "/run/netns/$1" ]; }
now()  { date +%s.%N; }
fcalc() { awk "BEGIN { printf \"%.${2:-3}f\", ($1) }"; }

# ------------------------------------------------------------ processes --
# Pid files hold "<pid> <starttime> <label>" lines.  A process is signalled
# only while /proc/<pid>/stat still shows that start time.
starttime() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0; s=${s##*) }; set -- $s; echo "${20}"; }
is_running() {      # PID STARTTIME
    local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }
    [ "${s%% *}" != Z ] && [ "$(starttime "$1")" = "$2" ]
}
# launch PIDFILE LABEL LOG CMD... : CMD in the background; CMD must exec into
# the long-running program (ip netns exec, sh -c '... exec', chroot all do) so
# that the pid recorded is the program itself.  Prints the pid.
launch() {
    local pf=$1 label=$2 log=$3 pid st i
    shift 3
    mkdir -p "$(dirname "$pf")" "$(dirname "$log")"
    setsid env --default-signal=INT,QUIT "$@" </dev/null >>"$log" 2>&1 &
    pid=$!
    for i in $(seq 50); do st=$(starttime "$pid"); [ -n "$st" ] && break; sleep 0.02; done
    [ -n "$st" ] || { say "$label exited at once (see $log)"; return 1; }
    echo "$pid $st $label" >>"$pf"
    echo "$pid"
}
# stop_pids PIDFILE [SIG] : SIG (TERM) to every recorded process still ours,
# bounded wait, TERM after 2 s, KILL after 5 s.
stop_pids() {
    local pf=$1 sig=${2:-TERM} pid st label i left
    [ -f "$pf" ] || return 0
    while read -r pid st label; do is_running "$pid" "$st" && kill -"$sig" "$pid" 2>/dev/null; done <"$pf"
    for i in $(seq 50); do
        left=0
        while read -r pid st label; do
            is_running "$pid" "$st" || continue
            left=1
            [ "$i" = 20 ] && kill -TERM "$pid" 2>/dev/null
        done <"$pf"
        [ $left = 0 ] && break
        sleep 0.1
    done
    while read -r pid st label; do
        is_running "$pid" "$st" && { say "$label (pid $pid) still there: KILL"; kill -KILL "$pid" 2>/dev/null; }
    done <"$pf"
    rm -f "$pf"
}
all_running() {     # PIDFILE: every recorded process still runs
    local pid st label n=0
    [ -s "$1" ] || return 1
    while read -r pid st label; do is_running "$pid" "$st" || return 1; n=$((n + 1)); done <"$1"
    [ $n -gt 0 ]
}
descendants() {     # PID -> PID and every descendant
    ps -e -o pid=,ppid= | awk -v top="$1" '{ kid[$2] = kid[$2] " " $1 }
        END { q[1] = top; n = 1; for (i = 1; i <= n; i++) { printf "%s ", q[i]
              m = split(kid[q[i]], c, " "); for (j = 1; j <= m; j++) q[++n] = c[j] } }'
}
# cpu_ticks PIDFILE -> utime+stime (all threads) of the recorded processes
# and their descendants (the reference forks its workers)
cpu_ticks() {
    local pid st label p s total=0
    [ -f "$1" ] || { echo 0; return; }
    while read -r pid st label; do
        is_running "$pid" "$st" || continue
        for p in $(descendants "$pid"); do
            s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
            s=${s##*) }; set -- $s
            total=$((total + ${12} + ${13}))
        done
    done <"$1"
    echo "$total"
}
first_pid() { awk -v l="$2" '$3 == l { print $1; exit }' "$1" 2>/dev/null; }   # PIDFILE LABEL

# ------------------------------------------------------------ namespaces --
netns_up() {
    local ns
    for ns in "$NS_A" "$NS_B"; do
        ns_exists "$ns" && die "namespace $ns exists already (an earlier run? bench/run --cleanup removes it)"
    done
    mkdir -p "$STATE"
    ip netns add "$NS_A" && echo "$NS_A" >>"$STATE/netns"
    ip netns add "$NS_B" && echo "$NS_B" >>"$STATE/netns"
    # both ends are created inside the namespaces: the pair never exists outside
    ip link add "$VETH_A" netns "$NS_A" type veth peer name "$VETH_B" netns "$NS_B"
    inA ip link set lo up; inB ip link set lo up
    inA ip addr add "$OUT_A/24" dev "$VETH_A"; inB ip addr add "$OUT_B/24" dev "$VETH_B"
    inA ip link set "$VETH_A" up; inB ip link set "$VETH_B" up
    # load sources: any address of $LOAD_NET is local in A (one route, no
    # per-address work), B answers them through A
    inA ip route add local "$LOAD_NET" dev lo
    inB ip route add "$LOAD_NET" via "$OUT_A"
    local i
    for i in $(seq 50); do inA ping -c1 -W1 -q "$OUT_B" >/dev/null 2>&1 && return 0; sleep 0.1; done
    die "veth between $NS_A and $NS_B does not pass packets"
}
netns_down() {
    local ns
    [ -f "$STATE/netns" ] || return 0
    while read -r ns; do ns_exists "$ns" && ip netns del "$ns"; done <"$STATE/netns"
    rm -f "$STATE/netns"
}


# the reference runs inside its chroot, with /proc, /sys, /dev and empty
# /run and /tmp (mounts private to the command, as above)
CHROOT_SH='set -e; root=$1; shift
mount -t proc proc "$root/proc"; mount -t sysfs sysfs "$root/sys"; mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=0755 tmpfs "$root/run"; mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
exec chroot "$root" "$@"'
in_chroot() { local ns=$1; shift; ip netns exec "$ns" /bin/sh -c "$CHROOT_SH" chroot "$PQREF_ROOT" "$@"; }

# DNSCurve base32 of a port (2 bytes big-endian, PROTOCOL.md 4.3)
port_b32() {
    local a=0123456789bcdfghjklmnpqrstuvwxyz x
    x=$(( (($1 & 255) << 8) | ($1 >> 8) ))
    printf '%s%s%s%s' "${a:$((x & 31)):1}" "${a:$(((x >> 5) & 31)):1}" "${a:$(((x >> 10) & 31)):1}" "${a:$((x >> 15)):1}"
}
# dnsmasq_start PIDFILE DIR HASH52 CPORT KPORT : dnsmasq in B on $OUT_B:53,
# www.pqbench.example CNAME pq1<hash><ports>.pqbench.example A $OUT_B
dnsmasq_start() {
    local pf=$1 d=$2 name
    name=pq1$3$(port_b32 "$4")$(port_b32 "$5").pqbench.example
    mkdir -p "$d"
    printf '%s\n' no-resolv no-hosts no-poll bind-interfaces "listen-address=$OUT_B" port=53 user=root \
        log-facility=- local-ttl=0 local=/pqbench.example/ "host-record=$name,$OUT_B" \
        "cname=www.pqbench.example,$name" >"$d/dnsmasq.conf"
    launch "$pf" dnsmasq "$d/dnsmasq.log" ip netns exec "$NS_B" /usr/sbin/dnsmasq --keep-in-foreground \
        --pid-file= --conf-file="$d/dnsmasq.conf" >/dev/null
    wait_udp "$NS_B" 53 10 || die "dnsmasq does not listen (see $d/dnsmasq.log)"
}
wait_udp() {        # NS PORT SECONDS
    local i
    for i in $(seq $(($3 * 10))); do
        ip netns exec "$1" ss -Hunl "sport = :$2" 2>/dev/null | grep -q . && return 0
        sleep 0.1
    done
    return 1
}
wait_grep() {       # FILE REGEX SECONDS
    local i
    for i in $(seq $(($3 * 10))); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}
