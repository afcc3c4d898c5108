/* DNS messages (RFC 1035 §4) as the client sees them: a strict parser that
 * says "no" on any oddity, the pq1 decision of PROTOCOL.md §11.3 (with the
 * fixes of §15.1 items 11–12), a rewriter that re-serialises the whole
 * message with its own name compression, and the small builders and TXT
 * parsers the client needs for §4.5.
 *
 * Why re-serialise instead of patching bytes in place: removing an AAAA
 * record shifts everything after it, and a compression pointer anywhere in
 * the message may refer into the removed bytes.  Expanding every name and
 * writing it again is the only way to be sure the result is well formed. */
#include <string.h>

#include "common.h"
#include "proto/dns.h"

#define DNS_HDR_LEN 12
#define DNS_WIRE_MAX 255          /* uncompressed wire form, final zero included */
#define DNS_MAX_LABEL 63
#define DNS_CLASS_IN 1
#define DNS_TYPE_OPT 41
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_AD 0x0020
#define DNS_RCODE_NXDOMAIN 3
#define DNS_MAX_MSG 65535

struct dns_name {
	uint8_t wire[DNS_WIRE_MAX];   /* labels, then the zero byte */
	size_t len;
};

struct dns_header {
	uint16_t id, flags;
	uint16_t count[4];            /* question, answer, authority, additional */
};

struct dns_rr {
	struct dns_name name;
	uint16_t type, cls;
	uint32_t ttl;
	size_t rdoff, rdlen;          /* rdata inside the message */
};

/* Read the (possibly compressed) name at *off.  On return *off is just past
 * the name as it sits in the message (after the first pointer or the zero).
 * A pointer must go strictly below the start of the labels read since the
 * previous jump (so a chain of pointers always moves backwards and cannot
 * loop) and may not point into the header; labels are at most 63 bytes and
 * the expanded name at most 255.  limit bounds the name's own bytes (the end
 * of the rdata for a name inside rdata); a name reached through a pointer
 * must end before the segment that pointed to it. */
static int name_read(const uint8_t *msg, size_t len, size_t limit, size_t *off,
                     struct dns_name *n)
{
	size_t pos = *off, segment = *off, end = 0, stop = limit;
	int jumped = 0;

	(void)len;
	n->len = 0;
	for (;;) {
		if (pos >= stop)
			return -1;
		uint8_t c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= stop)
				return -1;
			size_t target = ((size_t)(c & 0x3f) << 8) | msg[pos + 1];
			if (!jumped)
				end = pos + 2;
			if (target < DNS_HDR_LEN || target >= segment)
				return -1;
			jumped = 1;
			/* The name pointed to must lie wholly before the segment that
			 * points to it, as a compressor writes it; otherwise a question
			 * could borrow labels from the answers, and the question section
			 * copied alone (dns_make_nxdomain) would no longer parse. */
			stop = segment;
			pos = segment = target;
			continue;
		}
		if (c & 0xc0)                      /* 0x40, 0x80: extended label types */
			return -1;
		if (c == 0) {
			if (n->len + 1 > DNS_WIRE_MAX)
				return -1;
			n->wire[n->len++] = 0;
			if (!jumped)
				end = pos + 1;
			*off = end;
			return 0;
		}
		if (c > stop - pos - 1)            /* label runs past the data */
			return -1;
		if (n->len + 1 + c + 1 > DNS_WIRE_MAX)   /* keep room for the zero */
			return -1;
		memcpy(n->wire + n->len, msg + pos, (size_t)c + 1);
		n->len += (size_t)c + 1;
		pos += (size_t)c + 1;
	}
}

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* Dotted lower-case text without trailing dot ("" for the root).  Labels
 * holding a dot or a byte outside printable ASCII cannot be written
 * unambiguously: -1. */
static int name_text(char out[DNS_MAX_NAME + 1], const struct dns_name *n)
{
	size_t o = 0, i = 0;

	while (n->wire[i] != 0) {
		uint8_t l = n->wire[i++];
		if (o > 0)
			out[o++] = '.';
		for (uint8_t k = 0; k < l; k++, i++) {
			uint8_t c = n->wire[i];
			if (c <= ' ' || c >= 0x7f || c == '.')
				return -1;
			out[o++] = (char)lower(c);
		}
	}
	out[o] = 0;
	return 0;
}

