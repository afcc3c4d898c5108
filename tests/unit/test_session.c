/* The client's side of session resumption without sockets: a grant is taken
 * only soon after a claim of ours, it changes what we hold at most once per
 * claim, and only a change rewrites the state file.  (An independent review
 * measured 9 ms of blocking per unsolicited grant before: a server sending
 * grants with new secrets stalled the worker.) */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "common.h"
#include "client/client.h"
#include "client/lifecycle.h"
#include "client/session.h"

struct client client;

static int fk_start(struct peer *p) { (void)p; return 0; }
static void fk_abort(struct peer *p) { (void)p; }
static void fk_probe(struct peer *p, uint64_t now) { (void)p, (void)now; }
static void fk_keepalive(struct peer *p, uint64_t now) { (void)p, (void)now; }
static void fk_release(struct peer *p, int ok) { (void)p, (void)ok; }
static void fk_packets(struct peer *p, int ok) { (void)p, (void)ok; }
static int fk_claim(struct peer *p, uint64_t now) { (void)p, (void)now; return -1; }
static void fk_iface(struct peer *p, int up) { (void)p, (void)up; }
static void fk_reply(struct peer *p, uint16_t seq, uint64_t now) { (void)p, (void)seq, (void)now; }
static void fk_arm(struct peer *p, uint64_t at) { (void)p, (void)at; }
static void fk_added(struct peer *p, uint64_t now) { (void)p, (void)now; }
static void fk_removing(struct peer *p) { (void)p; }

static const struct lifecycle_hooks fakes = {
	.attempt_start = fk_start, .attempt_abort = fk_abort, .send_probe = fk_probe,
	.send_keepalive = fk_keepalive, .answers_release = fk_release, .packets_release = fk_packets, .iface = fk_iface,
	.send_claim = fk_claim, .probe_reply = fk_reply, .arm = fk_arm, .added = fk_added, .removing = fk_removing,
};

static char dir[] = "/tmp/pqc-test-session-XXXXXX";

/* the state file's modification, to tell whether it was written */
static long long written(void)
{
	char path[sizeof dir + 16];
	struct stat st;
	snprintf(path, sizeof path, "%s/sessions", dir);
	if (stat(path, &st) < 0)
		return -1;
	return (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec + (long long)st.st_ino;
}

static void grant(struct peer *p, uint32_t addr, uint8_t fill, uint64_t now)
{
	uint8_t g[SM_GRANT_LEN], secret[SM_SECRET_LEN];
	memset(secret, fill, sizeof secret);
	sessionmsg_grant_build(g, 0, addr, secret);
	session_rx(p, g, sizeof g, now);
}

int main(void)
{
	uint8_t hash[32], claim[SM_CLAIM_LEN];
	uint64_t t = 1000000;

	CHECK(crypto_init() == 0);
	CHECK(mkdtemp(dir) != NULL);
	loop_init(&client.loop);
	client.tun_addr = 0x0a2b0001;
	client.maskbits = 16;
	client.keydir = dir;
	peertable_init(0x0a2b0001, 16);
	lifecycle_set_hooks(&fakes);
	random_bytes(hash, sizeof hash);
	struct peer *p = peer_ev_new(hash, 0, t);
	CHECK(p != NULL);
	p->cookie_state = 1;     /* our server: it answered a cookie request */
	p->have_ports = 1;
	p->cryptoport = 42424;
	p->keyport = 42425;
	p->has_tunnel = 1;
	sa_from_ip4(&p->ext, 0xc000020a, 0);

	grant(p, 0x0a2a0002, 1, t);
	CHECK_MSG(client.cnt.sess_bad == 1 && client.cnt.sess_grants == 0 && !p->sess_have && written() < 0,
	          "a grant before any claim: dropped, counted, nothing written");

	CHECK(session_claim(p, claim, t + 10) == 0);
	grant(p, 0x0a2a0002, 1, t + 20);
	long long w1 = written();
	CHECK_MSG(client.cnt.sess_grants == 1 && p->sess_have && p->sess_addr == 0x0a2a0002 && w1 >= 0,
	          "the grant of our claim: taken, the state file written");
	grant(p, 0x0a2a0002, 1, t + 30);
	CHECK_MSG(client.cnt.sess_grants == 2 && written() == w1, "the same grant again (claims are resent): no write");
	for (int i = 0; i < 1000; i++)
		grant(p, 0x0a2a0003 + (uint32_t)(i & 1), (uint8_t)(2 + i), t + 40);
	CHECK_MSG(client.cnt.sess_bad == 1001 && p->sess_addr == 0x0a2a0002 && written() == w1,
	          "1000 grants with other addresses and secrets for one claim: dropped, no write");

	CHECK(session_claim(p, claim, t + 100) == 1);
	grant(p, 0x0a2a0009, 9, t + 100 + SESSION_GRANT_WINDOW_MS + 1);
	CHECK_MSG(client.cnt.sess_bad == 1002 && p->sess_addr == 0x0a2a0002, "a grant after the window: dropped");
	CHECK(session_claim(p, claim, t + 10000) == 1);
	grant(p, 0x0a2a0009, 9, t + 10001);
	CHECK_MSG(p->sess_addr == 0x0a2a0009 && written() != w1, "the next claim's changed grant: taken, written");

	char path[sizeof dir + 16];
	snprintf(path, sizeof path, "%s/sessions", dir);
	unlink(path);
	rmdir(dir);
	return check_done();
}
