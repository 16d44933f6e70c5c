/* replay.c - a small deterministic mutation driver for fuzz_change.c, so the
 * default suite (built with gcc) exercises the target too: valid seeds,
 * then byte flips, insertions, deletions and splices from a fixed PRNG.
 * The real fuzzing run is libFuzzer's (scripts/fuzz.sh). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "plansync/change.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t st = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	st ^= st << 13;
	st ^= st >> 7;
	st ^= st << 17;
	return (uint32_t)st;
}

static char *seed(size_t *len, int k)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "note", k ? "Đã hoàn thành \"giai đoạn\"\n1" : "x");
	cJSON_AddNumberToObject(f, "percent", k * 10);
	if (k == 2)
		cJSON_AddItemToObject(f, "evidence", cJSON_CreateStringArray((const char *[]){"QĐ-1", "BC-2"}, 2));
	const char *base[] = {"0000000000010000-tx-kinh-mon-a"};
	ps_change *c = NULL;
	ps_change_new(&c, "tx-kinh-mon", "tx-kinh-mon-b", "Lan", PS_HLC_MAKE(0x1234, k),
	              "progress/tx-kinh-mon/p2-t7/2021", PS_OP_SET, base, k ? 1 : 0, f, k == 1 ? "lý do" : NULL);
	char *out = NULL;
	ps_change_encode(&out, len, c);
	ps_change_free(c);
	return out;
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 20000;
	size_t n[3];
	char *seeds[3];
	for (int k = 0; k < 3; k++) {
		seeds[k] = seed(&n[k], k);
		LLVMFuzzerTestOneInput((const uint8_t *)seeds[k], n[k]);
	}
	uint8_t *buf = malloc(70000);
	for (long i = 0; i < iters; i++) {
		int k = (int)(rnd() % 3);
		size_t len = n[k];
		memcpy(buf, seeds[k], len);
		int muts = 1 + (int)(rnd() % 4);
		for (int m = 0; m < muts && len > 0; m++) {
			size_t at = rnd() % len;
			switch (rnd() % 5) {
			case 0:
				buf[at] ^= (uint8_t)(1u << (rnd() % 8));
				break;
			case 1:
				buf[at] = (uint8_t) "{}[]\",:\\0u\n \xc3\xff"[rnd() % 15];
				break;
			case 2:
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
				break;
			case 3:
				if (len < 69000) {
					memmove(buf + at + 1, buf + at, len - at);
					buf[at] = (uint8_t)rnd();
					len++;
				}
				break;
			case 4: {
				size_t from = rnd() % len, cnt = rnd() % 16;
				if (from + cnt <= len && at + cnt <= len)
					memmove(buf + at, buf + from, cnt);
			} break;
			}
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("%ld mutated inputs decoded without a crash\n", iters);
	free(buf);
	for (int k = 0; k < 3; k++)
		free(seeds[k]);
	return 0;
}
