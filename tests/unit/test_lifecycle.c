/* The client's logic without sockets: the lifecycle driven by events and a
 * fake clock, the DNS decision, and held answers (released on success, on
 * failure, and at the deadline).  The hooks are fakes that count. */
#include <string.h>
#include "check.h"
#include "common.h"
#include "client/client.h"
#include "client/intercept.h"
#include "client/serverfeat.h"
#include "proto/ipv6.h"
#include "client/lifecycle.h"
#include "proto/pq1name.h"

struct client client;

static struct {
	int starts, aborts, probes, keepalives, releases_ok, releases_fail, ifup, ifdown, replies, added, removing;
	int packets_ok, packets_fail;
	int start_result;
	int claims, claim_result;
} f;

static int fk_start(struct peer *p) { (void)p; f.starts++; return f.start_result; }
static void fk_abort(struct peer *p) { (void)p; f.aborts++; }
static void fk_probe(struct peer *p, uint64_t now) { (void)p, (void)now; f.probes++; }
static void fk_keepalive(struct peer *p, uint64_t now) { (void)p, (void)now; f.keepalives++; }
static void fk_release(struct peer *p, int ok)
{
	ok ? f.releases_ok++ : f.releases_fail++;
	held_resolve(p, ok);
}
static void fk_packets(struct peer *p, int ok) { (void)p; ok ? f.packets_ok++ : f.packets_fail++; }
static int fk_claim(struct peer *p, uint64_t now) { (void)p, (void)now; f.claims++; return f.claim_result; }
static void fk_iface(struct peer *p, int up) { (void)p; up ? f.ifup++ : f.ifdown++; }
static void fk_reply(struct peer *p, uint16_t seq, uint64_t now) { (void)p, (void)seq, (void)now; f.replies++; }
static void fk_arm(struct peer *p, uint64_t at) { (void)p, (void)at; }
static void fk_added(struct peer *p, uint64_t now) { (void)p, (void)now; f.added++; }
static void fk_removing(struct peer *p) { (void)p; f.removing++; }

static const struct lifecycle_hooks fakes = {
	.attempt_start = fk_start, .attempt_abort = fk_abort, .send_probe = fk_probe,
	.send_keepalive = fk_keepalive, .answers_release = fk_release, .packets_release = fk_packets, .iface = fk_iface,
	.send_claim = fk_claim, .probe_reply = fk_reply, .arm = fk_arm, .added = fk_added, .removing = fk_removing,
};

/* ------------------------------------------------- DNS answers and held -- */

static size_t put_name(uint8_t *o, const char *name)
{
	size_t n = 0;
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);
		o[n++] = (uint8_t)l;
		memcpy(o + n, name, l);
		n += l;
		name += l + (dot ? 1 : 0);
	}
	o[n++] = 0;
	return n;
}

/* "www.example. A?" answered: CNAME pq1<hash>.example., that name A 192.0.2.10 */
static size_t pq1_answer(uint8_t *m, const uint8_t hash[32], uint16_t id)
{
	char label[PQ1_LONG_LEN + 1], target[PQ1_LONG_LEN + 16];
	size_t n = 12, l;
	label[pq1_format(label, hash, 0, 0, 0)] = 0;
	snprintf(target, sizeof target, "%s.example", label);
	memset(m, 0, 12);
	store16_be(m, id);
	store16_be(m + 2, 0x8180);
	store16_be(m + 4, 1);
	store16_be(m + 6, 2);
	n += put_name(m + n, "www.example");
	store16_be(m + n, 1), store16_be(m + n + 2, 1), n += 4;
	m[n++] = 0xc0, m[n++] = 12;                        /* www.example CNAME */
	store16_be(m + n, 5), store16_be(m + n + 2, 1), store32_be(m + n + 4, 300), n += 8;
	l = put_name(m + n + 2, target);
	store16_be(m + n, (uint16_t)l);
	size_t tgt = n + 2;
	n += 2 + l;
	m[n++] = (uint8_t)(0xc0 | (tgt >> 8)), m[n++] = (uint8_t)tgt;   /* target A */
	store16_be(m + n, 1), store16_be(m + n + 2, 1), store32_be(m + n + 4, 300), store16_be(m + n + 8, 4);
	n += 10;
	store32_be(m + n, 0xc000020a);
	return n + 4;
}

/* "pq1<hash>.example. A?" answered with its A record: a high-security name */
static size_t pq1_strict_answer(uint8_t *m, const uint8_t hash[32], uint16_t id)
{
	char label[PQ1_LONG_LEN + 1], name[PQ1_LONG_LEN + 16];
	size_t n = 12;
	label[pq1_format(label, hash, 0, 0, 0)] = 0;
	snprintf(name, sizeof name, "%s.example", label);
	memset(m, 0, 12);
	store16_be(m, id);
	store16_be(m + 2, 0x8180);
	store16_be(m + 4, 1);
	store16_be(m + 6, 1);
	n += put_name(m + n, name);
	store16_be(m + n, 1), store16_be(m + n + 2, 1), n += 4;
	m[n++] = 0xc0, m[n++] = 12;
	store16_be(m + n, 1), store16_be(m + n + 2, 1), store32_be(m + n + 4, 300), store16_be(m + n + 8, 4);
	n += 10;
	store32_be(m + n, 0xc000020a);
	return n + 4;
}

/* "www.example. <qtype>?" answered: CNAME pq1<hash>.example., and that name
 * AAAA 2001:db8::10 if aaaa (an IPv6-only server), else nothing */