static int name_equal_nocase(const struct dns_name *n, const char *text)
{
	char buf[DNS_MAX_NAME + 1];

	return name_text(buf, n) == 0 && strcmp(buf, text) == 0;
}

static int header_read(const uint8_t *msg, size_t len, struct dns_header *h)
{
	if (len < DNS_HDR_LEN)
		return -1;
	h->id = load16_be(msg);
	h->flags = load16_be(msg + 2);
	for (int i = 0; i < 4; i++)
		h->count[i] = load16_be(msg + 4 + 2 * i);
	return 0;
}

static int question_read(const uint8_t *msg, size_t len, size_t *off, struct dns_rr *q)
{
	if (name_read(msg, len, len, off, &q->name) < 0 || len - *off < 4)
		return -1;
	q->type = load16_be(msg + *off);
	q->cls = load16_be(msg + *off + 2);
	q->ttl = 0;
	q->rdoff = *off + 4;
	q->rdlen = 0;
	*off += 4;
	return 0;
}

/* The rdata layouts that hold domain names: fixed bytes before the first
 * name, number of names, fixed bytes after them.  compress says whether
 * RFC 1035 allows compressing them on output (RFC 3597 §4: only the
 * well-known types; the rest are decompressed on input but written
 * uncompressed). */
struct rdata_layout {
	uint16_t type;
	uint8_t pre, names, post, compress;
};

static const struct rdata_layout layouts[] = {
	{ 2, 0, 1, 0, 1 },    /* NS */
	{ 3, 0, 1, 0, 1 },    /* MD */
	{ 4, 0, 1, 0, 1 },    /* MF */
	{ 5, 0, 1, 0, 1 },    /* CNAME */
	{ 6, 0, 2, 20, 1 },   /* SOA */
	{ 7, 0, 1, 0, 1 },    /* MB */
	{ 8, 0, 1, 0, 1 },    /* MG */
	{ 9, 0, 1, 0, 1 },    /* MR */
	{ 12, 0, 1, 0, 1 },   /* PTR */
	{ 14, 0, 2, 0, 1 },   /* MINFO */
	{ 15, 2, 1, 0, 1 },   /* MX */
	{ 17, 0, 2, 0, 0 },   /* RP */
	{ 18, 2, 1, 0, 0 },   /* AFSDB */
	{ 21, 2, 1, 0, 0 },   /* RT */
	{ 26, 2, 2, 0, 0 },   /* PX */
	{ 33, 6, 1, 0, 0 },   /* SRV */
	{ 39, 0, 1, 0, 0 },   /* DNAME */
};

static const struct rdata_layout *layout_of(uint16_t type)
{
	for (size_t i = 0; i < ARRAY_SIZE(layouts); i++)
		if (layouts[i].type == type)
			return &layouts[i];
	return NULL;
}

/* Check that rdata of a known type is exactly what its layout says; for
 * other types it is opaque. */
static int rdata_check(const uint8_t *msg, size_t len, const struct dns_rr *rr)
{
	size_t end = rr->rdoff + rr->rdlen;

	if (rr->cls == DNS_CLASS_IN && rr->type == DNS_TYPE_A)
		return rr->rdlen == 4 ? 0 : -1;
	if (rr->cls == DNS_CLASS_IN && rr->type == DNS_TYPE_AAAA)
		return rr->rdlen == 16 ? 0 : -1;
	if (rr->type == DNS_TYPE_TXT) {
		size_t p = rr->rdoff;
		if (rr->rdlen == 0)
			return -1;
		while (p < end) {
			if (msg[p] > end - p - 1)
				return -1;
			p += (size_t)msg[p] + 1;
		}
		return 0;
	}
	const struct rdata_layout *lay = layout_of(rr->type);
	if (lay == NULL)
		return 0;
	if (rr->rdlen < lay->pre)
		return -1;
	size_t p = rr->rdoff + lay->pre;
	for (int i = 0; i < lay->names; i++) {
		struct dns_name n;
		if (name_read(msg, len, end, &p, &n) < 0)
			return -1;
	}
	return end - p == lay->post ? 0 : -1;
}

