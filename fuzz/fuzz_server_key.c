/* server_key: datagrams into the server's key-port dispatch
 * (keyserver_datagram): static key-tree requests and ephemeral-key
 * requests, cookie and feature requests, with a key tree and ephemeral keys
 * made once at start.
 *
 * Input: byte 0 unused (set-up, kept for the shape of the other harnesses),
 * then operations; op & 15 is the kind, op >> 4 the source (fz_source):
 *   0  raw datagram: u16 length, bytes
 *   1  a well-formed static request: depth u8 % 5, position u16 % 1024,
 *      then a length change s8 and the byte at u8 to replace with u8
 *   2  a well-formed ephemeral-key request, then a length change s8
 *   3  time passes: u16 ms (the rate limits)
 *   4  end of a receive batch: flush the replies
 * Invariants: no answer is longer than its request; exactly one counter
 * moves per datagram. */
#include <stdlib.h>
#include <string.h>
#include "daemon.h"
#include "server_env.h"
#include "io/loop.h"
#include "proto/keymsg.h"

static uint8_t dg[65536 + 256];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fzs_init();
	return 0;
}

static uint64_t counted(const struct server_stats *st)
{
	return st->key_static_ok + st->key_static_bad + st->key_static_size + st->key_eph_ok + st->key_eph_bad +
	       st->key_ratelimited + st->key_unknown_type + st->key_cookie_ok + st->key_cookie_bad + st->key_feat_ok +
	       st->key_feat_bad;
}

static void dispatch(const uint8_t *m, size_t len, const union sockaddr_any *from, uint64_t now)
{
	struct server *s = &fzs.s;
	uint64_t before = counted(&s->st);
	int queued = s->ktx.n;
	keyserver_datagram(s, m, len, from, now);
	FUZZ_ASSERT(counted(&s->st) == before + 1);
	/* an answer, if any, is the newest slot (a full batch was flushed first) */
	if (s->ktx.n != queued && s->ktx.n > 0)
		FUZZ_ASSERT(s->ktx.len[s->ktx.n - 1] <= len);
}

/* Make the length len + d (at least 0, at most the buffer), zero-filling. */
static size_t resize(size_t len, int d)
{
	if (d < 0 && (size_t)-d > len)
		return 0;
	if (d > 0)
		memset(dg + len, 0, (size_t)d);
	return (size_t)((long)len + d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = { data, size };
	struct server *s = &fzs.s;
	union sockaddr_any from;
	uint64_t now = now_ms();
	size_t got, len;

	fz_u8(&in);
	fzs_reset(now, 0, 0, 0);
	while (in.n) {
		unsigned op = fz_u8(&in);
		fz_source(&from, op >> 4);
		switch (op & 15) {
		default:
		case 0: {
			const uint8_t *m = fz_bytes(&in, fz_u16(&in), &got);
			memcpy(dg, m, got);
			dispatch(dg, got, &from, now);
			break;
		}
		case 1: {
			unsigned depth = fz_u8(&in) % 5, pos = fz_u16(&in) % 1024;
			int d = (int8_t)fz_u8(&in);
			unsigned at = fz_u16(&in), v = fz_u8(&in);
			int n = keymsg_static_req_build(dg, sizeof dg - 256, depth, pos);
			if (n < 0)
				break;
			len = resize((size_t)n, d);
			if (len && v)
				dg[at % len] = (uint8_t)v;
			dispatch(dg, len, &from, now);
			break;
		}
		case 2: {
			keymsg_eph_req_build(dg);
			len = resize(KM_EPH_LEN, (int8_t)fz_u8(&in));
			dispatch(dg, len, &from, now);
			break;
		}
		case 3:
			now += fz_u16(&in);
			break;
		case 4:
			udp_tx_flush(&s->ktx);
			break;
		}
	}
	fzs_finish();
	return 0;
}
