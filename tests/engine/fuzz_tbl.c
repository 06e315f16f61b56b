/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the order table under arbitrary operations
 * (fuzz_tbl.h says what is checked).  Built with -Dfuzz=enabled and
 * clang; see docs/engine.md "Bad input". */
#include "fuzz_tbl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_tbl_run(data, size);
}