static int rr_read(const uint8_t *msg, size_t len, size_t *off, struct dns_rr *rr)
{
	if (name_read(msg, len, len, off, &rr->name) < 0 || len - *off < 10)
		return -1;
	const uint8_t *p = msg + *off;
	rr->type = load16_be(p);
	rr->cls = load16_be(p + 2);
	rr->ttl = load32_be(p + 4);
	rr->rdlen = load16_be(p + 8);
	rr->rdoff = *off + 10;
	if (rr->rdlen > len - rr->rdoff)
		return -1;
	if (rdata_check(msg, len, rr) < 0)
		return -1;
	*off = rr->rdoff + rr->rdlen;
	return 0;
}

/* Walk a whole message: header, every question, every record; nothing may
 * be left over.  Calls visit (if non-NULL) for each entry with its section
 * (0 = question); a nonzero return from visit stops the walk with that value. */
typedef int (*dns_visit_fn)(void *arg, const uint8_t *msg, size_t len, int section,
                            const struct dns_rr *rr);

static int msg_walk(const uint8_t *msg, size_t len, struct dns_header *h,
                    dns_visit_fn visit, void *arg)
{
	size_t off = DNS_HDR_LEN;
	struct dns_rr rr;

	if (len > DNS_MAX_MSG || header_read(msg, len, h) < 0)
		return -1;
	for (int s = 0; s < 4; s++) {
		for (unsigned i = 0; i < h->count[s]; i++) {
			int r = s == 0 ? question_read(msg, len, &off, &rr) : rr_read(msg, len, &off, &rr);
			if (r < 0)
				return -1;
			if (visit != NULL && (r = visit(arg, msg, len, s, &rr)) != 0)
				return r;
		}
	}
	return off == len ? 0 : -1;
}

/* ---- dns_inspect ---- */

struct pq1_candidate {
	int found;                      /* 0 none yet, 1 valid pq1, -1 pq1-shaped but invalid */
	struct pq1name pq1;
	char owner[DNS_MAX_NAME + 1];
};

struct inspect_state {
	struct dns_info *info;
	int saw_txt, too_many, saw_answer;
	struct pq1_candidate a_owner;   /* first pq1 name owning an A record */
	struct pq1_candidate any;       /* first pq1 name anywhere in the chain */
	struct pq1_candidate qname;     /* the question's name, if it is a pq1 name */
};

static void consider(struct pq1_candidate *c, const struct dns_name *n)
{
	char text[DNS_MAX_NAME + 1];
	struct pq1name p;

	if (c->found != 0 || name_text(text, n) < 0)
		return;
	int r = pq1_parse_name(&p, text, strlen(text));
	if (r == 0)
		return;
	c->found = r > 0 ? 1 : -1;
	c->pq1 = p;
	memcpy(c->owner, text, sizeof c->owner);
}

static int inspect_visit(void *arg, const uint8_t *msg, size_t len, int section,
                         const struct dns_rr *rr)
{
	struct inspect_state *st = arg;
	struct dns_info *info = st->info;

	if (section != 1)
		return 0;
	if (!st->saw_answer || rr->ttl < info->min_ttl)
		info->min_ttl = rr->ttl;
	st->saw_answer = 1;
	if (rr->type == DNS_TYPE_TXT)
		st->saw_txt = 1;
	if (rr->cls != DNS_CLASS_IN)
		return 0;
	if (rr->type == DNS_TYPE_A) {
		if (info->naddrs == DNS_MAX_ADDRS)
			st->too_many = 1;
		else
			info->addrs[info->naddrs++] = load32_be(msg + rr->rdoff);
		consider(&st->a_owner, &rr->name);
	} else if (rr->type == DNS_TYPE_AAAA) {
		if (info->naddrs6 < DNS_MAX_ADDRS)
			memcpy(info->addrs6[info->naddrs6++], msg + rr->rdoff, 16);
		info->naaaa++;
	}
	consider(&st->any, &rr->name);
	if (rr->type == DNS_TYPE_CNAME) {
		struct dns_name target;
		size_t p = rr->rdoff;
		if (name_read(msg, len, rr->rdoff + rr->rdlen, &p, &target) < 0)
			return -1;    /* cannot happen: rr_read checked it */
		consider(&st->any, &target);
	}
	return 0;
}

static const char canary_name[] = "use-application-dns.net";

