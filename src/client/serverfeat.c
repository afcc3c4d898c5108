/* Server features (see serverfeat.h). */
#include <string.h>
#include "client/client.h"
#include "client/serverfeat.h"
#include "io/log.h"
#include "proto/featmsg.h"
#include "proto/ipv6.h"

static uint32_t mask_of(int bits) { return bits <= 0 ? 0 : ~((1u << (32 - bits)) - 1); }

void features_ask(struct peer *p, const union sockaddr_any *host, uint16_t keyport)
{
	uint8_t req[FM_LEN];
	union sockaddr_any dst = *host;

	if (!client.inner6)
		return;
	sa_set_port(&dst, keyport);
	random_bytes(p->feat_nonce, sizeof p->feat_nonce);
	featmsg_req_build(req, p->feat_nonce);
	if (udp_send(client.udpfd, req, sizeof req, &dst) == 0) {
		p->feat_to = dst;
		p->feat_asked = 1;
	}
}

struct peer *features_reply(const uint8_t *d, size_t len, const union sockaddr_any *from)
{
	const uint8_t *nonce;
	uint32_t flags;

	if (featmsg_reply_parse(d, len, &nonce, &flags) < 0) {
		client.cnt.rx_feat_stray++;
		return NULL;
	}
	for (struct peer *p = peers_first(); p; p = p->next_all) {
		if (!p->feat_asked || !sa_same_host(from, &p->feat_to) || sa_port(from) != sa_port(&p->feat_to) || memcmp(nonce, p->feat_nonce, FM_NONCE_LEN))
			continue;
		p->feat_asked = 0;
		int inner6 = (flags & FEAT_INNER6) != 0;
		if (inner6 != p->inner6)
			log_info("%s %s inner IPv6", p->hashtxt, inner6 ? "offers" : "does not offer");
		p->inner6 = inner6;
		client.cnt.rx_feat++;
		return p;
	}
	client.cnt.rx_feat_stray++;
	log_ratelimited(L_DEBUG, "rx_feat", "feature reply from %s that no peer asked for", sa_str(from));
	return NULL;
}

int features_inner6(const struct peer *p)
{
	return client.inner6 && p->inner6;
}

void features_addr6(uint32_t addr, uint8_t out[16])
{
	ipv6_inner_addr(out, client.prefix6, addr & ~mask_of(client.maskbits));
}

int features_addr4_of(const uint8_t a6[16], uint32_t *addr)
{
	uint32_t host;
	if (ipv6_inner_host(a6, client.prefix6, &host) < 0 || (host & mask_of(client.maskbits)))
		return -1;
	*addr = (client.tun_addr & mask_of(client.maskbits)) | host;
	return 0;
}
