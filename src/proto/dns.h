/* DNS messages as the client sees them (PROTOCOL.md §4, §11.3): find a pq1
 * announcement anywhere in an answer's CNAME chain, rewrite its A records,
 * remove its AAAA records, answer Firefox's DoH canary with NXDOMAIN, and
 * build/parse the client's own TXT lookups (§4.5).  Pure functions: every
 * length explicit, every pointer and count checked, "no" on any oddity. */
#ifndef PQC_DNS_H
#define PQC_DNS_H
#include <stddef.h>
#include <stdint.h>
#include "proto/pq1name.h"

#define DNS_TYPE_A 1
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_TXT 16
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_RRSIG 46
#define DNS_MAX_NAME 255      /* dotted text form, without trailing dot */
#define DNS_MAX_ADDRS 25      /* more A records than this: leave the answer alone */

enum dns_verdict {
	DNS_PASS = 0,         /* nothing to do: forward unchanged */
	DNS_PQ1,              /* answer carries a pq1 announcement */
	DNS_CANARY,           /* answer for use-application-dns.net: make it NXDOMAIN */
};

struct dns_info {
	enum dns_verdict verdict;
	uint16_t id;
	uint16_t qtype;                  /* type of the first question (0 if none) */
	uint8_t rcode;                   /* the header's RCODE (0: NOERROR) */
	struct pq1name pq1;              /* valid for DNS_PQ1 */
	int qname_pq1;                   /* the question's name is itself the pq1 name (a
	                                  * high-security name: its key is enforced) */
	char pq1_owner[DNS_MAX_NAME + 1];/* dotted name holding the pq1 label (for TXT lookups), lower case */
	uint32_t addrs[DNS_MAX_ADDRS];   /* A records of the answer section, host order, in order */
	unsigned naddrs;
	unsigned naaaa;                  /* AAAA records in the answer section */
	uint8_t addrs6[DNS_MAX_ADDRS][16];/* the first DNS_MAX_ADDRS of them, in order */
	unsigned naddrs6;
	uint32_t min_ttl;                /* smallest TTL among the answer records */
};

/* Parse a DNS response and decide.  Returns 0 and fills *info, or -1 if the
 * message is not a well-formed response (then it must be passed unchanged).
 * When the question's name is itself a valid pq1 name, that name is the one
 * chosen (the key of the name asked for wins over a CNAME to another pq1
 * name) and qname_pq1 is set.
 * A response holding any TXT answer, more than DNS_MAX_ADDRS A records, or
 * no pq1 label in its answer chain is DNS_PASS.  pq1 labels are matched
 * case-insensitively in owner names and CNAME targets of the answer section. */
int dns_inspect(const uint8_t *msg, size_t len, struct dns_info *info);

/* Rewrite a response that dns_inspect classified DNS_PQ1: every A record of
 * the answer section gets rdata addr (host order) and TTL 0 (if addr is
 * non-NULL), and every AAAA record of the answer section is removed, with
 * the RRSIG records over A or AAAA (they would not match any more) and the
 * AD flag.  Other records are kept.  Writes the new message (at most cap bytes) and returns
 * its length, or -1. */
int dns_rewrite(uint8_t *out, size_t cap, const uint8_t *msg, size_t len, const uint32_t *addr);

/* The same as dns_rewrite with addr, and when the answer to an A question
 * (class IN) has no A record at all (a server with IPv6 addresses only),
 * and the RCODE is NOERROR,
 * one A record addr (TTL 0) is appended to the answer section, owned by the
 * end of the answer's CNAME chain from the question's name (the name
 * itself without CNAME), so that resolvers that follow the chain take it.
 * Returns the length or -1. */
int dns_rewrite_add_a(uint8_t *out, size_t cap, const uint8_t *msg, size_t len, uint32_t addr);

/* The same as dns_rewrite_add_a, except that with addr6 non-NULL every
 * AAAA record of the answer section gets rdata addr6 and TTL 0 instead of
 * being removed (inner IPv6 with a server that carries it); no AAAA
 * record is added where there was none.  Returns the length or -1. */