int dns_inspect(const uint8_t *msg, size_t len, struct dns_info *info)
{
	struct dns_header h;
	struct inspect_state st;

	memset(info, 0, sizeof *info);
	memset(&st, 0, sizeof st);
	st.info = info;
	if (msg_walk(msg, len, &h, inspect_visit, &st) != 0)
		goto malformed;
	if (!(h.flags & DNS_FLAG_QR))
		goto malformed;
	info->id = h.id;
	info->rcode = (uint8_t)(h.flags & 0x000f);
	info->verdict = DNS_PASS;
	if (h.count[0] > 0) {
		size_t off = DNS_HDR_LEN;
		struct dns_rr q;
		if (question_read(msg, len, &off, &q) < 0)
			goto malformed;
		info->qtype = q.type;
		if (name_equal_nocase(&q.name, canary_name)) {
			info->verdict = DNS_CANARY;
			return 0;
		}
		consider(&st.qname, &q.name);
	}
	if (st.saw_txt || st.too_many)
		return 0;
	/* The name that owns the A records is what the reference looks at, and
	 * what TXT lookups are made for; any other pq1 name in the chain (a
	 * CNAME pointing to a pq1 name whose A records are not in this answer,
	 * or an AAAA-only answer) still counts, so that AAAA can be removed. */
	const struct pq1_candidate *c = st.a_owner.found ? &st.a_owner : &st.any;
	if (st.qname.found > 0) {
		/* a high-security name: the key of the name that was asked for */
		c = &st.qname;
		info->qname_pq1 = 1;
	}
	if (c->found <= 0)
		return 0;
	info->verdict = DNS_PQ1;
	info->pq1 = c->pq1;
	memcpy(info->pq1_owner, c->owner, sizeof info->pq1_owner);
	return 0;

malformed:
	memset(info, 0, sizeof *info);
	return -1;
}

/* ---- writing ---- */

#define COMP_SLOTS 256

struct writer {
	uint8_t *out;
	size_t cap, len;
	/* offsets in out where a written (uncompressed) label sequence starts,
	 * and the wire length of the name from there, for compression */
	uint16_t comp_off[COMP_SLOTS];
	uint16_t comp_len[COMP_SLOTS];
	unsigned ncomp;
};

static int put(struct writer *w, const void *p, size_t n)
{
	if (n > w->cap - w->len)
		return -1;
	memcpy(w->out + w->len, p, n);
	w->len += n;
	return 0;
}

static int put16(struct writer *w, uint16_t v)
{
	uint8_t b[2];
	store16_be(b, v);
	return put(w, b, 2);
}

static int put32(struct writer *w, uint32_t v)
{
	uint8_t b[4];
	store32_be(b, v);
	return put(w, b, 4);
}

/* Does the name written at out[off] equal the uncompressed suffix sfx,
 * byte for byte (case kept: 0x20-randomised names must survive)? */
static int written_equal(const struct writer *w, size_t off, const uint8_t *sfx)
{
	size_t i = 0;

	for (int hops = 0; hops < 128;) {
		uint8_t c = w->out[off];
		if ((c & 0xc0) == 0xc0) {
			off = ((size_t)(c & 0x3f) << 8) | w->out[off + 1];
			hops++;
			continue;
		}
		if (c != sfx[i])
			return 0;
		if (c == 0)
			return 1;
		if (memcmp(w->out + off + 1, sfx + i + 1, c) != 0)
			return 0;
		off += (size_t)c + 1;
		i += (size_t)c + 1;
	}
	return 0;
}

/* Write name n, compressed against earlier names if allowed. */
static int put_name(struct writer *w, const struct dns_name *n, int compress)
{
	size_t i = 0;

	while (n->wire[i] != 0) {
		if (compress) {
			size_t sfx_len = n->len - i;
			for (unsigned k = 0; k < w->ncomp; k++) {
				if (w->comp_len[k] == sfx_len && written_equal(w, w->comp_off[k], n->wire + i))
					return put16(w, (uint16_t)(0xc000 | w->comp_off[k]));
			}
			if (w->len < 0x4000 && w->ncomp < COMP_SLOTS) {
				w->comp_off[w->ncomp] = (uint16_t)w->len;
				w->comp_len[w->ncomp] = (uint16_t)sfx_len;
				w->ncomp++;
			}
		}
		size_t l = (size_t)n->wire[i] + 1;
		if (put(w, n->wire + i, l) < 0)
			return -1;
		i += l;
	}
	return put(w, "", 1);
}

