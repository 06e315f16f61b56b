/* SPDX-License-Identifier: MIT */
/*
 * Field readers (adapters/json/read.c): decimals from strings, numbers,
 * "" and null; ids; integers; booleans; the six timestamp formats; and
 * the fast decimal parser against ose_dec_parse.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/json/json.h"

enum { K_v, K_COUNT };
static const struct ose_json_key keys[K_COUNT] = { [K_v] = OSE_JSON_KEY("v") };
static struct ose_json_keyset ks = OSE_JSON_KEYSET(keys);

/* The view of "v" in a tiny document {"v":<text>} (kept in a static
 * buffer so the view stays valid). */
static struct ose_json_val view(const char *text)
{
	static char doc[4096];
	struct ose_json_val v[K_COUNT];
	const char *why;
	snprintf(doc, sizeof(doc), "{\"v\":%s}", text);
	cr_assert_eq(ose_json_obj_get(doc, strlen(doc), &ks, v, &why), 0, "%s: %s", text, why);
	return v[K_v];
}

static struct ose_json_val absent(void)
{
	struct ose_json_val v;
	memset(&v, 0, sizeof(v));
	return v;
}

static void dec_is(const char *text, const char *want, enum ose_json_got want_got)
{
	struct ose_json_val v = view(text);
	ose_dec d = 12345;
	enum ose_json_got got = 99;
	char buf[OSE_DEC_STRMAX];
	cr_assert_eq(ose_json_read_dec(&v, &d, &got), 0, "%s", text);
	cr_expect_eq(got, want_got, "%s: got %d", text, got);
	if (want) {
		ose_dec_format(d, buf);
		cr_expect_str_eq(buf, want, "%s -> %s", text, buf);
	} else {
		cr_expect(d == 12345, "%s: out written", text);
	}
}

Test(json_read, decimals_string_number_empty_null)
{
	dec_is("\"0.00000000\"", "0", OSE_JGOT_STRING);
	dec_is("\"0\"", "0", OSE_JGOT_STRING);
	dec_is("\"0.0\"", "0", OSE_JGOT_STRING);
	dec_is("\"117290.77000000\"", "117290.77", OSE_JGOT_STRING);
	dec_is("\"0.0003998377369698171\"", "0.0003998377369698171", OSE_JGOT_STRING);
	dec_is("\"-0.02522168\"", "-0.02522168", OSE_JGOT_STRING);
	dec_is("8.0", "8", OSE_JGOT_NUMBER);
	dec_is("0.8", "0.8", OSE_JGOT_NUMBER);
	dec_is("-1", "-1", OSE_JGOT_NUMBER);
	dec_is("\"1e-05\"", "0.00001", OSE_JGOT_STRING);
	dec_is("1E+2", "100", OSE_JGOT_NUMBER);
	dec_is("\"\"", NULL, OSE_JGOT_EMPTY);
	dec_is("null", NULL, OSE_JGOT_NULL);
	{
		struct ose_json_val v = absent();
		ose_dec d = 7;
		enum ose_json_got got = 99;
		cr_expect_eq(ose_json_read_dec(&v, &d, &got), 0);
		cr_expect_eq(got, OSE_JGOT_ABSENT);
		cr_expect(d == 7);
	}
}

Test(json_read, decimals_rejected_with_reason)
{
	static const char *const bad[] = {
		"\"abc\"", "\"1.2.3\"", "\"1,5\"", "\" 1\"", "\"0x10\"",
		"\"1234567890123456789012345678901234567890\"", /* 40 digits */
		"1234567890123456789012345678901234567890",
		"\"0.000000000000000000001\"", /* beyond 1e-20 */
		"\"1\\u0030\"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ose_json_val v = view(bad[i]);
		ose_dec d = 5;
		cr_expect_eq(ose_json_read_dec(&v, &d, NULL), -OSE_PERR_NUMBER, "%s", bad[i]);
		cr_expect(d == 5, "%s: out written on error", bad[i]);
	}
	static const char *const wrong[] = { "true", "false", "{}", "[1]", "{\"a\":1}" };
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		struct ose_json_val v = view(wrong[i]);
		ose_dec d;
		cr_expect_eq(ose_json_read_dec(&v, &d, NULL), -OSE_PERR_WRONG_TYPE, "%s", wrong[i]);
	}
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* Fast parser == ose_dec_parse on random and edge inputs, including the
 * error reason. */
