/* The deferred slots of a data thread (see server.h, "defer.c"): what a
 * data thread hands to the exclusive path.  Kept apart from dataplane.c,
 * which drains them through cryptoserver.c and the rest: the callers of
 * defer (cryptoserver.c, deliver.c) reach the drain only through the
 * worker's callback, so no file calls back into the one that calls it. */
#include <string.h>
#include "server/server.h"

void dataplane_defer(struct dworker *w, enum defer_kind kind, const uint8_t *m, size_t len,
                     const union sockaddr_any *from, const struct udp_src *local, const uint8_t tid[32])
{
	if (len > DEFER_MAX_LEN)
		return;                 /* never: the callers check */
	if (w->ndef == DEFER_SLOTS) {
		/* full: run them now, outside the read lock (the caller touches
		 * no peer after this returns) */
		pthread_rwlock_unlock(&w->s->lock);
		w->drain(w);
		pthread_rwlock_rdlock(&w->s->lock);
	}
	struct deferred *e = &w->def[w->ndef++];
	e->kind = kind;
	e->len = len;
	if (len)
		memcpy(e->m, m, len);
	e->from = *from;
	e->local = *local;
	if (tid)
		memcpy(e->tid, tid, 32);
}