/* Write a record's rdata: names expanded and written again, the rest copied. */
static int put_rdata(struct writer *w, const uint8_t *msg, size_t len, const struct dns_rr *rr)
{
	const struct rdata_layout *lay = layout_of(rr->type);
	size_t lenpos = w->len;

	if (put16(w, 0) < 0)
		return -1;
	if (lay == NULL || (rr->type == DNS_TYPE_TXT)) {
		if (put(w, msg + rr->rdoff, rr->rdlen) < 0)
			return -1;
	} else {
		size_t end = rr->rdoff + rr->rdlen, p = rr->rdoff + lay->pre;
		if (put(w, msg + rr->rdoff, lay->pre) < 0)
			return -1;
		for (int i = 0; i < lay->names; i++) {
			struct dns_name n;
			if (name_read(msg, len, end, &p, &n) < 0 || put_name(w, &n, lay->compress) < 0)
				return -1;
		}
		if (put(w, msg + p, end - p) < 0)
			return -1;
	}
	size_t rdlen = w->len - lenpos - 2;
	if (rdlen > 0xffff)
		return -1;
	store16_be(w->out + lenpos, (uint16_t)rdlen);
	return 0;
}

struct rewrite_state {
	struct writer w;
	const uint32_t *addr;
	const uint8_t *addr6;           /* AAAA records get this (TTL 0), or are removed (NULL) */
	unsigned removed;
	/* dns_rewrite_add_a: one A record to append to the answer section */
	int add_pending;
	unsigned added;
	const struct dns_name *add_owner;
};

static int put_added_a(struct rewrite_state *st)
{
	struct writer *w = &st->w;
	st->add_pending = 0;
	if (put_name(w, st->add_owner, 1) < 0 || put16(w, DNS_TYPE_A) < 0 || put16(w, DNS_CLASS_IN) < 0 ||
	    put32(w, 0) < 0 || put16(w, 4) < 0 || put32(w, *st->addr) < 0)
		return -1;
	st->added++;
	return 0;
}

static int rewrite_visit(void *arg, const uint8_t *msg, size_t len, int section,
                         const struct dns_rr *rr)
{
	struct rewrite_state *st = arg;
	struct writer *w = &st->w;
	int in_answer = section == 1 && rr->cls == DNS_CLASS_IN;

	if (st->add_pending && section >= 2 && put_added_a(st) < 0)
		return -1;
	if (in_answer && rr->type == DNS_TYPE_AAAA && !st->addr6) {
		st->removed++;
		return 0;
	}
	/* signatures over the A or AAAA records no longer match what is sent */
	if (in_answer && rr->type == DNS_TYPE_RRSIG && rr->rdlen >= 2 &&
	    (load16_be(msg + rr->rdoff) == DNS_TYPE_A || load16_be(msg + rr->rdoff) == DNS_TYPE_AAAA)) {
		st->removed++;
		return 0;
	}
	if (put_name(w, &rr->name, 1) < 0 || put16(w, rr->type) < 0 || put16(w, rr->cls) < 0)
		return -1;
	if (section == 0)
		return 0;
	if (in_answer && rr->type == DNS_TYPE_A && st->addr != NULL) {
		if (put32(w, 0) < 0 || put16(w, 4) < 0 || put32(w, *st->addr) < 0)
			return -1;
		return 0;
	}
	if (in_answer && rr->type == DNS_TYPE_AAAA) {      /* st->addr6 is set */
		if (put32(w, 0) < 0 || put16(w, 16) < 0 || put(w, st->addr6, 16) < 0)
			return -1;
		return 0;
	}
	if (put32(w, rr->ttl) < 0)
		return -1;
	return put_rdata(w, msg, len, rr);
}

static int rewrite(uint8_t *out, size_t cap, const uint8_t *msg, size_t len, const uint32_t *addr,
                   const uint8_t *addr6, const struct dns_name *add_owner)
{
	struct dns_header h;
	struct rewrite_state st;

	if (cap > DNS_MAX_MSG)
		cap = DNS_MAX_MSG;
	if (cap < DNS_HDR_LEN)
		return -1;
	st.w.out = out;
	st.w.cap = cap;
	st.w.len = DNS_HDR_LEN;
	st.w.ncomp = 0;
	st.addr = addr;
	st.addr6 = addr6;
	st.removed = 0;
	st.added = 0;
	st.add_owner = add_owner;
	st.add_pending = add_owner != NULL && addr != NULL;
	if (msg_walk(msg, len, &h, rewrite_visit, &st) != 0)
		return -1;
	if (st.add_pending && put_added_a(&st) < 0)
		return -1;
	store16_be(out, h.id);
	/* the answer is no longer what a validator checked: AD cleared */
	store16_be(out + 2, (uint16_t)(h.flags & ~DNS_FLAG_AD));
	store16_be(out + 4, h.count[0]);
	store16_be(out + 6, (uint16_t)(h.count[1] - st.removed + st.added));
	store16_be(out + 8, h.count[2]);
	store16_be(out + 10, h.count[3]);
	return (int)st.w.len;
}

