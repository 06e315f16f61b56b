/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the coinbase adapter.  Built with -Dfuzz=enabled and
 * clang; seeded with tests/adapters/fixtures/coinbase/.  Checks the adapter
 * contract on every input: a result in range, a reason always, no events
 * with an error, never more events than cap.  ASan (libFuzzer builds add
 * it with -fsanitize=fuzzer,address) catches reads outside the input.
 * Differential: the same input behind a tab, which the plain walk
 * (adapters/plain, with its key-order expectations) declines, so the
 * scanner paths parse it; both must take it as events or neither, and
 * then give the same events byte for byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/core/venues.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ose_event ev[4];
	struct ose_parse_ctx ctx = { .account = "fuzz", .venue = OSE_VENUE_COINBASE };
	struct ose_parse_out out = { .ev = ev, .cap = 4 };
	int binary = 0;
	char *copy;


	/* An exact-size heap copy so ASan sees any over-read. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	enum ose_parse_res r = ose_coinbase_parse(copy, size, binary, &ctx, &out);
	if (!out.why || out.n > out.cap)
		__builtin_trap();
	if (r == OSE_PARSE_ERROR && (out.n != 0 || out.err == OSE_PERR_NONE || out.err >= OSE_PERR_COUNT))
		__builtin_trap();
	if (r != OSE_PARSE_ERROR && r != OSE_PARSE_EVENTS && r != OSE_PARSE_SESSION)
		__builtin_trap();
	if (size < 65536) {
		static struct ose_event ev2[4];
		struct ose_parse_out out2 = { .ev = ev2, .cap = 4 };
		char *tab = malloc(size + 1);
		if (tab) {
			tab[0] = '\t';
			memcpy(tab + 1, data, size);
			memset(ev2, 0, sizeof(ev2));
			enum ose_parse_res r2 = ose_coinbase_parse(tab, size + 1, binary, &ctx, &out2);
			/* Errors and sessions may name a different reason
			 * (whitespace counts in a few); events may not differ. */
			if ((r == OSE_PARSE_EVENTS) != (r2 == OSE_PARSE_EVENTS) ||
			    (r == OSE_PARSE_EVENTS &&
			     (out2.n != out.n || memcmp(ev, ev2, sizeof(ev[0]) * out.n) != 0)))
				__builtin_trap();
			free(tab);
		}
	}
	free(copy);
	return 0;
}
