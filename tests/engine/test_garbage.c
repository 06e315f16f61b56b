/* SPDX-License-Identifier: MIT */
/*
 * The order table under garbage, in every build (fuzz_tbl.h: the
 * operations and the checks; fuzz_tbl.c runs the same harness under
 * libFuzzer).  Inputs come from the tests' xorshift generator, so a
 * failure names a seed that reproduces it.
 */
#include <criterion/criterion.h>

#include "fuzz_tbl.h"
#include "helpers.h"

Test(garbage, random_operations_keep_every_invariant, .timeout = 120)
{
	enum { INPUTS = 3000, MAXLEN = 2048 };
	static uint8_t buf[MAXLEN];
	uint64_t s = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < INPUTS; i++) {
		size_t n = (size_t)(tst_rnd(&s) % MAXLEN);
		for (size_t j = 0; j < n; j++)
			buf[j] = (uint8_t)tst_rnd(&s);
		fz_tbl_run(buf, n);
	}
}