int dns_rewrite(uint8_t *out, size_t cap, const uint8_t *msg, size_t len, const uint32_t *addr)
{
	return rewrite(out, cap, msg, len, addr, NULL, NULL);
}

/* The answer's CNAME chain, for the owner of an added A record. */
#define CHAIN_MAX 16
struct chain_state {
	struct dns_name qname;
	int have_q, have_a;
	unsigned n;
	struct dns_name from[CHAIN_MAX], to[CHAIN_MAX];
};

static int chain_visit(void *arg, const uint8_t *msg, size_t len, int section, const struct dns_rr *rr)
{
	struct chain_state *c = arg;
	if (section == 0 && !c->have_q) {
		if (rr->type != DNS_TYPE_A || rr->cls != DNS_CLASS_IN)
			return 1;             /* not an A question: nothing to add */
		c->qname = rr->name;
		c->have_q = 1;
	}
	if (section != 1 || rr->cls != DNS_CLASS_IN)
		return 0;
	if (rr->type == DNS_TYPE_A)
		c->have_a = 1;
	if (rr->type == DNS_TYPE_CNAME) {
		size_t p = rr->rdoff;
		if (c->n == CHAIN_MAX)
			return 1;
		c->from[c->n] = rr->name;
		if (name_read(msg, len, rr->rdoff + rr->rdlen, &p, &c->to[c->n]) < 0)
			return -1;
		c->n++;
	}
	return 0;
}

static int names_equal(const struct dns_name *a, const struct dns_name *b)
{
	if (a->len != b->len)
		return 0;
	for (size_t i = 0; i < a->len; i++)
		if (lower(a->wire[i]) != lower(b->wire[i]))
			return 0;
	return 1;
}

int dns_rewrite_add_a(uint8_t *out, size_t cap, const uint8_t *msg, size_t len, uint32_t addr)
{
	return dns_rewrite_add_a6(out, cap, msg, len, addr, NULL);
}

int dns_rewrite_add_a6(uint8_t *out, size_t cap, const uint8_t *msg, size_t len, uint32_t addr,
                       const uint8_t addr6[16])
{
	static struct chain_state c;   /* 8 KB: off the stack (one thread uses DNS) */
	struct dns_header h;
	struct dns_name end;

	memset(&c, 0, sizeof c);
	int r = msg_walk(msg, len, &h, chain_visit, &c);
	if (r < 0)
		return -1;
	if (r > 0 || !c.have_q || c.have_a || (h.flags & 0x000f) != 0)
		/* no A question, a long chain, A records, or an error: as dns_rewrite */
		return rewrite(out, cap, msg, len, &addr, addr6, NULL);
	/* follow the chain from the question's name; every step must be there */
	end = c.qname;
	for (unsigned step = 0; step < CHAIN_MAX; step++) {
		unsigned i;
		for (i = 0; i < c.n && !names_equal(&c.from[i], &end); i++)
			;
		if (i == c.n)
			break;
		end = c.to[i];
	}
	return rewrite(out, cap, msg, len, &addr, addr6, &end);
}

int dns_make_nxdomain(uint8_t *out, size_t cap, const uint8_t *msg, size_t len)
{
	return dns_make_error(out, cap, msg, len, DNS_RCODE_NXDOMAIN);
}

int dns_make_error(uint8_t *out, size_t cap, const uint8_t *msg, size_t len, unsigned rcode)
{
	struct dns_header h;
	struct dns_rr q;
	size_t off = DNS_HDR_LEN;

	if (msg_walk(msg, len, &h, NULL, NULL) != 0)
		return -1;
	/* The question section comes right after the header and its pointers
	 * can only refer backwards into it, so it is copied as it is. */
	for (unsigned i = 0; i < h.count[0]; i++)
		if (question_read(msg, len, &off, &q) < 0)
			return -1;
	if (off > cap)
		return -1;
	memcpy(out, msg, off);
	uint16_t flags = (uint16_t)((h.flags | DNS_FLAG_QR) & ~DNS_FLAG_TC & ~0x000f);
	store16_be(out + 2, (uint16_t)(flags | (rcode & 0x000f)));
	memset(out + 6, 0, 6);
	return (int)off;
}

