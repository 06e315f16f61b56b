/* SPDX-License-Identifier: MIT */
/* libFuzzer target: ose_bybit_parse (see docs/adapters.md).  Also
 * differential: the same input behind a tab (tests/adapters/v2/fuzz_diff.h)
 * takes the scanner instead of the plain walk; events byte for byte. */
#include "tests/adapters/fuzz/fuzz_common.h"
#include "tests/adapters/v2/fuzz_diff.h"

#include <stdlib.h>
#include <string.h>

#include "adapters/json/swar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_adapter(ose_bybit_parse, data, size);
	{
		static struct ose_event ev[4];
		struct ose_parse_ctx ctx = { .account = "fuzz", .venue = OSE_VENUE_BYBIT };
		struct ose_parse_out out = { .ev = ev, .cap = 4 };
		/* An exact-size heap copy so ASan sees any over-read. */
		char *copy = malloc(size ? size : 1);

		if (copy) {
			memcpy(copy, data, size);
			memset(ev, 0, sizeof(ev));
			enum ose_parse_res r = ose_bybit_parse(copy, size, 0, &ctx, &out);
			fuzz_diff_tab(ose_bybit_parse, data, size, &ctx, r, &out, ev);
			free(copy);
		}
	}
#if OSE_SWAR
	/* The inline decimal reader Bybit uses (ose_ev_dec_fast): whenever it takes
	 * a prefix of the input, ose_dec_parse takes it with the same value. */
	{
		char b[24] = { 0 };
		memcpy(b, data, size < 18 ? size : 18);
		for (size_t n = 0; n <= 18 && n <= size; n++) {
			ose_dec a = 0, want = 0;
			if (ose_swar_dec_short(b, n, &a) &&
			    (ose_dec_parse(b, n, &want) != OSE_DEC_OK || a != want))
				abort();
		}
	}
#endif
	return 0;
}
