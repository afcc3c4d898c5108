/* The key server (PROTOCOL.md §6): answers static key-tree requests and
 * ephemeral-key requests.  Only requests of exactly the size of their answer
 * are answered, so no reply is ever larger than its request. */
#include <string.h>
#include "common.h"
#include "io/log.h"
#include "proto/cookiemsg.h"
#include "proto/featmsg.h"
#include "proto/keymsg.h"
#include "server/server.h"

static void answer_static(struct server *s, const struct keytree *tree, struct udp_tx *tx, const uint8_t *msg,
                          size_t len, const union sockaddr_any *from)
{
	unsigned depth, pos;
	size_t nlen;
	const uint8_t *node;

	if (keymsg_static_req_parse(msg, len, &depth, &pos) < 0 ||
	    !(node = keytree_node(tree, depth, pos, &nlen))) {
		s->st.key_static_bad++;
		log_ratelimited(L_DEBUG, "ks_bad", "Invalid static key request from %s", sa_str(from));
		return;
	}
	if (len != KM_STATIC_OVERHEAD + nlen) {
		s->st.key_static_size++;
		log_ratelimited(L_DEBUG, "ks_size", "Static key request of %zu bytes for a %zu-byte answer from %s: dropped",
		                len, KM_STATIC_OVERHEAD + nlen, sa_str(from));
		return;
	}
	uint8_t *out = udp_tx_slot(tx);
	int n = keymsg_static_resp_build(out, UDP_BUFSZ, depth, pos, node, nlen);
	if (n < 0 || (size_t)n > len) {
		s->st.key_static_bad++;
		return;
	}
	udp_tx_commit_from(tx, (size_t)n, from, &s->rx_local);
	if (tree == &s->tree)
		s->st.key_static_ok++;
	else
		s->st.key_next_static_ok++;
	log_trace("Sending static key segment (%u, %u) to %s", depth, pos, sa_str(from));
}

static void answer_eph(struct server *s, struct udp_tx *tx, const uint8_t *msg, size_t len,
                       const union sockaddr_any *from)
{
	const struct ephkey *e;
	if (keymsg_eph_req_check(msg, len) < 0) {
		s->st.key_eph_bad++;
		log_ratelimited(L_DEBUG, "ks_eph", "Invalid ephemeral key request (%zu bytes) from %s", len, sa_str(from));
		return;
	}
	e = ephkeys_current(&s->eph, wall_s());
	if (!e) {
		s->st.key_eph_bad++;
		return;
	}
	keymsg_eph_resp_build(udp_tx_slot(tx), e->ntru_pk, e->x_pk);
	udp_tx_commit_from(tx, KM_EPH_LEN, from, &s->rx_local);
	s->st.key_eph_ok++;
	log_debug("Sending ephemeral key to %s", sa_str(from));
}

/* An address cookie (proto/cookiemsg.h) for the request's source.  The
 * reply is exactly as long as the request. */
static void answer_cookie(struct server *s, struct udp_tx *tx, const uint8_t *msg, size_t len,
                          const union sockaddr_any *from, uint64_t now)
{
	const uint8_t *nonce;
	uint8_t addr[16], cookie[COOKIE_LEN];
	if (cookiemsg_req_parse(msg, len, &nonce) < 0) {
		s->st.key_cookie_bad++;
		log_ratelimited(L_DEBUG, "ks_cookie", "Invalid cookie request (%zu bytes) from %s", len, sa_str(from));
		return;
	}
	sa_addr16(from, addr);
	cookie_make(&s->cookies, now, addr, sa_port(from), cookie);
	cookiemsg_reply_build(udp_tx_slot(tx), nonce, cookie);
	udp_tx_commit_from(tx, CM_LEN, from, &s->rx_local);
	s->st.key_cookie_ok++;
	log_trace("Sending cookie to %s", sa_str(from));
}

/* What this server offers beyond the reference (proto/featmsg.h).  Only
 * our clients ask, and only after a cookie reply; the reply is exactly as
 * long as the request. */
static void answer_features(struct server *s, struct udp_tx *tx, const uint8_t *msg, size_t len,
                            const union sockaddr_any *from)
{
	const uint8_t *nonce;
	if (featmsg_req_parse(msg, len, &nonce) < 0) {
		s->st.key_feat_bad++;
		log_ratelimited(L_DEBUG, "ks_feat", "Invalid feature request (%zu bytes) from %s", len, sa_str(from));
		return;
	}
	featmsg_reply_build(udp_tx_slot(tx), nonce, s->inner6 ? FEAT_INNER6 : 0);
	udp_tx_commit_from(tx, FM_LEN, from, &s->rx_local);     /* from the address asked (multi-homed) */
	s->st.key_feat_ok++;
	log_trace("Sending features to %s", sa_str(from));
}

/* Both key ports share the rate limit, the ephemeral keys and the cookie
 * secret; only the static tree differs. */
static void key_datagram(struct server *s, const struct keytree *tree, struct udp_tx *tx, const uint8_t *m,
                         size_t len, const union sockaddr_any *from, uint64_t now)
{
	if (!ratelimit_allow(&s->key_rl, ratelimit_key(&from->sa), now)) {
		s->st.key_ratelimited++;
		return;
	}
	if (len >= 2 && load16_be(m) == KM_STATIC_REQ)
		answer_static(s, tree, tx, m, len, from);
	else if (len >= 2 && load16_be(m) == KM_EPH_REQ)
		answer_eph(s, tx, m, len, from);
	else if (len >= 2 && load16_be(m) == CM_REQ_TYPE)
		answer_cookie(s, tx, m, len, from, now);
	else if (len >= 2 && load16_be(m) == FM_REQ_TYPE)
		answer_features(s, tx, m, len, from);
	else {
		s->st.key_unknown_type++;
		log_ratelimited(L_DEBUG, "ks_type", "Invalid request received from %s", sa_str(from));
	}
}

void keyserver_datagram(struct server *s, const uint8_t *m, size_t len, const union sockaddr_any *from, uint64_t now)
{
	key_datagram(s, &s->tree, &s->ktx, m, len, from, now);
}

void keyserver_next_datagram(struct server *s, const uint8_t *m, size_t len, const union sockaddr_any *from,
                             uint64_t now)
{
	key_datagram(s, &s->next.tree, &s->next.tx, m, len, from, now);
}

void keyserver_readable(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct server *s = arg;
	int next = s->next.mce_sk && fd == s->next.fd;
	int n;
	/* bounded work per wake-up, so the crypto port is never starved */
	for (int round = 0; round < 8; round++) {
		n = udp_recv_batch(fd, &s->rx);
		s->st.udp_truncated += s->rx.truncated;
		if (n <= 0 && !s->rx.truncated)
			break;
		uint64_t now = now_ms();
		for (int i = 0; i < n; i++) {
			s->rx_local = *s->rx.dg[i].local;
			(next ? keyserver_next_datagram : keyserver_datagram)(s, s->rx.dg[i].p, s->rx.dg[i].len,
			                                                       s->rx.dg[i].from, now);
		}
		s->rx_local.set = 0;
		udp_tx_flush(next ? &s->next.tx : &s->ktx);
	}
}
