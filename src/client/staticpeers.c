/* Static peers (see staticpeers.h).  The file was checked by the monitor
 * (root reads it); here it is parsed again from the text the monitor sent
 * and its peers are reported to the lifecycle. */
#include <stdlib.h>
#include "client/client.h"
#include "client/lifecycle.h"
#include "client/staticpeers.h"
#include "io/log.h"

static struct peersfile *current;

static void apply(void)
{
	uint64_t now = now_ms();

	/* peers no longer in the file become ordinary peers (idle ones go away) */
	for (struct peer *p = peers_first(); p; p = p->next_all)
		if (p->is_static && (!current || !peersfile_find(current, p->hash)))
			peer_ev_unconfig(p);
	if (!current)
		return;
	for (unsigned i = 0; i < current->n; i++) {
		const struct pf_peer *pp = &current->peer[i];
		struct peer *p = peer_by_hash(pp->hash);
		if (p && pp->internal && p->int_addr != pp->internal)
			log_warn("static peer %s keeps %s until it is forgotten (configured: %s)", pp->name,
			         ip4_str(p->int_addr), ip4_str(pp->internal));
		if (!p) {
			if (pp->internal && !peertable_is_internal(pp->internal)) {
				log_error("static peer %s: internal address %s is outside %s/%d", pp->name,
				          ip4_str(pp->internal), ip4_str(client.tun_addr), client.maskbits);
				continue;
			}
			p = peer_ev_new(pp->hash, pp->internal, now);
			if (!p) {
				log_error("static peer %s: internal address %s is not free", pp->name,
				          pp->internal ? ip4_str(pp->internal) : "(any)");
				continue;
			}
			log_info("static peer %s: %s, internal address %s", pp->name, p->hashtxt, ip4_str(p->int_addr));
		}
		peer_ev_config(p, pp, now);
	}
}

void static_peers_use(struct peersfile *pf)
{
	free(current);
	current = pf;
	if (current)
		for (unsigned i = 0; i < current->n; i++)
			log_debug("static peer %s", current->peer[i].name);
	apply();
}

void static_peers_apply(const char *text, size_t len)
{
	struct peersfile *pf = malloc(sizeof *pf);
	struct pf_error err;
	if (!pf)
		return;
	if (peersfile_parse(pf, text, len, &err) < 0) {
		/* the monitor checked it first: this cannot happen unless it changed under us */
		log_error("peers file line %u: %s", err.line, err.msg);
		free(pf);
		return;
	}
	free(current);
	current = pf;
	apply();
}

void static_peers_free(void)
{
	free(current);
	current = NULL;
}