int dns_is_canary_query(const uint8_t *msg, size_t len)
{
	struct dns_header h;
	struct dns_rr q;
	size_t off = DNS_HDR_LEN;

	if (header_read(msg, len, &h) < 0 || h.count[0] == 0)
		return 0;
	if (question_read(msg, len, &off, &q) < 0)
		return 0;
	return name_equal_nocase(&q.name, canary_name);
}

int dns_build_query(uint8_t *out, size_t cap, uint16_t id, const char *name, uint16_t qtype)
{
	struct dns_name n;
	size_t tl = strlen(name), start = 0;

	if (tl > 0 && name[tl - 1] == '.')
		tl--;
	n.len = 0;
	while (start < tl) {
		const char *dot = memchr(name + start, '.', tl - start);
		size_t l = dot ? (size_t)(dot - (name + start)) : tl - start;
		if (l == 0 || l > DNS_MAX_LABEL || n.len + 1 + l + 1 > DNS_WIRE_MAX)
			return -1;
		n.wire[n.len++] = (uint8_t)l;
		memcpy(n.wire + n.len, name + start, l);
		n.len += l;
		start += l + 1;
		if (dot != NULL && start == tl)   /* "a..": an empty label at the end */
			return -1;
	}
	n.wire[n.len++] = 0;

	if (DNS_HDR_LEN + n.len + 4 > cap)
		return -1;
	store16_be(out, id);
	store16_be(out + 2, 0x0100);        /* RD */
	store16_be(out + 4, 1);
	memset(out + 6, 0, 6);
	memcpy(out + DNS_HDR_LEN, n.wire, n.len);
	store16_be(out + DNS_HDR_LEN + n.len, qtype);
	store16_be(out + DNS_HDR_LEN + n.len + 2, DNS_CLASS_IN);
	return (int)(DNS_HDR_LEN + n.len + 4);
}

/* ---- question identity ---- */

_Static_assert(sizeof ((struct dns_question *)0)->name == DNS_WIRE_MAX, "question name buffer");

int dns_question_get(const uint8_t *msg, size_t len, struct dns_question *q)
{
	struct dns_header h;
	struct dns_rr rr;
	size_t off = DNS_HDR_LEN;

	memset(q, 0, sizeof *q);
	if (len > DNS_MAX_MSG || header_read(msg, len, &h) < 0 || h.count[0] > 1)
		return -1;
	q->id = h.id;
	q->flags = h.flags;
	q->qdcount = h.count[0];
	if (h.count[0] == 0)
		return 0;
	if (question_read(msg, len, &off, &rr) < 0 || rr.name.len > sizeof q->name) {
		memset(q, 0, sizeof *q);
		return -1;
	}
	/* lower-case the label bytes, never the length bytes */
	for (size_t i = 0; i < rr.name.len && rr.name.wire[i] != 0;) {
		size_t l = rr.name.wire[i];
		q->name[i] = rr.name.wire[i];
		for (size_t k = 1; k <= l; k++)
			q->name[i + k] = lower(rr.name.wire[i + k]);
		i += l + 1;
	}
	q->name[rr.name.len - 1] = 0;
	q->name_len = (uint16_t)rr.name.len;
	q->qtype = rr.type;
	q->qclass = rr.cls;
	return 0;
}

int dns_question_same(const struct dns_question *a, const struct dns_question *b)
{
	if (a->id != b->id || a->qdcount != b->qdcount)
		return 0;
	if (a->qdcount == 0)
		return 1;
	return a->qtype == b->qtype && a->qclass == b->qclass && a->name_len == b->name_len &&
	       a->name_len <= sizeof a->name && memcmp(a->name, b->name, a->name_len) == 0;
}

int dns_well_formed(const uint8_t *msg, size_t len)
{
	struct dns_header h;

	return msg_walk(msg, len, &h, NULL, NULL) == 0;
}

/* ---- TXT ---- */