Test(json_read, fast_decimal_matches_ose_dec_parse)
{
	static const char *const edge[] = {
		"", "-", ".", "0", "-0", "00", "1.", ".5", "+5", "5.0", "999999999999999999",
		"1000000000000000000", "1699999999999999999", "1700000000000000000",
		"999999999999999999.9999999999999999999", "0.00000000000000000001",
		"0.000000000000000000010", "0.000000000000000000011", "1e5", "1e-21", "1.5e3",
		"12345678901234567890", "-999999999999999999.1234567890123456789", "1-", "1 ",
		"0.1234567890123456789", "0.12345678901234567890", "0.123456789012345678901",
	};
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
		ose_dec a = 1, b = 1;
		enum ose_dec_err ea = ose_json_dec_parse(edge[i], strlen(edge[i]), &a);
		enum ose_dec_err eb = ose_dec_parse(edge[i], strlen(edge[i]), &b);
		cr_expect_eq(ea, eb, "'%s': %d vs %d", edge[i], ea, eb);
		cr_expect(a == b, "'%s': values differ", edge[i]);
	}
	static const char alphabet[] = "0123456789000000.-+eE x";
	for (int it = 0; it < 200000; it++) {
		char s[48];
		size_t n = rnd() % 42;
		for (size_t i = 0; i < n; i++) {
			unsigned r = rnd() % 100;
			s[i] = r < 85 ? (char)('0' + rnd() % 10)
			       : alphabet[rnd() % (sizeof(alphabet) - 1)];
		}
		if (n && rnd() % 2) /* mostly well-formed: one '.' somewhere */
			s[rnd() % n] = '.';
		ose_dec a = 1, b = 1;
		enum ose_dec_err ea = ose_json_dec_parse(s, n, &a);
		enum ose_dec_err eb = ose_dec_parse(s, n, &b);
		cr_assert_eq(ea, eb, "'%.*s': %d vs %d", (int)n, s, ea, eb);
		cr_assert(a == b, "'%.*s': values differ", (int)n, s);
	}
}

/* The short-token path (1..7 bytes: "0", "0.0001", "26253.3") ==
 * ose_dec_parse: every string of up to 6 bytes over an alphabet of
 * digits, point, signs, exponent and garbage, and random 7-byte ones,
 * each in a buffer of exactly its length (ASan sees any over-read). */
static void short_dec_case(const char *src, size_t n)
{
	char *s = malloc(n ? n : 1);
	ose_dec a = 1, b = 1;

	cr_assert(s);
	memcpy(s, src, n);
	enum ose_dec_err ea = ose_json_dec_parse(s, n, &a);
	enum ose_dec_err eb = ose_dec_parse(s, n, &b);
	cr_assert_eq(ea, eb, "'%.*s': %d vs %d", (int)n, src, ea, eb);
	cr_assert(a == b, "'%.*s': values differ", (int)n, src);
	free(s);
}

Test(json_read, short_decimals_match_ose_dec_parse)
{
	static const char alpha[] = "019.-+ex";
	char s[8];
	size_t total = 1;

	for (size_t n = 1; n <= 6; n++) {
		total *= sizeof(alpha) - 1;
		for (size_t k = 0; k < total; k++) {
			size_t r = k;
			for (size_t i = 0; i < n; i++, r /= sizeof(alpha) - 1)
				s[i] = alpha[r % (sizeof(alpha) - 1)];
			short_dec_case(s, n);
		}
	}
	for (int it = 0; it < 300000; it++) {
		size_t n = 1 + rnd() % 7;
		for (size_t i = 0; i < n; i++) {
			unsigned r = rnd() % 100;
			s[i] = r < 80 ? (char)('0' + rnd() % 10) : r < 92 ? '.' : r < 96 ? '-' : (char)(rnd() % 256);
		}
		short_dec_case(s, n);
	}
	/* Values, not only agreement. */
	ose_dec v;
	cr_expect_eq(ose_json_dec_parse("0.0001", 6, &v), OSE_DEC_OK);
	cr_expect(v == OSE_DEC_ONE / 10000);
	cr_expect_eq(ose_json_dec_parse("-26253.3", 8, &v), OSE_DEC_OK);
	cr_expect(v == -(OSE_DEC_ONE * 262533 / 10));
	cr_expect_eq(ose_json_dec_parse("7", 1, &v), OSE_DEC_OK);
	cr_expect(v == 7 * OSE_DEC_ONE);
}

