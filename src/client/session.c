/* Session resumption, the client's side (see session.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "common.h"
#include "client/client.h"
#include "client/lifecycle.h"
#include "client/session.h"
#include "io/keyfiles.h"
#include "io/log.h"

#define STATE_FILE "sessions"
#define MAX_RESTORED 4096       /* peers read back from the state file at most */

int session_server_is_ours(const struct peer *p)
{
	return p->cookie_state > 0 || (p->cookie_state == 0 && p->sess_have);
}

int session_claim(struct peer *p, uint8_t out[SM_CLAIM_LEN], uint64_t now)
{
	if (!session_server_is_ours(p) || !p->has_tunnel)
		return -1;
	p->claim_at = now;
	p->grant_change_ok = 1;
	sessionmsg_claim_build(out, p->sess_have ? p->sess_addr : 0, p->sess_secret, p->tun.tid);
	return p->sess_have ? 1 : 0;
}

void session_rx(struct peer *p, const uint8_t *pt, size_t len, uint64_t now)
{
	int resumed;
	uint32_t addr;
	const uint8_t *secret;

	if (!session_server_is_ours(p) || sessionmsg_grant_parse(pt, len, &resumed, &addr, &secret) < 0) {
		client.cnt.sess_bad++;
		log_ratelimited(L_DEBUG, "sess_bad", "session message of %zu bytes from %s dropped", len, sa_str(&p->ep));
		return;
	}
	int changed = !p->sess_have || p->sess_addr != addr || memcmp(p->sess_secret, secret, SM_SECRET_LEN);
	if (!p->claim_at || now > p->claim_at + SESSION_GRANT_WINDOW_MS || (changed && !p->grant_change_ok)) {
		/* no claim of ours is out, or this claim's grant was taken */
		client.cnt.sess_bad++;
		log_ratelimited(L_DEBUG, "sess_unasked", "a grant from %s that no claim asked for: dropped",
		                sa_str(&p->ep));
		return;
	}
	client.cnt.sess_grants++;
	if (changed) {
		p->grant_change_ok = 0;
		if (p->sess_have && p->sess_addr != addr)
			log_ratelimited(L_INFO, "sess_addr", "%s: our address on the server is now %s (was %s)",
			                sa_host_str(&p->ext), ip4_str(addr), ip4_str(p->sess_addr));
		p->sess_have = 1;
		p->sess_addr = addr;
		memcpy(p->sess_secret, secret, SM_SECRET_LEN);
		session_save();
	}
	peer_ev_session_grant(p, resumed, now);
}

void session_save(void)
{
	unsigned n = 0;
	if (!client.keydir)
		return;
	for (struct peer *p = peers_first(); p; p = p->next_all)
		n += p->ext.sa.sa_family && p->have_ports;
	size_t len = statefile_client_size(n);
	uint8_t *buf = malloc(len);
	if (!buf)
		return;
	n = 0;
	for (struct peer *p = peers_first(); p; p = p->next_all) {
		if (!p->ext.sa.sa_family || !p->have_ports)
			continue;
		struct sf_client_rec r = { .cryptoport = p->cryptoport, .keyport = p->keyport,
		                           .local_addr = p->int_addr, .sess_addr = p->sess_have ? p->sess_addr : 0 };
		memcpy(r.hash, p->hash, 32);
		sa_addr16(&p->ext, r.server);
		if (p->sess_have)
			memcpy(r.secret, p->sess_secret, SM_SECRET_LEN);
		statefile_client_rec_build(buf + statefile_client_size(n++), &r);
		wipe(&r, sizeof r);
	}
	statefile_client_header(buf, n);
	if (keyfile_write(client.keydir, STATE_FILE, buf, len, 0600) < 0)
		log_ratelimited(L_WARNING, "sess_save", "%s/%s: could not be written", client.keydir, STATE_FILE);
	wipe(buf, len);
	free(buf);
}

void session_load(uint64_t now)
{
	size_t cap = statefile_client_size(MAX_RESTORED), len = 0;
	unsigned ok = 0, bad = 0;
	uint8_t *buf = client.keydir ? malloc(cap) : NULL;

	if (!buf)
		return;
	if (keyfile_read_upto(client.keydir, STATE_FILE, buf, cap, &len) < 0) {
		if (errno != ENOENT)
			log_warn("%s/%s: unreadable, no peers restored", client.keydir, STATE_FILE);
		free(buf);
		return;
	}
	long n = statefile_client_count(buf, len);
	if (n < 0) {
		log_warn("%s/%s: not a session file of the right size (%zu bytes): ignored", client.keydir, STATE_FILE,
		         len);
		n = 0;
	}
	for (long i = 0; i < n; i++) {
		struct sf_client_rec r;
		struct peer *p;
		if (statefile_client_rec_parse(buf, len, (size_t)i, &r) < 0 || !peertable_is_internal(r.local_addr)) {
			bad++;
			wipe(&r, sizeof r);
			continue;
		}
		/* a static peer (the peers file was applied first) keeps its
		 * address and location; it takes the grant */
		p = peer_by_hash(r.hash);
		if (p && p->is_static && p->int_addr == r.local_addr && r.sess_addr && !p->sess_have) {
			p->sess_have = 1;
			p->sess_addr = r.sess_addr;
			memcpy(p->sess_secret, r.secret, SM_SECRET_LEN);
			wipe(&r, sizeof r);
			ok++;
			continue;
		}
		if (p || !(p = peer_ev_restored(r.hash, r.local_addr, r.server, r.cryptoport, r.keyport, now))) {
			bad++;
			wipe(&r, sizeof r);
			continue;
		}
		if (r.sess_addr) {
			p->sess_have = 1;
			p->sess_addr = r.sess_addr;
			memcpy(p->sess_secret, r.secret, SM_SECRET_LEN);
			peer_ev_restored_start(p, now);
		}
		wipe(&r, sizeof r);
		ok++;
	}
	wipe(buf, len);
	free(buf);
	if (ok || bad)
		log_info("restored %u peer%s from %s/%s%s", ok, ok == 1 ? "" : "s", client.keydir, STATE_FILE,
		         bad ? " (some records unusable)" : "");
}
