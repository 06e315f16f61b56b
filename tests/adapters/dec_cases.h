/* SPDX-License-Identifier: MIT */
/*
 * Shared by the venue tests of the inline decimal reader
 * (ose_ev_dec_fast, adapters/json/evutil.h): the decimal strings each of
 * them runs through its whole parse and compares with ose_dec_parse.
 *
 * dc_each() calls check(v) on every string of up to maxlen bytes over
 * "019.-x" (digits, a point, a sign and a letter: the inline shapes
 * "[-]I[.F]" and everything around them), then on nrand random digit
 * runs of 1..20 digits with a point somewhere (or at the end) and a
 * leading '-' one time in four, after srand(seed).  Returns the sum of
 * check's returns (the caller's "taken" count); *tried (if non-NULL)
 * gets the number of strings.
 */
#ifndef OSE_TESTS_ADAPTERS_DEC_CASES_H
#define OSE_TESTS_ADAPTERS_DEC_CASES_H

#include <stdlib.h>

static inline unsigned dc_each(unsigned maxlen, unsigned nrand, unsigned seed,
			       int (*check)(const char *v), unsigned *tried)
{
	static const char alpha[] = "019.-x";
	char v[32];
	unsigned taken = 0, n_tried = 0;

	for (unsigned len = 0; len <= maxlen; len++) {
		unsigned total = 1;
		for (unsigned i = 0; i < len; i++)
			total *= 6;
		for (unsigned c = 0; c < total; c++, n_tried++) {
			unsigned x = c;
			for (unsigned i = 0; i < len; i++, x /= 6)
				v[i] = alpha[x % 6];
			v[len] = 0;
			taken += (unsigned)check(v);
		}
	}
	srand(seed);
	for (unsigned i = 0; i < nrand; i++, n_tried++) {
		unsigned n = 1 + (unsigned)rand() % 20, pt = (unsigned)rand() % (n + 1), k = 0;
		if (rand() % 4 == 0)
			v[k++] = '-';
		for (unsigned j = 0; j < n; j++)
			v[k++] = j == pt ? '.' : (char)('0' + rand() % 10);
		v[k] = 0;
		taken += (unsigned)check(v);
	}
	if (tried)
		*tried = n_tried;
	return taken;
}

#endif /* OSE_TESTS_ADAPTERS_DEC_CASES_H */
