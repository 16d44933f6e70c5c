/* fuzz_change.c - libFuzzer target for the change decoder and validator.
 *
 * Property: decoding never crashes or leaks, and whatever it accepts
 * re-encodes to exactly the input bytes (one representation per change). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/change.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ps_change *c = NULL;
	if (ps_change_decode(&c, (const char *)data, size) == 0) {
		char *out = NULL;
		size_t len = 0;
		if (ps_change_encode(&out, &len, c) != 0 || len != size || memcmp(out, data, size) != 0)
			abort();
		free(out);
		ps_change_free(c);
	}
	return 0;
}
