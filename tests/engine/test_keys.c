/* SPDX-License-Identifier: MIT */
/*
 * engine/keys.h and the fixed-array key hashes of shm/state.h against
 * plain references (strnlen, memcmp, the piecewise ose_key_strn), over
 * every length of every key field, with garbage after the NUL (an event's
 * arrays need not be zero-filled).  The SSE2 helpers and their scalar twin
 * (the same header compiled a second time without __SSE2__) must agree
 * with the references and with each other.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "engine/keys.h"
#include "shm/event.h"
#include "shm/state.h"
#include "tests/engine/helpers.h"

/* The scalar twin: keys.h again, renamed, with the vector path off. */
#undef OSE_ENGINE_KEYS_H
#pragma push_macro("__SSE2__")
#undef __SSE2__
#define ose_fk_nul16 sc_fk_nul16
#define ose_fk_ne16 sc_fk_ne16
#define ose_fk_len sc_fk_len
#define ose_fk_eq sc_fk_eq
#define ose_fk_copy sc_fk_copy
#define ose_fk_put sc_fk_put
#include "engine/keys.h"
#undef ose_fk_nul16
#undef ose_fk_ne16
#undef ose_fk_len
#undef ose_fk_eq
#undef ose_fk_copy
#undef ose_fk_put
#pragma pop_macro("__SSE2__")

static uint64_t rng = 0x243f6a8885a308d3ull;

/* A string of length n in a[max], printable bytes, then the NUL, then
 * garbage (non-zero bytes) to the end of the array. */
static void fill(char *a, size_t max, size_t n)
{
	for (size_t i = 0; i < max; i++)
		a[i] = (char)(i < n ? 33 + tst_rnd(&rng) % 90 : 1 + tst_rnd(&rng) % 255);
	a[n] = 0;
}

static const size_t maxes[] = {OSE_ACCOUNT_MAX, OSE_SYMBOL_MAX, OSE_ID_MAX};

Test(keys, len_matches_strnlen)
{
	char a[OSE_ID_MAX];
	for (unsigned m = 0; m < 3; m++)
		for (size_t n = 0; n < maxes[m]; n++) {
			fill(a, maxes[m], n);
			cr_assert_eq(ose_fk_len(a, maxes[m]), n);
			cr_assert_eq(sc_fk_len(a, maxes[m]), n);
		}
	memset(a, 'x', sizeof(a)); /* no NUL: the field's size */
	cr_assert_eq(ose_fk_len(a, OSE_ID_MAX), OSE_ID_MAX);
	cr_assert_eq(sc_fk_len(a, OSE_ID_MAX), OSE_ID_MAX);
}

Test(keys, eq_matches_memcmp)
{
	char a[OSE_ID_MAX], b[OSE_ID_MAX];
	for (unsigned m = 0; m < 3; m++)
		for (size_t n = 0; n < maxes[m]; n++) {
			fill(a, maxes[m], n);
			memcpy(b, a, maxes[m]);
			for (size_t i = n + 1; i < maxes[m]; i++)
				b[i] = (char)(a[i] ^ 0x5a); /* garbage differs: still equal */
			cr_assert(ose_fk_eq(a, b, n) && sc_fk_eq(a, b, n), "max %zu n %zu", maxes[m], n);
			for (size_t k = 0; k <= n; k++) { /* one byte differs, the NUL included */
				char c = b[k];
				b[k] = (char)(c == 'A' ? 'B' : 'A');
				cr_assert(!ose_fk_eq(a, b, n) && !sc_fk_eq(a, b, n), "n %zu k %zu", n, k);
				b[k] = c;
			}
		}
}

Test(keys, copy_and_put_zero_fill)
{
	char a[OSE_ID_MAX], d[OSE_ID_MAX], s[OSE_ID_MAX], want[OSE_ID_MAX];
	for (unsigned m = 0; m < 3; m++)
		for (size_t n = 0; n < maxes[m]; n++) {
			fill(a, maxes[m], n);
			memset(want, 0, sizeof(want));
			memcpy(want, a, n);
			memset(d, 0x77, sizeof(d));
			memset(s, 0x77, sizeof(s));
			ose_fk_copy(d, a, maxes[m]);
			sc_fk_copy(s, a, maxes[m]);
			cr_assert(!memcmp(d, want, maxes[m]) && !memcmp(s, want, maxes[m]));
			memset(d, 0x77, sizeof(d));
			cr_assert_eq(ose_fk_put(d, a, maxes[m]), n);
			cr_assert(!memcmp(d, want, maxes[m]));
		}
	cr_assert_eq(ose_fk_put(d, NULL, OSE_ID_MAX), 0);
	cr_assert_eq(d[0], 0);
	memset(a, 'x', sizeof(a));
	a[OSE_ID_MAX - 1] = 0; /* 47 chars: fits a 48-byte field, not a 32-byte one */
	cr_assert_eq(ose_fk_put(d, a, OSE_SYMBOL_MAX), OSE_SYMBOL_MAX);
}

Test(keys, fixed_hash_equals_piecewise_hash)
{
	char sym[OSE_SYMBOL_MAX], id[OSE_ID_MAX];
	for (size_t n = 0; n < OSE_ID_MAX; n++) {
		fill(id, OSE_ID_MAX, n);
		fill(sym, OSE_SYMBOL_MAX, n % OSE_SYMBOL_MAX);
		size_t sl = n % OSE_SYMBOL_MAX;
		for (int fast = 0; fast < 2; fast++)
			cr_assert_eq(ose_key_fixn(7, id, n, fast), ose_key_strn(7, id, n, fast));
		cr_assert_eq(ose_key_oid_fix(1, sym, sl, id, n), ose_key_oid(1, sym, id));
		cr_assert_eq(ose_key_cid_fix(2, id, n), ose_key_cid(2, id));
		cr_assert_eq(ose_key_book_fix(3, sym, sl), ose_key_book(3, sym));
	}
	/* The key's parts are not interchangeable: ("AB", "C") != ("A", "BC"). */
	char s1[OSE_SYMBOL_MAX] = "AB", i1[OSE_ID_MAX] = "C";
	char s2[OSE_SYMBOL_MAX] = "A", i2[OSE_ID_MAX] = "BC";
	cr_assert_neq(ose_key_oid(1, s1, i1), ose_key_oid(1, s2, i2));
	cr_assert_neq(ose_key_oid(1, s1, i1), ose_key_oid(2, s1, i1));
}
