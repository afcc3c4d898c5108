/* pq1name and base32: parse names, labels and base32 text; whatever
 * parses must format back to the same (lower-cased) text. */
#include <string.h>

#include "fuzz.h"
#include "proto/base32.h"
#include "proto/pq1name.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { (void)argc; (void)argv; return 0; }

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }

static int equal_nocase(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct pq1name p;
	char buf[PQ1_LONG_LEN];
	uint16_t port;

	(void)pq1_parse_name(&p, text, size);
	if (pq1_parse_label(&p, text, size) == 1) {
		size_t n = pq1_format(buf, p.hash, p.has_ports, p.cryptoport, p.keyport);
		FUZZ_ASSERT(n == size && equal_nocase(buf, text, n));
	}
	if (size >= 4 && pq1_port_decode(&port, text) == 0) {
		char enc[4];
		pq1_port_encode(enc, port);
		FUZZ_ASSERT(equal_nocase(enc, text, 4));
	}

	static uint8_t dec[4096];
	static char enc[8192];
	if (size > 4000)
		return 0;
	size_t outlen = 5 * size / 8;
	if (base32_decode(dec, outlen, text, size) == 0 && base32_encoded_len(outlen) == size) {
		FUZZ_ASSERT(base32_encode(enc, dec, outlen) == size);
		FUZZ_ASSERT(equal_nocase(enc, text, size));
	}
	/* and the other way round: bytes -> text -> the same bytes */
	size_t el = base32_encode(enc, data, size);
	FUZZ_ASSERT(el == base32_encoded_len(size));
	FUZZ_ASSERT(base32_decode(dec, size, enc, el) == 0 && memcmp(dec, data, size) == 0);
	FUZZ_ASSERT(base32_decode(dec, size + 1, enc, el) == -1);
	return 0;
}
