# shellcheck shell=bash disable=SC2034
# Shared by the operator scripts in this directory (sourced, not run).
#
# Where the programs are taken from (first match wins):
#   1. $PQC_BINDIR, if set (nothing else is tried); or $PQC_BUILD, a meson build
#      directory (its src/{client,server,tools}; nothing else is tried);
#   2. $PREFIX/bin (PREFIX defaults to /usr/local: what scripts/install-pqconnect installs);
#   3. /usr/bin (the Debian package);
#   4. the build tree of this source directory (build/src/...), so that run-server,
#      run-client and the key scripts also work right after `meson setup build && ninja -C build`.
# The systemd start scripts accept only 1-3: a unit must not run a program out of a
# source tree (which may be under /root, hidden by ProtectHome=yes).
#
# Where the configuration is: $PQC_ETC (default /etc/pqconnect), with keys/ and config/.

PQC_SCRIPT=$(basename "$0")
PQC_SRC=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${PREFIX:-/usr/local}
PQC_ETC=${PQC_ETC:-/etc/pqconnect}
PQC_KEYS=$PQC_ETC/keys
PQC_CONFIG=$PQC_ETC/config

say() { printf '%s: %s\n' "$PQC_SCRIPT" "$*"; }
die() { printf '%s: ERROR: %s\n' "$PQC_SCRIPT" "$*" >&2; exit 1; }

need_root() { [ "$(id -u)" = 0 ] || die "must run as root (try: sudo $0)"; }

# pqc_installed_bin NAME: the installed program, or nothing
pqc_installed_bin() {
    local name=$1
    if [ -n "${PQC_BINDIR:-}" ]; then
        [ -x "$PQC_BINDIR/$name" ] && echo "$PQC_BINDIR/$name"
        return 0
    fi
    [ -z "${PQC_BUILD:-}" ] || return 0
    if [ -x "$PREFIX/bin/$name" ]; then echo "$PREFIX/bin/$name"
    elif [ -x "/usr/bin/$name" ]; then echo "/usr/bin/$name"
    fi
    return 0
}

# pqc_bin NAME: installed program, else the one in build/ of this tree; dies if none
pqc_bin() {
    local name=$1 p sub
    p=$(pqc_installed_bin "$name")
    if [ -z "$p" ] && [ -z "${PQC_BINDIR:-}" ]; then
        case $name in
            pqconnect) sub=client ;;
            pqconnect-server) sub=server ;;
            *) sub=tools ;;
        esac
        build=${PQC_BUILD:-$PQC_SRC/build}
        if [ -x "$build/src/$sub/$name" ]; then p=$build/src/$sub/$name; fi
    fi
    [ -n "$p" ] || die "$name not found in ${PQC_BINDIR:-${PQC_BUILD:-$PREFIX/bin, /usr/bin or $PQC_SRC/build}}: run scripts/install-pqconnect first"
    echo "$p"
}

# pqc_port_arg VALUE: a decimal port 1..65535 or die
pqc_port_arg() {
    case $1 in
        ''|*[!0-9]*) die "'$1' is not a port number (1..65535)" ;;
    esac
    if [ "${#1}" -gt 5 ] || [ "$1" -lt 1 ] || [ "$1" -gt 65535 ]; then
        die "'$1' is not a port number (1..65535)"
    fi
}

# pqc_read_port FILE DEFAULT: the port in FILE (validated), or DEFAULT if there is none
pqc_read_port() {
    local v
    if [ -f "$1" ]; then
        v=$(tr -d ' \t\r\n' < "$1")
        pqc_port_arg "$v"
        echo "$v"
    else
        echo "$2"
    fi
}

# pqc_have_keys: the server's long-term key files are all there
pqc_have_keys() {
    local f
    for f in mceliece_pk mceliece_sk x25519_pk x25519_sk session_key; do
        [ -f "$PQC_KEYS/$f" ] || return 1
    done
}

# pqc_share_config: the config directory and its files readable by the
# group pqconnect (ports and host are no secret), so that the unprivileged
# server can re-read them on a reload (pqconnect-server(8), RELOAD)
pqc_share_config() {
    getent group pqconnect >/dev/null || return 0
    [ -d "$PQC_CONFIG" ] || return 0
    chgrp pqconnect "$PQC_CONFIG" && chmod 0750 "$PQC_CONFIG" || return 0
    local f
    for f in "$PQC_CONFIG"/*; do
        [ -f "$f" ] || continue
        chgrp pqconnect "$f" && chmod 0640 "$f"
    done
    return 0
}