static size_t pq1_answer6(uint8_t *m, const uint8_t hash[32], uint16_t id, uint16_t qtype, int aaaa)
{
	char label[PQ1_LONG_LEN + 1], target[PQ1_LONG_LEN + 16];
	size_t n = 12, l;
	label[pq1_format(label, hash, 0, 0, 0)] = 0;
	snprintf(target, sizeof target, "%s.example", label);
	memset(m, 0, 12);
	store16_be(m, id);
	store16_be(m + 2, 0x8180);
	store16_be(m + 4, 1);
	store16_be(m + 6, aaaa ? 2 : 1);
	n += put_name(m + n, "www.example");
	store16_be(m + n, qtype), store16_be(m + n + 2, 1), n += 4;
	m[n++] = 0xc0, m[n++] = 12;
	store16_be(m + n, 5), store16_be(m + n + 2, 1), store32_be(m + n + 4, 300), n += 8;
	l = put_name(m + n + 2, target);
	store16_be(m + n, (uint16_t)l);
	size_t tgt = n + 2;
	n += 2 + l;
	if (!aaaa)
		return n;
	m[n++] = (uint8_t)(0xc0 | (tgt >> 8)), m[n++] = (uint8_t)tgt;
	store16_be(m + n, 28), store16_be(m + n + 2, 1), store32_be(m + n + 4, 300), store16_be(m + n + 8, 16);
	n += 10;
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 };
	memcpy(m + n, v6, 16);
	return n + 16;
}

/* "pq1<hash>.example. <qtype>?" answered with two records of that type,
 * rdata r1 then r2 (4 bytes for A, 16 for AAAA) */
static size_t strict_two(uint8_t *m, const uint8_t hash[32], uint16_t qtype, const uint8_t *r1, const uint8_t *r2)
{
	char label[PQ1_LONG_LEN + 1], name[PQ1_LONG_LEN + 16];
	size_t n = 12, rl = qtype == 28 ? 16 : 4;
	label[pq1_format(label, hash, 0, 0, 0)] = 0;
	snprintf(name, sizeof name, "%s.example", label);
	memset(m, 0, 12);
	store16_be(m, 0x7777);
	store16_be(m + 2, 0x8180);
	store16_be(m + 4, 1);
	store16_be(m + 6, 2);
	n += put_name(m + n, name);
	store16_be(m + n, qtype), store16_be(m + n + 2, 1), n += 4;
	for (int i = 0; i < 2; i++) {
		m[n++] = 0xc0, m[n++] = 12;
		store16_be(m + n, qtype), store16_be(m + n + 2, 1), store32_be(m + n + 4, 300), store16_be(m + n + 8, (uint16_t)rl);
		n += 10;
		memcpy(m + n, i ? r2 : r1, rl);
		n += rl;
	}
	return n;
}

/* Does the decision d on an answer leave bytes b (n of them) out of what
 * reaches the application?  (DROP: nothing does; REPLACE: out/outlen.) */
static int keeps_out(enum decision d, const uint8_t *out, size_t outlen, const void *b, size_t n)
{
	return d == DEC_DROP || (d == DEC_REPLACE && !memmem(out, outlen, b, n));
}

static struct { int calls; int rewritten; uint32_t addr; unsigned naaaa; uint8_t a6[16]; } rel;

static void release_probe(void *ctx, const uint8_t *dns, size_t len)
{
	(void)ctx;
	rel.calls++;
	if (dns) {
		struct dns_info info;
		rel.rewritten++;
		rel.addr = dns_inspect(dns, len, &info) == 0 && info.naddrs ? info.addrs[0] : 0;
		rel.naaaa = dns_inspect(dns, len, &info) == 0 ? info.naaaa : 99;
		if (rel.naaaa == 1)
			memcpy(rel.a6, info.addrs6[0], 16);
	}
}

static void install(struct peer *p, uint64_t now)
{
	struct hs_keys k;
	union sockaddr_any ep;
	random_bytes(&k, sizeof k);
	sa_from_ip4(&ep, 0xc000020a, 42424);
	peer_install_tunnel(p, &k, &ep, now);
	wipe(&k, sizeof k);
}

static void done(struct peer *p, int ok, uint64_t now)
{
	/* the short pq1 form: the attempt learnt the ports from TXT records */
	struct attempt_result r = { .ok = ok, .why = ok ? "made" : "failed", .ports_learnt = 1,
	                            .cryptoport = 42424, .keyport = 42425 };
	if (ok)
		install(p, now);
	peer_ev_attempt_done(p, &r, now);
}