int dns_txt_strings(const uint8_t *msg, size_t len, uint16_t id, int *rcode,
                    int (*cb)(void *arg, const uint8_t *txt, size_t n), void *arg)
{
	struct dns_header h;
	struct dns_rr rr;

	if (msg_walk(msg, len, &h, NULL, NULL) != 0)
		return -1;
	if (!(h.flags & DNS_FLAG_QR) || h.id != id)
		return -1;
	*rcode = h.flags & 0x000f;
	/* Second pass, over a message known to be well formed. */
	size_t off = DNS_HDR_LEN;
	for (unsigned i = 0; i < h.count[0]; i++)
		if (question_read(msg, len, &off, &rr) < 0)
			return -1;
	for (unsigned i = 0; i < h.count[1]; i++) {
		if (rr_read(msg, len, &off, &rr) < 0)
			return -1;
		if (rr.type != DNS_TYPE_TXT)
			continue;
		size_t p = rr.rdoff, end = rr.rdoff + rr.rdlen;
		while (p < end) {
			size_t n = msg[p];
			if (cb(arg, msg + p + 1, n) != 0)
				return 0;
			p += n + 1;
		}
	}
	return 0;
}

/* Copy txt without double quotes into buf (at most 255 bytes). */
static int strip_quotes(char buf[256], const uint8_t *txt, size_t n, size_t *out_len)
{
	size_t o = 0;

	if (n > 255)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (txt[i] != '"')
			buf[o++] = (char)txt[i];
	*out_len = o;
	return 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && is_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_blank((*s)[*n - 1]))
		(*n)--;
}

static size_t count_char(const char *s, size_t n, char c)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

/* A decimal port 1..65535, blanks around it tolerated. */
static int parse_port(const char *s, size_t n, uint16_t *port)
{
	uint32_t v = 0;

	trim(&s, &n);
	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* "key=value" with exactly one '=' and the trimmed key equal to want. */
static int parse_item(const char *s, size_t n, const char *want, uint16_t *port)
{
	const char *eq = memchr(s, '=', n);
	if (eq == NULL || count_char(s, n, '=') != 1)
		return -1;
	const char *k = s;
	size_t kl = (size_t)(eq - s);
	trim(&k, &kl);
	if (kl != strlen(want) || memcmp(k, want, kl) != 0)
		return -1;
	return parse_port(eq + 1, n - (size_t)(eq - s) - 1, port);
}

int dns_txt_parse_p(const uint8_t *txt, size_t n, uint16_t *port)
{
	char buf[256];
	size_t bl;

	if (strip_quotes(buf, txt, n, &bl) < 0)
		return -1;
	return parse_item(buf, bl, "p", port);
}

int dns_txt_parse_ks(const uint8_t *txt, size_t n, uint16_t *port)
{
	char buf[256];
	size_t bl;

	if (strip_quotes(buf, txt, n, &bl) < 0 || count_char(buf, bl, ';') != 1)
		return -1;
	const char *semi = memchr(buf, ';', bl);
	size_t l1 = (size_t)(semi - buf), l2 = bl - l1 - 1;
	/* Both items must be "key=value"; the port comes from the one keyed p. */
	if (memchr(buf, '=', l1) == NULL || memchr(semi + 1, '=', l2) == NULL)
		return -1;
	if (parse_item(semi + 1, l2, "p", port) == 0)
		return 0;
	return parse_item(buf, l1, "p", port);
}

/* ---- answers that cannot be parsed ---- */

/* Is the label of len bytes at l pq1-shaped (valid or not)? */
static int pq1_shaped(const uint8_t *l, size_t len)
{
	struct pq1name n;
	return pq1_parse_label(&n, (const char *)l, len) != 0;
}

int dns_wire_name_pq1(const uint8_t *name, size_t len)
{
	for (size_t i = 0; i < len && name[i] != 0; i += 1 + (size_t)name[i])
		if (i + 1 + name[i] <= len && pq1_shaped(name + i + 1, name[i]))
			return 1;
	return 0;
}

int dns_bytes_pq1(const uint8_t *b, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (i + 1 + (size_t)b[i] <= len && pq1_shaped(b + i + 1, b[i]))
			return 1;
	return 0;
}

int dns_may_ask_pq1(const uint8_t *msg, size_t len)
{
	struct dns_question q;

	if (dns_question_get(msg, len, &q) == 0)
		return dns_wire_name_pq1(q.name, q.name_len);
	/* no question to read: any pq1-shaped label anywhere may be the one
	 * a stub resolver takes as its question */
	return dns_bytes_pq1(msg, len);
}
