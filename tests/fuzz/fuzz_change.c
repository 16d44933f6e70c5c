/* fuzz_change.c - libFuzzer target for the change decoder and validator.
 *
 * Properties: decoding never crashes or leaks; whatever it accepts
 * re-encodes to exactly the input bytes (one representation per change);
 * and the one-pass decoder (ps_change_decode) answers as the reference
 * decoder over a cJSON tree (ps_change_decode_tree) does: the same files
 * accepted, the same error code and words for every file refused. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/change.h"
#include "plansync/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ps_change *c = NULL, *t = NULL;
	int rc = ps_change_decode(&c, (const char *)data, size);
	char why[700] = "";
	if (rc)
		strncpy(why, ps_error_last(), sizeof(why) - 1);
	int rt = ps_change_decode_tree(&t, (const char *)data, size);
	if ((rc == 0) != (rt == 0) || (rc && (rc != rt || strcmp(why, ps_error_last()) != 0)))
		abort();
	if (rc == 0) {
		char *out = NULL, *out2 = NULL;
		size_t len = 0, len2 = 0;
		if (ps_change_encode(&out, &len, c) != 0 || len != size || memcmp(out, data, size) != 0)
			abort();
		if (ps_change_encode(&out2, &len2, t) != 0 || len2 != len || memcmp(out, out2, len) != 0)
			abort();
		free(out);
		free(out2);
	}
	ps_change_free(c);
	ps_change_free(t);
	return 0;
}
