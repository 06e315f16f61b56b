/* SPDX-License-Identifier: MIT */
/*
 * The differential check fuzz_gate and fuzz_coinbase share: the input is
 * parsed again behind a tab, which the plain walk (adapters/plain, with
 * its key-order expectations) declines, so the scanner paths take it.
 * Both must give events or neither, and then the same events byte for
 * byte (errors and sessions may name another reason: whitespace counts
 * in a few).  r, out and ev are the first parse's.  Traps on a
 * difference; inputs of 64 KiB and more (beyond the plain walk) are
 * skipped.
 */
#ifndef OSE_TESTS_ADAPTERS_V2_FUZZ_DIFF_H
#define OSE_TESTS_ADAPTERS_V2_FUZZ_DIFF_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter.h"

static inline void fuzz_diff_tab(ose_adapter_parse_fn fn, const uint8_t *data, size_t size,
				 const struct ose_parse_ctx *ctx, enum ose_parse_res r,
				 const struct ose_parse_out *out, const struct ose_event *ev)
{
	static struct ose_event ev2[4];
	struct ose_parse_out out2 = { .ev = ev2, .cap = 4 };
	char *tab;

	if (size >= 65536 || !(tab = malloc(size + 1)))
		return;
	tab[0] = '\t';
	memcpy(tab + 1, data, size);
	memset(ev2, 0, sizeof(ev2));
	enum ose_parse_res r2 = fn(tab, size + 1, 0, ctx, &out2);
	if ((r == OSE_PARSE_EVENTS) != (r2 == OSE_PARSE_EVENTS) ||
	    (r == OSE_PARSE_EVENTS &&
	     (out2.n != out->n || memcmp(ev, ev2, sizeof(ev[0]) * out->n) != 0)))
		__builtin_trap();
	free(tab);
}

#endif /* OSE_TESTS_ADAPTERS_V2_FUZZ_DIFF_H */
