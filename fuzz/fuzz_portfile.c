/* Port files: whatever parses, printed back in decimal, parses to the same
 * port; nothing reads outside the input. */
#include <stdio.h>

#include "fuzz.h"
#include "proto/portfile.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { (void)argc; (void)argv; return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t port, again;
	char text[8];
	if (portfile_parse((const char *)data, size, &port) == 0) {
		int n = snprintf(text, sizeof text, "%u", (unsigned)port);
		FUZZ_ASSERT(portfile_parse(text, (size_t)n, &again) == 0 && again == port);
	}
	return 0;
}