int main(void)
{
	uint8_t hash[32], msg[512], out[1024], out2[1024];
	size_t len, outlen, outlen2;
	struct peer *p = NULL;
	uint64_t t = 1000000;

	CHECK(crypto_init() == 0);
	CHECK(loop_init(&client.loop) == 0);
	client.tun_addr = 0x0a2b0001;
	CHECK(peertable_init(0x0a2b0001, 16) == 0);
	lifecycle_set_hooks(&fakes);
	random_bytes(hash, sizeof hash);
	len = pq1_answer(msg, hash, 0x1234);

	/* a pq1 answer for a new server: a peer, an attempt, the answer held */
	CHECK(dns_decide(msg, len, NULL, out, sizeof out, &outlen, &p, t) == DEC_HOLD);
	CHECK(p && p->state == PS_CONNECTING && f.starts == 1 && f.added == 1);
	CHECK(sa_ip4(&p->ext) == 0xc000020a && !strncmp(p->owner, "pq1", 3));
	CHECK(held_add(p, msg, len, release_probe, NULL, t) == 0);
	/* the tunnel made: verify by probe, the answer still held */
	done(p, 1, t + 30);
	CHECK(p->state == PS_VERIFYING && f.probes == 1 && rel.calls == 0);
	CHECK_MSG(f.packets_ok == 1, "waiting packets go as soon as the tunnel exists (0-RTT)");
	/* the probe's reply: up, the held answer rewritten to the internal address */
	peer_ev_probe_reply(p, 0, t + 32);
	CHECK_MSG(p->state == PS_UP && f.replies == 1 && f.releases_ok == 1, "probe reply: UP, answers released ok");
	CHECK_MSG(rel.calls == 1 && rel.rewritten == 1 && rel.addr == p->int_addr, "held answer rewritten to the internal address");
	/* a static peer's ifup only: this one came from DNS */
	CHECK(f.ifup == 0);

	/* while up and heard from: rewritten at once */
	peer_ev_auth_rx(p, t + 100);
	CHECK(dns_decide(msg, len, NULL, out, sizeof out, &outlen, &p, t + 200) == DEC_REPLACE);
	/* quiet for more than CLIENT_SILENT_MS: one probe first */
	uint64_t t2 = t + 100 + CLIENT_SILENT_MS + 1;
	int probes = f.probes;
	CHECK(dns_decide(msg, len, NULL, out, sizeof out, &outlen, &p, t2) == DEC_HOLD);
	CHECK(p->state == PS_VERIFYING && p->verify_quiet && f.probes == probes + 1);
	CHECK(held_add(p, msg, len, release_probe, NULL, t2) == 0);
	/* no reply within VERIFY_QUIET_MS: handshake again (the tunnel is kept) */
	lifecycle_timer(p, t2 + VERIFY_EVERY_MS);
	CHECK(p->state == PS_VERIFYING);
	lifecycle_timer(p, t2 + VERIFY_QUIET_MS);
	CHECK_MSG(p->state == PS_CONNECTING && f.starts == 2 && p->has_tunnel, "quiet tunnel silent: handshake again");
	/* the attempt fails: backoff, the held answer released unchanged */
	int calls = rel.calls;
	done(p, 0, t2 + 600);
	CHECK_MSG(p->state == PS_BACKOFF && rel.calls == calls + 1 && rel.rewritten == 1, "failure: BACKOFF, answer unchanged");
	CHECK_MSG(dns_decide(msg, len, NULL, out, sizeof out, &outlen, &p, t2 + 700) == DEC_PASS,
	          "during the backoff answers pass at once");
	/* backoff over, the tunnel still works: up again */
	p->next_tick = 0;
	lifecycle_timer(p, t2 + 600 + CLIENT_FAIL_BACKOFF_MS);
	CHECK(p->state == PS_UP);

	/* silence while sending: probes, then dead, then a new attempt */
	uint64_t t3 = t2 + 600 + CLIENT_FAIL_BACKOFF_MS + 10;
	peer_ev_auth_rx(p, t3);
	p->last_app_tx = t3 + CLIENT_SILENT_MS + 1;
	probes = f.probes;
	p->next_tick = 0;
	lifecycle_timer(p, t3 + CLIENT_SILENT_MS + 2);
	CHECK_MSG(p->probe_since && f.probes == probes + 1 && p->state == PS_UP, "sending but silent: probe");
	p->last_app_tx = t3 + CLIENT_SILENT_MS + CLIENT_PROBE_DEAD_MS + 2;
	p->next_tick = 0;
	lifecycle_timer(p, t3 + CLIENT_SILENT_MS + CLIENT_PROBE_DEAD_MS + 3);
	CHECK_MSG(p->state == PS_CONNECTING && f.starts == 3, "probing too long unanswered: handshake again");
	/* kick while connecting: refused; after success: a new attempt */
	const char *why = NULL;
	CHECK(peer_ev_kick(p, t3 + 20000, &why) < 0 && why);
	uint64_t t4 = t3 + 20000;
	done(p, 1, t4);
	CHECK(p->state == PS_VERIFYING && p->has_old);
	/* no reply to a new tunnel's probes: trusted anyway after VERIFY_NEW_MS */
	lifecycle_timer(p, t4 + VERIFY_NEW_MS);
	CHECK_MSG(p->state == PS_UP, "new tunnel without an echo reply: UP (ICMP may be filtered)");
	CHECK(peer_ev_kick(p, t4 + 500, &why) == 0 && p->state == PS_CONNECTING && f.starts == 4);
	/* an attempt that cannot start: backoff at once */
	done(p, 0, t4 + 600);
	peer_ev_forget(p);
	CHECK_MSG(f.removing == 1 && peer_by_hash(hash) == NULL && peers_count() == 0, "forget: removed");

	/* held answers: released unchanged at the deadline */
	f.start_result = 0;
	uint64_t t5 = t4 + 100000;
	CHECK(dns_decide(msg, len, NULL, out, sizeof out, &outlen, &p, t5) == DEC_HOLD);
	calls = rel.calls;
	int rewritten = rel.rewritten;
	CHECK(held_add(p, msg, len, release_probe, NULL, t5) == 0 && held_count() == 1);
	held_expire(t5 + CLIENT_DNS_DEADLINE_MS - 1);
	CHECK(held_count() == 1);
	held_expire(t5 + CLIENT_DNS_DEADLINE_MS);
	CHECK_MSG(held_count() == 0 && rel.calls == calls + 1 && rel.rewritten == rewritten, "deadline: released unchanged");
	/* an attempt that cannot start: the answer passes, backoff */
	done(p, 0, t5 + 3000);
	f.start_result = -1;
	p->retry_at = 0;
	CHECK_MSG(dns_decide(msg, len, NULL, out, sizeof out, &outlen, &p, t5 + 3001) == DEC_PASS && p->state == PS_BACKOFF,
	          "attempt cannot start: pass, BACKOFF");
	f.start_result = 0;
	/* an application packet after the backoff with no tunnel: a new attempt */
	peer_drop_tunnel(p);
	peer_ev_app_packet(p, t5 + 3001 + CLIENT_FAIL_BACKOFF_MS);
	CHECK(p->state == PS_CONNECTING);
	done(p, 0, t5 + 9000);
	/* idle for CLIENT_FORGET_MS: removed */
	p->next_tick = 0;
	lifecycle_timer(p, t5 + 9000 + CLIENT_FAIL_BACKOFF_MS);
	CHECK(p->state == PS_DOWN);
	p->next_tick = 0;
	lifecycle_timer(p, t5 + 9000 + CLIENT_FORGET_MS + 1);
	CHECK_MSG(peers_count() == 0, "idle peer removed");

	/* a high-security name (the question is the pq1 name itself): rewritten
	 * at once, never passed unchanged, not even during a backoff */
	{
		uint8_t h2[32], m2[512];
		random_bytes(h2, sizeof h2);
		size_t l2 = pq1_strict_answer(m2, h2, 0x4321);
		uint64_t ts = t5 + 500000;
		struct dns_info info;
		CHECK(dns_inspect(m2, l2, &info) == 0 && info.verdict == DNS_PQ1 && info.qname_pq1);
		p = NULL;
		CHECK_MSG(dns_decide(m2, l2, NULL, out, sizeof out, &outlen, &p, ts) == DEC_REPLACE,
		          "high-security name: rewritten at once");
		struct peer *q = peer_by_hash(h2);
		CHECK(q && q->strict && q->state == PS_CONNECTING);
		CHECK_MSG(peer_ev_app_packet(q, ts + 1) == 1, "its packets wait for the attempt");
		done(q, 0, ts + 50);
		CHECK(q->state == PS_BACKOFF);
		CHECK_MSG(dns_decide(m2, l2, NULL, out, sizeof out, &outlen, &p, ts + 60) == DEC_REPLACE,
		          "during the backoff still rewritten, never the real address");
		CHECK_MSG(peer_ev_app_packet(q, ts + 70) == 0, "during the backoff its packets are refused");
		int starts2 = f.starts;
		CHECK(dns_decide(m2, l2, NULL, out, sizeof out, &outlen, &p, ts + 60 + CLIENT_FAIL_BACKOFF_MS) == DEC_REPLACE);
		CHECK_MSG(f.starts == starts2 + 1 && q->state == PS_CONNECTING, "after the backoff: a new attempt");
		peer_ev_forget(q);
	}

	/* high-security answers that must not pass (an independent review's
	 * findings): one our parser refuses but a stub resolver takes, and one
	 * whose first record is an internal address and its second a real one */
	{
		uint8_t h3[32], m3[512];
		static const uint8_t real4[4] = { 192, 0, 2, 66 }, int4[4] = { 10, 43, 0, 9 };
		static const uint8_t real6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x66 };
		uint8_t int6[16];
		uint64_t ts = t5 + 700000;
		enum decision d;
		random_bytes(h3, sizeof h3);
		size_t l3 = pq1_strict_answer(m3, h3, 0x4322);
		m3[l3] = 0;     /* one byte after the message */
		p = NULL;
		d = dns_decide(m3, l3 + 1, NULL, out, sizeof out, &outlen, &p, ts);
		CHECK_MSG(keeps_out(d, out, outlen, (const uint8_t[]){ 192, 0, 2, 10 }, 4),
		          "high-security answer with a byte after it: not passed");
		d = dns_decide_inplace(m3, l3 + 1, &p, ts);
		CHECK_MSG(d == DEC_DROP, "the same over TCP: dropped");
		/* a broken record in the additional section */
		store16_be(m3 + 10, 1);
		size_t n3 = l3;
		m3[n3++] = 0;
		store16_be(m3 + n3, 15), store16_be(m3 + n3 + 2, 1), store32_be(m3 + n3 + 4, 0), store16_be(m3 + n3 + 8, 1);
		n3 += 10;
		m3[n3++] = 0;
		d = dns_decide(m3, n3, NULL, out, sizeof out, &outlen, &p, ts);
		CHECK_MSG(keeps_out(d, out, outlen, (const uint8_t[]){ 192, 0, 2, 10 }, 4),
		          "high-security answer with a broken additional record: not passed");
		/* the same faults on an ordinary name: passed unchanged (fail-open) */
		uint8_t m4[512];
		size_t l4 = (size_t)dns_build_query(m4, sizeof m4, 0x4444, "plain.example", 1);
		store16_be(m4 + 2, 0x8180);
		m4[l4] = 0;
		CHECK_MSG(dns_decide(m4, l4 + 1, NULL, out, sizeof out, &outlen, &p, ts) == DEC_PASS,
		          "an ordinary name's unparsable answer passes");
		/* internal address first, real one second */
		l3 = strict_two(m3, h3, 1, int4, real4);
		d = dns_decide(m3, l3, NULL, out, sizeof out, &outlen, &p, ts);
		CHECK_MSG(d != DEC_PASS && keeps_out(d == DEC_HOLD ? DEC_DROP : d, out, outlen, real4, 4),
		          "A 10.43.0.9 then A 192.0.2.66 for a high-security name: not passed");
		d = dns_decide_inplace(m3, l3, &p, ts);
		CHECK_MSG(d != DEC_PASS, "the same over TCP: not passed");
		CHECK(ipv6_inner_prefix_parse("fd43:7071:63::", client.prefix6) == 0);
		client.inner6 = 1;
		ipv6_inner_addr(int6, client.prefix6, 9);
		l3 = strict_two(m3, h3, 28, int6, real6);
		d = dns_decide(m3, l3, NULL, out, sizeof out, &outlen, &p, ts);
		/* (held while the tunnel is made: a held AAAA answer is never
		 * released unchanged, see below) */
		CHECK_MSG(keeps_out(d == DEC_HOLD ? DEC_DROP : d, out, outlen, real6, 16),
		          "AAAA (ours) then AAAA 2001:db8::66 for a high-security name: not passed");
		l3 = strict_two(m3, h3, 28, int6, int6);
		CHECK_MSG(dns_decide(m3, l3, NULL, out, sizeof out, &outlen, &p, ts) == DEC_PASS,
		          "AAAA records all ours: passed as they are");
		client.inner6 = 0;
		struct peer *q3 = peer_by_hash(h3);
		if (q3)
			peer_ev_forget(q3);
	}

	/* a static peer: configured -> attempt; up -> ifup; dropped from the file -> ifdown */
	struct pf_peer pp = { .addr = { [10] = 0xff, [11] = 0xff, [12] = 192, [13] = 0, [14] = 2, [15] = 11 }, .port = 42424, .keyport = 42425 };
	snprintf(pp.name, sizeof pp.name, "alpha");
	random_bytes(pp.hash, sizeof pp.hash);
	uint64_t t6 = t5 + 2000000;
	int starts = f.starts;
	p = peer_ev_new(pp.hash, 0, t6);
	peer_ev_config(p, &pp, t6);
	CHECK(p->is_static && p->state == PS_CONNECTING && f.starts == starts + 1);
	done(p, 0, t6 + 10);
	CHECK(p->state == PS_BACKOFF);
	/* TrIPE's connect keeps trying, every `every` */
	p->next_tick = 0;
	lifecycle_timer(p, t6 + 10 + CLIENT_FAIL_BACKOFF_MS);
	CHECK(p->state == PS_DOWN);
	p->next_tick = 0;
	lifecycle_timer(p, t6 + 10 + PF_DEFAULT_EVERY_MS);
	CHECK_MSG(p->state == PS_CONNECTING && f.starts == starts + 2, "static peer retried after `every`");
	done(p, 1, t6 + PF_DEFAULT_EVERY_MS + 50);
	peer_ev_probe_reply(p, 0, t6 + PF_DEFAULT_EVERY_MS + 60);
	CHECK_MSG(p->state == PS_UP && f.ifup == 1, "static peer up: ifup");
	/* all pings lost: handshake again */
	peer_ev_ping_lost(p, t6 + PF_DEFAULT_EVERY_MS + 100);
	CHECK(p->state == PS_CONNECTING);
	peer_ev_unconfig(p);
	CHECK_MSG(!p->is_static && f.ifdown == 1, "no longer static: ifdown");

	/* session resumption: a claim of our old address goes first, the
	 * packets wait for the grant; the grant makes the tunnel UP */
	uint64_t tr = t6 + 3000000;
	f.claim_result = 1;
	int claims = f.claims, pok = f.packets_ok;
	done(p, 1, tr);
	CHECK_MSG(p->state == PS_RESUMING && f.claims == claims + 1 && f.packets_ok == pok,
	          "resumption claim: RESUMING, packets wait");
	CHECK_MSG(peer_ev_app_packet(p, tr + 1) == 1, "RESUMING: application packets wait");
	CHECK_MSG(p->state == PS_RESUMING && peer_state_name(p, tr + 2) && !strcmp(peer_state_name(p, tr + 2), "resuming"),
	          "shown as resuming");
	lifecycle_timer(p, tr + RESUME_EVERY_MS);
	CHECK_MSG(f.claims == claims + 2 && p->state == PS_RESUMING, "no grant yet: the claim again");
	peer_ev_session_grant(p, 1, tr + RESUME_EVERY_MS + 5);
	CHECK_MSG(p->state == PS_UP && f.packets_ok == pok + 1, "grant: UP, packets released");
	/* a restart hint: an earlier check (a quiet verification), once a second */
	int probes_r = f.probes;
	peer_ev_restart_hint(p, tr + 500);
	CHECK_MSG(p->state == PS_VERIFYING && p->verify_quiet && f.probes == probes_r + 1, "restart hint: probe at once");
	peer_ev_probe_reply(p, 0, tr + 510);
	CHECK(p->state == PS_UP);
	peer_ev_restart_hint(p, tr + 600);
	CHECK_MSG(p->state == PS_UP && f.probes == probes_r + 1, "a second hint within HINT_GAP_MS: ignored");
	/* no grant within RESUME_WAIT_MS: on with a fresh address, verified */
	CHECK(peer_ev_kick(p, tr + 2000, &why) == 0);
	done(p, 1, tr + 2010);
	CHECK(p->state == PS_RESUMING);
	pok = f.packets_ok;
	lifecycle_timer(p, tr + 2010 + RESUME_WAIT_MS);
	CHECK_MSG(p->state == PS_VERIFYING && f.packets_ok == pok + 1, "no grant: packets released, VERIFYING");
	/* a server that is not ours: no claim, nothing waits */
	f.claim_result = -1;
	CHECK(peer_ev_kick(p, tr + 5000, &why) == 0);
	done(p, 1, tr + 5010);
	CHECK_MSG(p->state == PS_VERIFYING, "not our server: straight to VERIFYING");
	f.claim_result = 0;
	/* a name with three addresses whose first does not answer: the next
	 * ones are tried in the answer's order, in the same round; a failure
	 * with an answer from the server, or the last address, ends it */
	{
		static const uint32_t addrs[3] = { 0xc000020b, 0xc000020a, 0xc000020c };
		struct peer_location loc = { .addrs = addrs, .naddrs = 3, .owner = "pq1x.example",
		                             .has_ports = 1, .cryptoport = 42424, .keyport = 42425 };
		sa_from_ip4(&loc.addr, addrs[0], 0);
		struct attempt_result silent = { .ok = 0, .why = "silent", .unanswered = 1 };
		struct attempt_result refused = { .ok = 0, .why = "bad key" };
		uint8_t h2[32];
		uint64_t t7 = t6 + 10000000;
		random_bytes(h2, sizeof h2);
		int s0 = f.starts, r0 = f.releases_fail;
		struct peer *q = peer_ev_new(h2, 0, t7);
		CHECK(q && peer_ev_dns_answer(q, &loc, t7) == ANSWER_HOLD && sa_ip4(&q->ext) == addrs[0] && f.starts == s0 + 1);
		peer_ev_attempt_done(q, &silent, t7 + 600);
		CHECK_MSG(q->state == PS_CONNECTING && sa_ip4(&q->ext) == addrs[1] && f.starts == s0 + 2 && f.releases_fail == r0,
		          "first address silent: the second tried, the answer still held");
		peer_ev_attempt_done(q, &refused, t7 + 700);
		CHECK_MSG(q->state == PS_BACKOFF && f.releases_fail == r0 + 1, "an address that answered and failed: no next");
		/* a new round starts from the answer's first address again */
		q->retry_at = 0;
		CHECK(peer_ev_dns_answer(q, &loc, t7 + 10000) == ANSWER_HOLD && sa_ip4(&q->ext) == addrs[0]);
		peer_ev_attempt_done(q, &silent, t7 + 10600);
		peer_ev_attempt_done(q, &silent, t7 + 11200);
		CHECK_MSG(q->state == PS_CONNECTING && sa_ip4(&q->ext) == addrs[2], "third address");
		peer_ev_attempt_done(q, &silent, t7 + 11800);
		CHECK_MSG(q->state == PS_BACKOFF, "every address silent: the round fails (bounded)");
		/* the address that made the tunnel stays while the name lists it */
		q->retry_at = 0;
		CHECK(peer_ev_dns_answer(q, &loc, t7 + 20000) == ANSWER_HOLD);
		peer_ev_attempt_done(q, &silent, t7 + 20600);
		CHECK(sa_ip4(&q->ext) == addrs[1]);
		{
			struct attempt_result ok = { .ok = 1, .why = "made" };
			struct hs_keys k;
			union sockaddr_any ep;
			random_bytes(&k, sizeof k);
			sa_from_ip4(&ep, addrs[1], 42424);
			peer_install_tunnel(q, &k, &ep, t7 + 20700);
			wipe(&k, sizeof k);
			peer_ev_attempt_done(q, &ok, t7 + 20700);
		}
		peer_ev_probe_reply(q, 0, t7 + 20710);
		CHECK(q->state == PS_UP);
		peer_ev_dns_answer(q, &loc, t7 + 20800);
		CHECK_MSG(sa_ip4(&q->ext) == addrs[1], "the working address is kept while listed");
		{
			struct peer_location nodata = { .owner = "pq1x.example" };
			peer_ev_dns_answer(q, &nodata, t7 + 20900);
			CHECK_MSG(sa_ip4(&q->ext) == addrs[1] && q->ext.sa.sa_family == AF_INET,
			          "a NODATA answer does not clear the address of a working tunnel");
		}
		/* a round that is too old moves on no further */
		peer_drop_tunnel(q);
		q->state = PS_DOWN;
		CHECK(peer_ev_dns_answer(q, &loc, t7 + 30000) == ANSWER_HOLD);
		peer_ev_attempt_done(q, &silent, t7 + 30000 + CLIENT_NEXT_ADDR_WITHIN_MS);
		CHECK_MSG(q->state == PS_BACKOFF, "no next address after the round's time");
	}
	lifecycle_shutdown();
	CHECK_MSG(peers_count() == 0 && f.aborts >= 1, "shutdown: every peer removed, the attempt aborted");

	/* an AAAA answer that cannot be held (the list is full) is released at
	 * once without its AAAA records, never as it is (independent review) */
	{
		uint8_t hx[32], ma[512], m6x[512];
		random_bytes(hx, sizeof hx);
		struct peer *q = peer_ev_new(hx, 0, 9000000);
		size_t la = pq1_answer(ma, hx, 0x5151), l6x = pq1_answer6(m6x, hx, 0x5252, 28, 1);
		int added = 0;
		while (held_add(q, ma, la, release_probe, NULL, 9000000) == 0)
			added++;
		CHECK(added == CLIENT_MAX_HELD);
		memset(&rel, 0, sizeof rel);
		CHECK_MSG(held_add(q, m6x, l6x, release_probe, NULL, 9000000) == 0 && rel.calls == 1 &&
		          rel.rewritten == 1 && rel.naaaa == 0, "a full list: the AAAA answer released stripped at once");
		memset(&rel, 0, sizeof rel);
		CHECK_MSG(held_add(q, ma, la, release_probe, NULL, 9000000) == -1 && rel.calls == 0,
		          "a full list: an A answer is left to the caller (fail open for CNAME names)");
		held_release_all();
		peer_ev_forget(q);
	}

	/* a server with IPv6 addresses only: the AAAA answer is stripped but
	 * remembered; the A answer (no A record) starts an attempt and is held,
	 * then rewritten with the internal address added */
	{
		uint8_t h6[32], m6[512], q6[512];
		uint64_t t7 = t6 + 10000000;
		struct peer *q = NULL;
		random_bytes(h6, sizeof h6);
		size_t l6 = pq1_answer6(m6, h6, 0x6666, 28, 1);
		CHECK(dns_decide(m6, l6, NULL, out, sizeof out, &outlen, &q, t7) == DEC_REPLACE);
		struct dns_info info;
		CHECK_MSG(dns_inspect(out, outlen, &info) == 0 && info.naaaa == 0 && !peer_by_hash(h6),
		          "AAAA answer: AAAA removed, no peer made");
		/* our own AAAA lookup of the same question passes unchanged */
		size_t ql = (size_t)dns_build_query(q6, sizeof q6, 0x6666, "www.example", 28);
		union sockaddr_any mine, app, other;
		sa_from_ip4(&mine, 0x7f000001, 40404);
		sa_from_ip4(&app, 0x7f000001, 40405);
		sa_from_ip4(&other, 0x7f000002, 40404);
		CHECK(own_query_add(q6, ql, &mine) == 0);
		CHECK_MSG(dns_decide(m6, l6, &mine, out, sizeof out, &outlen, &q, t7) == DEC_PASS, "own lookup's answer passes");
		CHECK_MSG(dns_decide(m6, l6, &app, out, sizeof out, &outlen, &q, t7) == DEC_REPLACE,
		          "the same id and question to another port: an application's answer, rewritten");
		CHECK_MSG(dns_decide(m6, l6, &other, out, sizeof out, &outlen, &q, t7) == DEC_REPLACE,
		          "the same port on another address: rewritten");
		CHECK_MSG(dns_decide(m6, l6, NULL, out, sizeof out, &outlen, &q, t7) == DEC_REPLACE,
		          "socket unknown: never our own");
		own_query_del(q6, ql);
		CHECK(dns_decide(m6, l6, NULL, out, sizeof out, &outlen, &q, t7) == DEC_REPLACE);
		/* the A half: no A record */
		int starts6 = f.starts;
		l6 = pq1_answer6(m6, h6, 0x6667, 1, 0);
		CHECK(dns_decide(m6, l6, NULL, out, sizeof out, &outlen, &q, t7 + 1) == DEC_HOLD);
		CHECK(q && q->state == PS_CONNECTING && f.starts == starts6 + 1);
		CHECK_MSG(q->ext.sa.sa_family == 0 && q->ext6_hint.sa.sa_family == AF_INET6 &&
		          q->ext6_hint.in6.sin6_addr.s6_addr[15] == 0x10, "no IPv4 address; the AAAA seen is the hint");
		CHECK(held_add(q, m6, l6, release_probe, NULL, t7 + 1) == 0);
		struct attempt_result r6 = { .ok = 1, .why = "made", .addr_learnt = 1, .addr = q->ext6_hint };
		install(q, t7 + 20);
		peer_ev_attempt_done(q, &r6, t7 + 20);
		CHECK_MSG(q->ext.sa.sa_family == 0 && q->ext6_hint.sa.sa_family == AF_INET6,
		          "the IPv6 address the attempt used is remembered");
		int ncalls = rel.calls;
		peer_ev_probe_reply(q, 0, t7 + 25);
		CHECK_MSG(rel.calls == ncalls + 1 && rel.addr == q->int_addr, "held A answer released with the internal address added");
		/* a later AAAA answer for the known peer: its hint follows */
		memset(&q->ext6_hint, 0, sizeof q->ext6_hint);
		l6 = pq1_answer6(m6, h6, 0x6669, 28, 1);
		CHECK(dns_decide(m6, l6, NULL, out, sizeof out, &outlen, &q, t7 + 28) == DEC_REPLACE);
		CHECK_MSG(q->ext6_hint.sa.sa_family == AF_INET6, "an AAAA answer updates a known peer's IPv6 address");
		/* an A answer that is an error (SERVFAIL): passed unchanged */
		l6 = pq1_answer6(m6, h6, 0x666a, 1, 0);
		store16_be(m6 + 2, 0x8182);
		CHECK(dns_decide(m6, l6, NULL, out, sizeof out, &outlen, &q, t7 + 29) == DEC_PASS);
		/* an AAAA question without AAAA records: passed unchanged */
		l6 = pq1_answer6(m6, h6, 0x6668, 28, 0);
		CHECK(dns_decide(m6, l6, NULL, out, sizeof out, &outlen, &q, t7 + 30) == DEC_PASS);

		/* inner IPv6 (serverfeat.c): the AAAA records become the peer's
		 * internal IPv6 address only when the client has it on, the server
		 * said FEAT_INNER6, and the tunnel is up */
		uint8_t want6[16];
		CHECK(ipv6_inner_prefix_parse("fd43::", client.prefix6) == 0);
		client.maskbits = 16;
		features_addr6(q->int_addr, want6);
		CHECK(want6[0] == 0xfd && want6[1] == 0x43 && load32_be(want6 + 12) == (q->int_addr & 0xffff));
		q->inner6 = 1;
		l6 = pq1_answer6(m6, h6, 0x666b, 28, 1);
		CHECK(dns_decide(m6, l6, NULL, out, sizeof out, &outlen, &q, t7 + 31) == DEC_REPLACE);
		CHECK_MSG(dns_inspect(out, outlen, &info) == 0 && info.naaaa == 0, "client without inner IPv6: AAAA removed");
		client.inner6 = 1;
		q->inner6 = 0;
		CHECK(dns_decide(m6, l6, NULL, out, sizeof out, &outlen, &q, t7 + 32) == DEC_REPLACE);
		CHECK_MSG(dns_inspect(out, outlen, &info) == 0 && info.naaaa == 0, "server without FEAT_INNER6: AAAA removed");
		q->inner6 = 1;
		CHECK(q->state == PS_UP && dns_decide(m6, l6, NULL, out, sizeof out, &outlen, &q, t7 + 33) == DEC_REPLACE);
		CHECK_MSG(dns_inspect(out, outlen, &info) == 0 && info.naaaa == 1 && !memcmp(info.addrs6[0], want6, 16) &&
		          info.min_ttl == 0, "both sides with inner IPv6, tunnel up: AAAA := the internal IPv6 address");
		CHECK_MSG(dns_decide(out, outlen, NULL, out2, sizeof out2, &outlen2, &q, t7 + 34) == DEC_PASS,
		          "an answer already ours passes (seen twice through a stub resolver)");
		uint32_t back;
		CHECK(features_addr4_of(want6, &back) == 0 && back == q->int_addr && peer_by_addr(back) == q);
		/* the first lookup: the AAAA answer is held while the feature reply
		 * is awaited, then rewritten; never released with the real address */
		q->inner6 = 0;
		q->feat_asked = 1;
		int c0 = rel.calls;
		CHECK_MSG(dns_decide(m6, l6, NULL, out, sizeof out, &outlen, &q, t7 + 36) == DEC_HOLD,
		          "tunnel up, feature reply awaited: AAAA answer held");
		CHECK(held_add(q, m6, l6, release_probe, NULL, t7 + 36) == 0 && held_count() == 1);
		held_resolve(q, 1);
		CHECK_MSG(held_count() == 1 && rel.calls == c0, "a tunnel event does not release it while the reply is awaited");
		q->feat_asked = 0;
		q->inner6 = 1;
		held_features_known(q);
		CHECK_MSG(held_count() == 0 && rel.calls == c0 + 1 && rel.naaaa == 1 && !memcmp(rel.a6, want6, 16),
		          "feature reply with inner IPv6: the held AAAA := the internal IPv6 address");
		/* the reply says no inner IPv6: stripped */
		q->inner6 = 0;
		q->feat_asked = 1;
		CHECK(dns_decide(m6, l6, NULL, out, sizeof out, &outlen, &q, t7 + 37) == DEC_HOLD);
		CHECK(held_add(q, m6, l6, release_probe, NULL, t7 + 37) == 0);
		q->feat_asked = 0;
		q->inner6 = 0;
		held_features_known(q);
		CHECK_MSG(held_count() == 0 && rel.calls == c0 + 2 && rel.rewritten && rel.naaaa == 0,
		          "feature reply without inner IPv6: AAAA records removed");
		/* no reply before the deadline: stripped, never unchanged */
		q->feat_asked = 1;
		int rw = rel.rewritten;
		CHECK(dns_decide(m6, l6, NULL, out, sizeof out, &outlen, &q, t7 + 38) == DEC_HOLD);
		CHECK(held_add(q, m6, l6, release_probe, NULL, t7 + 38) == 0);
		held_expire(t7 + 38 + CLIENT_DNS_DEADLINE_MS);
		CHECK_MSG(held_count() == 0 && rel.rewritten == rw + 1 && rel.naaaa == 0,
		          "feature question timed out: AAAA records removed (the real address never)");
		/* while the tunnel is being made: held; a failed attempt strips it */
		q->feat_asked = 0;
		q->state = PS_CONNECTING;
		CHECK_MSG(dns_decide(m6, l6, NULL, out, sizeof out, &outlen, &q, t7 + 39) == DEC_HOLD,
		          "tunnel being made: AAAA answer held");
		CHECK(held_add(q, m6, l6, release_probe, NULL, t7 + 39) == 0);
		held_features_known(q);
		CHECK_MSG(held_count() == 1, "a feature reply during the attempt leaves it to the attempt's end");
		held_resolve(q, 0);
		CHECK_MSG(held_count() == 0 && rel.rewritten == rw + 2 && rel.naaaa == 0, "attempt failed: AAAA records removed");
		q->state = PS_BACKOFF;
		CHECK(dns_decide(m6, l6, NULL, out, sizeof out, &outlen, &q, t7 + 35) == DEC_REPLACE);
		CHECK_MSG(dns_inspect(out, outlen, &info) == 0 && info.naaaa == 0, "tunnel not up: AAAA removed");
		client.inner6 = 0;
		lifecycle_shutdown();
	}

	peertable_free();
	loop_free(&client.loop);
	return check_done();
}
