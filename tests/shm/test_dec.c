/* SPDX-License-Identifier: MIT */
/* Exact decimal parsing and formatting (shm/dec.h). */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "shm/dec.h"

struct rt_case {
	char in[64];
	char canon[64]; /* expected ose_dec_format output */
};

static struct rt_case rt_cases[] = {
	{"0", "0"},
	{"0.00000000", "0"},
	{"0.0", "0"},
	{"-0", "0"},
	{"1", "1"},
	{"25.00000000", "25"},
	{"0.00000001", "0.00000001"},
	{"10000000", "10000000"},
	{"99999999999.99999999", "99999999999.99999999"},
	{"0.0003998377369698171", "0.0003998377369698171"},
	{"-0.00000192834", "-0.00000192834"},
	{"1605176741123.456", "1605176741123.456"},
	{"1e-05", "0.00001"},
	{"1.5E3", "1500"},
	{"+7.10", "7.1"},
	{".5", "0.5"},
	{"5.", "5"},
	{"0.12345678901234567890", "0.1234567890123456789"},
	{"0.123456789012345678900000", "0.1234567890123456789"},
	{"1699999999999999999.99999999999999999999", "1699999999999999999.99999999999999999999"},
	{"-1699999999999999999", "-1699999999999999999"},
};

ParameterizedTestParameters(dec, round_trip)
{
	return cr_make_param_array(struct rt_case, rt_cases, sizeof(rt_cases) / sizeof(rt_cases[0]));
}

ParameterizedTest(struct rt_case *c, dec, round_trip)
{
	ose_dec v = 0;
	char buf[OSE_DEC_STRMAX];
	enum ose_dec_err e = ose_dec_parse(c->in, strlen(c->in), &v);
	cr_assert_eq(e, OSE_DEC_OK, "%s: %s", c->in, ose_dec_strerror(e));
	size_t n = ose_dec_format(v, buf);
	cr_assert_str_eq(buf, c->canon, "%s -> %s", c->in, buf);
	cr_assert_eq(n, strlen(c->canon));
	/* The canonical form parses back to the same value. */
	ose_dec w = 1;
	cr_assert_eq(ose_dec_parse(buf, n, &w), OSE_DEC_OK);
	cr_assert(w == v);
}

struct err_case {
	char in[64];
	enum ose_dec_err err;
};

static struct err_case err_cases[] = {
	{"", OSE_DEC_EMPTY},
	{"-", OSE_DEC_EMPTY},
	{".", OSE_DEC_EMPTY},
	{"abc", OSE_DEC_SYNTAX},
	{"1.2.3", OSE_DEC_SYNTAX},
	{"1e", OSE_DEC_SYNTAX},
	{"1 ", OSE_DEC_SYNTAX},
	{"0x10", OSE_DEC_SYNTAX},
	{"0.000000000000000000001", OSE_DEC_PRECISION},
	{"1e-21", OSE_DEC_PRECISION},
	{"1700000000000000000", OSE_DEC_RANGE},
	{"1234567890123456789012345678901234567890", OSE_DEC_RANGE},
	{"2e18", OSE_DEC_RANGE},
	{"1e99999", OSE_DEC_RANGE},
};

ParameterizedTestParameters(dec, errors)
{
	return cr_make_param_array(struct err_case, err_cases, sizeof(err_cases) / sizeof(err_cases[0]));
}

ParameterizedTest(struct err_case *c, dec, errors)
{
	ose_dec v = 42;
	enum ose_dec_err e = ose_dec_parse(c->in, strlen(c->in), &v);
	cr_assert_eq(e, c->err, "%s: got %s want %s", c->in, ose_dec_strerror(e), ose_dec_strerror(c->err));
	cr_assert(v == 42, "output untouched on error");
}

Test(dec, ordering_is_integer_ordering)
{
	ose_dec a, b;
	cr_assert_eq(ose_dec_parse("0.1", 3, &a), OSE_DEC_OK);
	cr_assert_eq(ose_dec_parse("0.09999999", 10, &b), OSE_DEC_OK);
	cr_assert(a > b);
	cr_assert(a == OSE_DEC_ONE / 10);
}

Test(dec, reads_only_len_bytes)
{
	ose_dec v;
	/* "12" followed by garbage that must not be looked at. */
	cr_assert_eq(ose_dec_parse("12x", 2, &v), OSE_DEC_OK);
	cr_assert(v == 12 * OSE_DEC_ONE);
}
