#!/bin/bash
# Key files and pq1 names agree between our pqconnect-keygen and the
# reference's (Debian pqconnect, in the chroot $PQREF_ROOT), both ways:
#   - keys made by ours, read by the reference's `-D`;
#   - keys made by the reference, read by our `-D`;
# with the default ports and with 624/584.
# Usage: tests/e2e/keygen-interop.sh BUILD_DIR
# Prints ok/FAIL lines; exit 0 = all ok, 1 = a failure, 77 = skipped.
set -u

BUILD=${1:?usage: $0 BUILD_DIR}
KG=$(cd "$BUILD" && pwd)/src/tools/pqconnect-keygen
ROOT=${PQREF_ROOT:-/opt/pqref/root}

if [ ! -x "$ROOT/usr/bin/pqconnect-keygen" ]; then
	echo "skip: no reference chroot at $ROOT"
	exit 77
fi
if [ "$(id -u)" != 0 ]; then
	echo "skip: chroot needs root"
	exit 77
fi
if [ ! -x "$KG" ]; then
	echo "FAIL: $KG not built"
	exit 1
fi

W=$(mktemp -d "$ROOT/tmp/pqc-kgi.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
IN=${W#"$ROOT"}          # the same directory seen from inside the chroot
failed=0

ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*"; failed=1; }

hash_of() { sed -n 's/^The public key hash for your keys is: \([0-9a-z]*\)$/\1/p' "$1" | head -n 1; }
cname_of() { grep -E '^CNAME +SUBDOMAIN +pq1[0-9a-z]+' "$1" | awk '{print $3}' | head -n 1; }
mode_of() { stat -c %a "$1"; }

for ports in "42424 42425 55g15fg1" "624 584 20w020l0"; do
	set -- $ports
	cp=$1 kp=$2 suffix=$3
	C=$W/conf-$cp
	mkdir -p "$C"
	echo "$cp" > "$C/pqcport"
	echo "$kp" > "$C/keyport"

	# 1. ours generates, the reference reads
	K=$W/ours-$cp
	if "$KG" -c "$C" -d "$K" > "$W/ours-gen-$cp.out" 2>&1; then
		ok "our keygen ($cp/$kp)"
	else
		fail "our keygen ($cp/$kp) exit $?"; cat "$W/ours-gen-$cp.out"; continue
	fi
	chroot "$ROOT" pqconnect-keygen -D -c "$IN/conf-$cp" -d "$IN/ours-$cp" > "$W/ref-D-$cp.out" 2>&1 </dev/null
	ours_hash=$(hash_of "$W/ours-gen-$cp.out")
	ref_hash=$(hash_of "$W/ref-D-$cp.out")
	ours_name=$(cname_of "$W/ours-gen-$cp.out")
	ref_name=$(cname_of "$W/ref-D-$cp.out")
	if [ -n "$ours_hash" ] && [ "$ours_hash" = "$ref_hash" ]; then
		ok "reference -D reads our keys: same hash $ours_hash"
	else
		fail "hash of our keys: ours '$ours_hash', reference '$ref_hash'"; cat "$W/ref-D-$cp.out"
	fi
	if [ -n "$ours_name" ] && [ "$ours_name" = "$ref_name" ]; then
		ok "same CNAME target $ours_name"
	else
		fail "CNAME target: ours '$ours_name', reference '$ref_name'"
	fi
	case "$ours_name" in
	pq1"$ours_hash$suffix".DOMAIN.TLD) ok "port suffix $suffix" ;;
	*) fail "name $ours_name does not end in the ports $suffix" ;;
	esac

	# 2. the reference generates, ours reads
	R=$W/ref-$cp
	mkdir -p "$R"
	if chroot "$ROOT" pqconnect-keygen -c "$IN/conf-$cp" -d "$IN/ref-$cp" > "$W/ref-gen-$cp.out" 2>&1 </dev/null \
	   && [ -s "$R/mceliece_pk" ]; then
		ok "reference keygen ($cp/$kp)"
	else
		fail "reference keygen ($cp/$kp)"; cat "$W/ref-gen-$cp.out"; continue
	fi
	"$KG" -D -c "$C" -d "$R" > "$W/ours-D-$cp.out" 2>&1
	rc=$?
	ref_hash=$(hash_of "$W/ref-gen-$cp.out")
	ours_hash=$(hash_of "$W/ours-D-$cp.out")
	ref_name=$(cname_of "$W/ref-gen-$cp.out")
	ours_name=$(cname_of "$W/ours-D-$cp.out")
	if [ $rc = 0 ] && [ -n "$ref_hash" ] && [ "$ours_hash" = "$ref_hash" ]; then
		ok "our -D reads the reference's keys: same hash $ref_hash"
	else
		fail "hash of reference keys: reference '$ref_hash', ours '$ours_hash' (exit $rc)"; cat "$W/ours-D-$cp.out"
	fi
	if [ -n "$ref_name" ] && [ "$ours_name" = "$ref_name" ]; then
		ok "same CNAME target $ref_name"
	else
		fail "CNAME target: reference '$ref_name', ours '$ours_name'"
	fi

	# 3. same file names, sizes and modes
	same=1
	for f in mceliece_pk mceliece_sk x25519_pk x25519_sk session_key DNS_Record_Update_HOWTO.txt; do
		[ -f "$K/$f" ] && [ -f "$R/$f" ] || { same=0; echo "# missing $f"; continue; }
		[ "$(mode_of "$K/$f")" = "$(mode_of "$R/$f")" ] || { same=0; echo "# mode of $f: ours $(mode_of "$K/$f"), reference $(mode_of "$R/$f")"; }
		case $f in *.txt) continue ;; esac
		[ "$(stat -c %s "$K/$f")" = "$(stat -c %s "$R/$f")" ] || { same=0; echo "# size of $f differs"; }
	done
	if [ $same = 1 ]; then ok "same key files, sizes and modes"; else fail "key files differ"; fi

	# 4. our -D on our own keys repeats the name
	"$KG" -D -c "$C" -d "$K" > "$W/ours-D2-$cp.out" 2>&1
	if [ "$(cname_of "$W/ours-D2-$cp.out")" = "$(cname_of "$W/ours-gen-$cp.out")" ]; then
		ok "our -D repeats our name"
	else
		fail "our -D gives another name for our keys"
	fi
done

# 5. odd port files (PROTOCOL.md §3.2: stripped, int, & 65535): both -D
# read them the same way, so the name announces the port the server binds
K=$W/ours-42424
for odd in "107960 -1" " +624 	-64952"; do
	set -- $odd
	C=$W/conf-odd
	mkdir -p "$C"
	printf '%s\n' "$1" > "$C/pqcport"
	printf '%s\n' "$2" > "$C/keyport"
	chroot "$ROOT" pqconnect-keygen -D -c "$IN/conf-odd" -d "$IN/ours-42424" > "$W/ref-odd.out" 2>&1 </dev/null
	"$KG" -D -c "$C" -d "$K" > "$W/ours-odd.out" 2>&1
	ref_name=$(cname_of "$W/ref-odd.out"); ours_name=$(cname_of "$W/ours-odd.out")
	if [ -n "$ref_name" ] && [ "$ours_name" = "$ref_name" ]; then
		ok "port files '$1' / '$2': same name $ours_name"
	else
		fail "port files '$1' / '$2': reference '$ref_name', ours '$ours_name'"; cat "$W/ref-odd.out" "$W/ours-odd.out"
	fi
done

[ $failed = 0 ] && echo "all ok" || echo "some checks FAILED"
exit $failed