/* Digit runs of 9..16 (epoch ms and µs): the two-word path of the
 * integer and timestamp readers against a digit-by-digit reference,
 * with a non-digit at every position. */
Test(json_read, epoch_and_integer_digit_runs)
{
	char s[20];
	for (int it = 0; it < 200000; it++) {
		size_t n = 9 + rnd() % 8;
		uint64_t want = 0;
		int ok = 1;
		for (size_t i = 0; i < n; i++)
			s[i] = (char)('0' + rnd() % 10);
		if (rnd() % 2) {
			/* Not '.' or '-': "...123.456" is a valid timestamp, "-1.." an integer. */
			char c = (char)(rnd() % 2 ? rnd() % 256 : '/' + (rnd() % 2) * 11);
			s[rnd() % n] = c == '.' || c == '-' ? 'x' : c;
		}
		for (size_t i = 0; i < n; i++) {
			if ((unsigned char)(s[i] - '0') >= 10)
				ok = 0;
			else
				want = want * 10 + (uint64_t)(s[i] - '0');
		}
		char *b = malloc(n);
		cr_assert(b);
		memcpy(b, s, n);
		int64_t ns = -1, iv = -1;
		int rc = ose_ts_parse_epoch(b, n, OSE_TS_MS, &ns);
		struct ose_json_val v = { .p = b, .len = (uint32_t)n, .type = OSE_JSON_NUMBER };
		int ri = ose_json_read_i64(&v, &iv, NULL);
		int fits = ok && want <= (uint64_t)INT64_MAX / 1000000u;
		cr_assert_eq(rc == 0, fits, "'%.*s'", (int)n, s);
		if (fits)
			cr_assert_eq(ns, (int64_t)(want * 1000000u), "'%.*s'", (int)n, s);
		cr_assert_eq(ri == 0, ok, "'%.*s'", (int)n, s);
		if (ok)
			cr_assert_eq(iv, (int64_t)want, "'%.*s'", (int)n, s);
		free(b);
	}
}

Test(json_read, ids_strings_and_numbers)
{
	char buf[OSE_ID_MAX];
	enum ose_json_got got;
	struct ose_json_val v;

	v = view("4293153");
	cr_expect_eq(ose_json_read_id(&v, buf, sizeof(buf), &got), 7);
	cr_expect_str_eq(buf, "4293153");
	cr_expect_eq(got, OSE_JGOT_NUMBER);
	v = view("\"2497956918703120384\"");
	cr_expect_eq(ose_json_read_id(&v, buf, sizeof(buf), &got), 19);
	cr_expect_str_eq(buf, "2497956918703120384");
	cr_expect_eq(got, OSE_JGOT_STRING);
	v = view("18446744073709551616123"); /* > 2^64: kept as text */
	cr_expect_gt(ose_json_read_id(&v, buf, sizeof(buf), NULL), 0);
	cr_expect_str_eq(buf, "18446744073709551616123");
	v = view("\"\"");
	cr_expect_eq(ose_json_read_id(&v, buf, sizeof(buf), &got), 0);
	cr_expect_eq(got, OSE_JGOT_EMPTY);
	cr_expect_str_eq(buf, "");
	v = view("null");
	cr_expect_eq(ose_json_read_id(&v, buf, sizeof(buf), &got), 0);
	cr_expect_eq(got, OSE_JGOT_NULL);
	v = view("1.5");
	cr_expect_eq(ose_json_read_id(&v, buf, sizeof(buf), NULL), -OSE_PERR_WRONG_TYPE);
	v = view("{}");
	cr_expect_eq(ose_json_read_id(&v, buf, sizeof(buf), NULL), -OSE_PERR_WRONG_TYPE);
	v = view("\"0123456789012345678901234567890123456789012345678\""); /* 49 chars */
	cr_expect_eq(ose_json_read_id(&v, buf, sizeof(buf), NULL), -OSE_PERR_TOO_LONG);
	cr_expect_str_eq(buf, "");
	v = view("\"012345678901234567890123456789012345678901234567\""); /* 48: no room for NUL */
	cr_expect_eq(ose_json_read_id(&v, buf, sizeof(buf), NULL), -OSE_PERR_TOO_LONG);
	v = view("\"01234567890123456789012345678901234567890123456\""); /* 47 fits */
	cr_expect_eq(ose_json_read_id(&v, buf, sizeof(buf), NULL), 47);
	v = view("5");
	cr_expect_eq(ose_json_read_str(&v, buf, sizeof(buf), NULL), -OSE_PERR_WRONG_TYPE);
	v = view("\"a\\u00e9\"");
	cr_expect_eq(ose_json_read_str(&v, buf, sizeof(buf), NULL), 3);
	cr_expect_str_eq(buf, "a\xc3\xa9");
	v = view("\"EXECUTION_RULE_PRICE_RANGE_EXCEEDED_AND_SOME_MORE_TEXT_\\u00e9\\u00e9\"");
	{
		char small[16];
		cr_expect_eq(ose_json_read_str_trunc(&v, small, sizeof(small)), 15);
		cr_expect_str_eq(small, "EXECUTION_RULE_");
	}
}

