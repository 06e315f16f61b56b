/* SPDX-License-Identifier: MIT */
/* libFuzzer target: ose_bybit_parse (see docs/adapters.md). */
#include "tests/adapters/fuzz/fuzz_common.h"

#include <stdlib.h>
#include <string.h>

#include "adapters/json/swar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_adapter(ose_bybit_parse, data, size);
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