int dns_rewrite_add_a6(uint8_t *out, size_t cap, const uint8_t *msg, size_t len, uint32_t addr,
                       const uint8_t addr6[16]);

/* NXDOMAIN answer for the query answered by msg (header and question kept,
 * all record sections emptied, RCODE 3).  Returns the length or -1. */
int dns_make_nxdomain(uint8_t *out, size_t cap, const uint8_t *msg, size_t len);
/* The same with another RCODE (2: SERVFAIL). */
#define DNS_RCODE_SERVFAIL 2
int dns_make_error(uint8_t *out, size_t cap, const uint8_t *msg, size_t len, unsigned rcode);

/* Does the first question ask for use-application-dns.net (any case)? */
int dns_is_canary_query(const uint8_t *msg, size_t len);

/* Build a standard query (RD set, one question, class IN).  Returns length or -1. */
int dns_build_query(uint8_t *out, size_t cap, uint16_t id, const char *name, uint16_t qtype);

/* The TXT strings of the answer section of a response with this id:
 * calls cb(arg, text, len) for each character-string of each TXT record in
 * order until cb returns nonzero.  Returns 0 if the message parsed and had
 * the id, -1 otherwise; *rcode gets the response code. */
int dns_txt_strings(const uint8_t *msg, size_t len, uint16_t id, int *rcode,
                    int (*cb)(void *arg, const uint8_t *txt, size_t n), void *arg);

/* The identity of a DNS message, as a forwarder or the client's monitor
 * compares a query with its answer, or an answer with what replaces it:
 * the header's id and flags, and its question (at most one: messages with
 * more questions are refused).  The name is kept in uncompressed wire form
 * with ASCII letters lower-cased, so names equal but for case compare equal. */
struct dns_question {
	uint16_t id, flags;
	uint16_t qdcount;                /* 0 or 1 */
	uint16_t qtype, qclass;          /* of the question (0 if none) */
	uint16_t name_len;               /* bytes of name[], final zero included (0 if no question) */
	uint8_t name[DNS_MAX_NAME];      /* the wire form is at most 255 bytes */
};

/* Read the header and the question section of msg (a query or a response;
 * the other sections are not looked at).  0, or -1 if the header or the
 * question is malformed or there is more than one question. */
int dns_question_get(const uint8_t *msg, size_t len, struct dns_question *q);
/* 1 if a and b have the same id and the same question (qtype, qclass, name
 * but for the case of ASCII letters; both without question counts as the
 * same), 0 otherwise.  Flags are not compared. */
int dns_question_same(const struct dns_question *a, const struct dns_question *b);
/* 1 if msg is a whole well-formed DNS message (every section parses, no
 * byte left over), 0 otherwise. */
int dns_well_formed(const uint8_t *msg, size_t len);

/* For a message that dns_inspect refuses: may it answer a question for a
 * high-security name?  1 if its question names a pq1-shaped label (valid or
 * not), or, when even the question cannot be read, if any pq1-shaped label
 * (a length byte followed by one) is anywhere in the message; 0 otherwise.
 * Such an answer must never reach an application unchanged. */
int dns_may_ask_pq1(const uint8_t *msg, size_t len);
/* Does the wire-form name (len bytes at most, up to its final zero) hold a
 * pq1-shaped label?  1 / 0. */
int dns_wire_name_pq1(const uint8_t *name, size_t len);
/* Is there a pq1-shaped label (a length byte followed by one) anywhere in
 * the len bytes at b (a packet that cannot be parsed)?  1 / 0. */
int dns_bytes_pq1(const uint8_t *b, size_t len);

/* "p=<port>" (quotes and blanks around the key tolerated).  0 / -1. */
int dns_txt_parse_p(const uint8_t *txt, size_t n, uint16_t *port);
/* "ip=<addr>;p=<port>": returns the port (the ip is ignored, as the
 * reference ignores it).  0 / -1. */
int dns_txt_parse_ks(const uint8_t *txt, size_t n, uint16_t *port);
#endif