Test(json_read, integers_and_booleans)
{
	int64_t i = 0;
	int b = -1;
	enum ose_json_got got;
	struct ose_json_val v;

	v = view("-1");
	cr_expect_eq(ose_json_read_i64(&v, &i, &got), 0);
	cr_expect_eq(i, -1);
	v = view("\"0\"");
	cr_expect_eq(ose_json_read_i64(&v, &i, &got), 0);
	cr_expect_eq(i, 0);
	cr_expect_eq(got, OSE_JGOT_STRING);
	v = view("9223372036854775807");
	cr_expect_eq(ose_json_read_i64(&v, &i, NULL), 0);
	cr_expect_eq(i, INT64_MAX);
	v = view("-9223372036854775808");
	cr_expect_eq(ose_json_read_i64(&v, &i, NULL), 0);
	cr_expect_eq(i, INT64_MIN);
	v = view("9223372036854775808");
	cr_expect_eq(ose_json_read_i64(&v, &i, NULL), -OSE_PERR_NUMBER);
	v = view("1.5");
	cr_expect_eq(ose_json_read_i64(&v, &i, NULL), -OSE_PERR_NUMBER);
	v = view("[]");
	cr_expect_eq(ose_json_read_i64(&v, &i, NULL), -OSE_PERR_WRONG_TYPE);

	v = view("true");
	cr_expect_eq(ose_json_read_bool(&v, &b, NULL), 0);
	cr_expect_eq(b, 1);
	v = view("\"false\"");
	cr_expect_eq(ose_json_read_bool(&v, &b, &got), 0);
	cr_expect_eq(b, 0);
	cr_expect_eq(got, OSE_JGOT_STRING);
	v = view("\"1\"");
	cr_expect_eq(ose_json_read_bool(&v, &b, NULL), 0);
	cr_expect_eq(b, 1);
	v = view("0");
	cr_expect_eq(ose_json_read_bool(&v, &b, NULL), 0);
	cr_expect_eq(b, 0);
	v = view("\"yes\"");
	cr_expect_eq(ose_json_read_bool(&v, &b, NULL), -OSE_PERR_WRONG_TYPE);
	v = view("\"\"");
	b = 7;
	cr_expect_eq(ose_json_read_bool(&v, &b, &got), 0);
	cr_expect_eq(got, OSE_JGOT_EMPTY);
	cr_expect_eq(b, 7);
}

struct ts_case {
	const char *text;
	enum ose_ts_unit unit;
	int64_t ns;
};

