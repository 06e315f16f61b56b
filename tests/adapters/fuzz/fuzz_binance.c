/* SPDX-License-Identifier: MIT */
/* libFuzzer target: ose_binance_parse (see docs/adapters.md). */
#include "tests/adapters/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_adapter(ose_binance_parse, data, size);
	return 0;
}
