/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the gate adapter.  Built with -Dfuzz=enabled and
 * clang; seeded with tests/adapters/fixtures/gate/.  Checks the adapter
 * contract on every input: a result in range, a reason always, no events
 * with an error, never more events than cap.  ASan (libFuzzer builds add
 * it with -fsanitize=fuzzer,address) catches reads outside the input.
 * Differential: the same input behind a tab (fuzz_diff.h): the plain
 * walk against the scanner paths, events byte for byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/core/venues.h"
#include "fuzz_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ose_event ev[4];
	struct ose_parse_ctx ctx = { .account = "fuzz", .venue = OSE_VENUE_GATE };
	struct ose_parse_out out = { .ev = ev, .cap = 4 };
	int binary = 0;
	char *copy;


	/* An exact-size heap copy so ASan sees any over-read. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	enum ose_parse_res r = ose_gate_parse(copy, size, binary, &ctx, &out);
	if (!out.why || out.n > out.cap)
		__builtin_trap();
	if (r == OSE_PARSE_ERROR && (out.n != 0 || out.err == OSE_PERR_NONE || out.err >= OSE_PERR_COUNT))
		__builtin_trap();
	if (r != OSE_PARSE_ERROR && r != OSE_PARSE_EVENTS && r != OSE_PARSE_SESSION)
		__builtin_trap();
	fuzz_diff_tab(ose_gate_parse, data, size, &ctx, r, &out, ev);
	free(copy);
	return 0;
}