Test(json_read, timestamps_six_formats)
{
	static const struct ts_case ok[] = {
		{ "1499405658658", OSE_TS_MS, 1499405658658000000LL },       /* ms int */
		{ "1499405658658123", OSE_TS_US, 1499405658658123000LL },    /* µs int */
		{ "\"1672364262457\"", OSE_TS_MS, 1672364262457000000LL },   /* ms string */
		{ "1605176741", OSE_TS_S, 1605176741000000000LL },           /* seconds */
		{ "\"1605176741\"", OSE_TS_S, 1605176741000000000LL },
		{ "\"1605176741123.456\"", OSE_TS_MS, 1605176741123456000LL }, /* fractional ms */
		{ "\"1605176741.5\"", OSE_TS_S, 1605176741500000000LL },
		{ "\"1605176741123.456000\"", OSE_TS_MS, 1605176741123456000LL },
		{ "\"1605176741123.4567891\"", OSE_TS_MS, 0 }, /* finer than 1 ns: refused */
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct ose_json_val v = view(ok[i].text);
		int64_t ns = 0;
		int rc = ose_json_read_ts(&v, ok[i].unit, &ns, NULL);
		if (ok[i].ns == 0) {
			cr_expect_eq(rc, -OSE_PERR_TIMESTAMP, "%s", ok[i].text);
			continue;
		}
		cr_expect_eq(rc, 0, "%s", ok[i].text);
		cr_expect_eq(ns, ok[i].ns, "%s: %lld", ok[i].text, (long long)ns);
	}
	static const char *const bad[] = { "\"\"x", "\"abc\"", "-5", "\"1.\"", "\"1e3\"",
					   "99999999999999999999", "\"9223372036855\"" };
	for (size_t i = 1; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ose_json_val v = view(bad[i]);
		int64_t ns = 0;
		cr_expect_eq(ose_json_read_ts(&v, OSE_TS_S, &ns, NULL), -OSE_PERR_TIMESTAMP, "%s",
			     bad[i]);
	}
	{
		struct ose_json_val v = view("\"\"");
		int64_t ns = 42;
		enum ose_json_got got;
		cr_expect_eq(ose_json_read_ts(&v, OSE_TS_MS, &ns, &got), 0);
		cr_expect_eq(got, OSE_JGOT_EMPTY);
		cr_expect_eq(ns, 42);
	}
}

Test(json_read, rfc3339_and_coinbase_sentinel)
{
	static const struct ts_case ok[] = {
		{ "\"2023-02-09T20:33:57.609931463Z\"", 0, 1675974837609931463LL },
		{ "\"2026-04-07T14:30:06.000000Z\"", 0, 1775572206000000000LL },
		{ "\"2023-02-09T20:33:57Z\"", 0, 1675974837000000000LL },
		{ "\"2023-02-09T21:33:57.5+01:00\"", 0, 1675974837500000000LL },
		{ "\"2024-02-29T00:00:00Z\"", 0, 1709164800000000000LL },
		{ "\"1970-01-01T00:00:00Z\"", 0, 0 },
		{ "\"0001-01-01T00:00:00Z\"", 0, 0 }, /* Coinbase "not set" */
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct ose_json_val v = view(ok[i].text);
		int64_t ns = -1;
		cr_expect_eq(ose_json_read_rfc3339(&v, &ns, NULL), 0, "%s", ok[i].text);
		cr_expect_eq(ns, ok[i].ns, "%s: %lld", ok[i].text, (long long)ns);
	}
	static const char *const bad[] = {
		"\"2023-02-30T00:00:00Z\"", "\"2023-02-29T00:00:00Z\"", "\"2023-13-01T00:00:00Z\"",
		"\"2023-02-09T24:00:00Z\"", "\"2023-02-09T20:33:57\"", "\"2023-02-09T20:33:57.Z\"",
		"\"2023-02-09T20:33:57.1234567891Z\"", "\"1600-01-01T00:00:00Z\"",
		"\"2023-02-09X20:33:57Z\"", "\"0001-01-01T00:00:01Z\"", "1675974837", "\"\\u0032023\"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ose_json_val v = view(bad[i]);
		int64_t ns = 0;
		int rc = ose_json_read_rfc3339(&v, &ns, NULL);
		cr_expect(rc == -OSE_PERR_TIMESTAMP || rc == -OSE_PERR_WRONG_TYPE, "%s: rc %d", bad[i],
			  rc);
	}
}
