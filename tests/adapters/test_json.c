/* SPDX-License-Identifier: MIT */
/*
 * The scanner (adapters/json/scan.c): exact keys, nesting, escapes,
 * validation reasons, depth limit, DESCEND/LAZY/EACH, iterators, and the
 * three SIMD paths against each other on random documents.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/json/json.h"

static const enum ose_json_simd levels[] = { OSE_JSON_SIMD_SCALAR, OSE_JSON_SIMD_SSE42,
					     OSE_JSON_SIMD_AVX2 };
#define NLEVELS 3

enum { K_c, K_C, K_p, K_pL, K_g, K_gP, K_long, K_obj, K_arr, K_COUNT };
static const struct ose_json_key keys[K_COUNT] = {
	[K_c] = OSE_JSON_KEY("c"),   [K_C] = OSE_JSON_KEY("C"),   [K_p] = OSE_JSON_KEY("p"),
	[K_pL] = OSE_JSON_KEY("pL"), [K_g] = OSE_JSON_KEY("g"),   [K_gP] = OSE_JSON_KEY("gP"),
	[K_long] = OSE_JSON_KEY("a_rather_long_key_name"),
	[K_obj] = OSE_JSON_KEY("obj"), [K_arr] = OSE_JSON_KEY("arr"),
};
static struct ose_json_keyset ks = OSE_JSON_KEYSET(keys);

static int get(const char *s, struct ose_json_val *v, const char **why)
{
	return ose_json_obj_get(s, strlen(s), &ks, v, why);
}

static void expect_str(const struct ose_json_val *v, const char *want)
{
	char buf[256];
	cr_assert_eq(v->type, OSE_JSON_STRING, "type %d", v->type);
	cr_assert_geq(ose_json_str_copy(v, buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, want);
}

Test(json, exact_keys_every_path)
{
	const char *m = "{\"C\":\"orig\",\"Cs\":\"x\",\"c\":\"req\",\"pL\":\"1.5\",\"p\":\"2.5\","
			"\"pl\":\"9\",\"gP\":true,\"g\":-1,\"a_rather_long_key_name\":\"L\","
			"\"a_rather_long_key_namX\":\"no\"}";
	for (int l = 0; l < NLEVELS; l++) {
		struct ose_json_val v[K_COUNT];
		const char *why = NULL;
		if (ose_json_simd_force(levels[l]))
			continue;
		cr_assert_eq(get(m, v, &why), 0, "%s", why);
		expect_str(&v[K_c], "req");
		expect_str(&v[K_C], "orig");
		expect_str(&v[K_p], "2.5");
		expect_str(&v[K_pL], "1.5");
		expect_str(&v[K_long], "L");
		cr_expect_eq(v[K_gP].type, OSE_JSON_TRUE);
		cr_expect_eq(v[K_g].type, OSE_JSON_NUMBER);
		cr_expect_eq(v[K_g].len, 2);
		cr_expect_eq(v[K_obj].type, OSE_JSON_ABSENT);
	}
	ose_json_simd_force(OSE_JSON_SIMD_AUTO);
}

Test(json, nested_values_are_skipped_not_matched)
{
	struct ose_json_val v[K_COUNT];
	const char *why;
	const char *m = " {\n \"obj\" : {\"c\":\"inner\",\"x\":[1,2,{\"C\":3}]},\t\"arr\":[[],{},\"s\",null],"
			"\"c\":\"outer\" } \n";
	cr_assert_eq(get(m, v, &why), 0, "%s", why);
	expect_str(&v[K_c], "outer");
	cr_expect_eq(v[K_C].type, OSE_JSON_ABSENT);
	cr_expect_eq(v[K_obj].type, OSE_JSON_OBJECT);
	cr_expect_eq(v[K_obj].p[0], '{');
	cr_expect_eq(v[K_obj].p[v[K_obj].len - 1], '}');
	cr_expect_eq(v[K_arr].type, OSE_JSON_ARRAY);
	cr_expect_eq(v[K_arr].p[v[K_arr].len - 1], ']');
}

Test(json, first_occurrence_wins)
{
	struct ose_json_val v[K_COUNT];
	const char *why;
	cr_assert_eq(get("{\"c\":\"one\",\"c\":\"two\"}", v, &why), 0);
	expect_str(&v[K_c], "one");
}

Test(json, escapes_in_values_and_keys)
{
	struct ose_json_val v[K_COUNT];
	const char *why;
	char buf[64];
	cr_assert_eq(get("{\"\\u0063\":\"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\"}", v, &why), 0, "%s",
		     why);
	cr_assert_eq(v[K_c].type, OSE_JSON_STRING);
	cr_expect_eq(v[K_c].esc, 1);
	cr_assert_gt(ose_json_str_copy(&v[K_c], buf, sizeof(buf)), 0);
	cr_expect_str_eq(buf, "a\"b\\c/d\n\xc3\xa9\xf0\x9f\x98\x80");
	cr_expect_eq(ose_json_str_copy(&v[K_c], buf, 4), -OSE_PERR_TOO_LONG);
}

struct bad_case {
	const char *text;
	int err;
};

Test(json, malformed_gives_reason)
{
	static const struct bad_case bad[] = {
		{ "", OSE_PERR_TRUNCATED },
		{ "   ", OSE_PERR_TRUNCATED },
		{ "{", OSE_PERR_TRUNCATED },
		{ "{\"c\"", OSE_PERR_TRUNCATED },
		{ "{\"c\":", OSE_PERR_TRUNCATED },
		{ "{\"c\":\"abc", OSE_PERR_TRUNCATED },
		{ "{\"c\":1", OSE_PERR_TRUNCATED },
		{ "{\"c\":tru", OSE_PERR_TRUNCATED },
		{ "{\"c\":\"\\u00", OSE_PERR_TRUNCATED },
		{ "{\"c\":[1,2", OSE_PERR_TRUNCATED },
		{ "{\"c\":\"x\"}}", OSE_PERR_SYNTAX },
		{ "{\"c\":\"x\"} x", OSE_PERR_SYNTAX },
		{ "{\"c\" \"x\"}", OSE_PERR_SYNTAX },
		{ "{\"c\":\"x\",}", OSE_PERR_SYNTAX },
		{ "{,\"c\":1}", OSE_PERR_SYNTAX },
		{ "{c:1}", OSE_PERR_SYNTAX },
		{ "{\"c\":01}", OSE_PERR_SYNTAX },
		{ "{\"c\":1.}", OSE_PERR_SYNTAX },
		{ "{\"c\":-}", OSE_PERR_SYNTAX },
		{ "{\"c\":1e}", OSE_PERR_SYNTAX },
		{ "{\"c\":+1}", OSE_PERR_SYNTAX },
		{ "{\"c\":.5}", OSE_PERR_SYNTAX },
		{ "{\"c\":nul}", OSE_PERR_SYNTAX },
		{ "{\"c\":True}", OSE_PERR_SYNTAX },
		{ "{\"c\":\"a\\x\"}", OSE_PERR_SYNTAX },
		{ "{\"c\":\"a\\u12g4\"}", OSE_PERR_SYNTAX },
		{ "{\"c\":\"\\udc00\"}", OSE_PERR_SYNTAX },
		{ "{\"c\":\"\\ud800x\"}", OSE_PERR_SYNTAX },
		{ "{\"c\":\"tab\there\"}", OSE_PERR_SYNTAX },
		{ "{\"c\":[1 2]}", OSE_PERR_SYNTAX },
		{ "{\"c\":[1,]}", OSE_PERR_SYNTAX },
		{ "{\"c\":{\"a\":1]}", OSE_PERR_SYNTAX },
		{ "{\"c\":\"\xff\"}", OSE_PERR_UTF8 },
		{ "{\"c\":\"\xc0\xaf\"}", OSE_PERR_UTF8 },       /* overlong '/' */
		{ "{\"c\":\"\xed\xa0\x80\"}", OSE_PERR_UTF8 },   /* UTF-16 surrogate */
		{ "{\"c\":\"\xf4\x90\x80\x80\"}", OSE_PERR_UTF8 }, /* > U+10FFFF */
		{ "{\"c\":\"\xe2\x82\"}", OSE_PERR_UTF8 },       /* cut sequence */
		{ "{\"c\":\"\x80\"}", OSE_PERR_UTF8 },           /* lone continuation */
		{ "[1,2]", OSE_PERR_WRONG_TYPE },
		{ "\"s\"", OSE_PERR_WRONG_TYPE },
	};
	for (int l = 0; l < NLEVELS; l++) {
		if (ose_json_simd_force(levels[l]))
			continue;
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct ose_json_val v[K_COUNT];
			const char *why = NULL;
			int rc = get(bad[i].text, v, &why);
			cr_expect_eq(rc, -bad[i].err, "[%s] '%s': rc %d (%s), want -%d",
				     ose_json_simd_name(levels[l]), bad[i].text, rc, why ? why : "-",
				     bad[i].err);
			cr_expect(why && why[0], "no reason for '%s'", bad[i].text);
		}
	}
	ose_json_simd_force(OSE_JSON_SIMD_AUTO);
}

Test(json, valid_utf8_accepted)
{
	struct ose_json_val v[K_COUNT];
	const char *why;
	cr_expect_eq(get("{\"c\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\x9f\xbf\xef\xbf\xbf\"}", v,
			 &why),
		     0, "%s", why);
}

static char *nest(size_t depth, char open, char close, int wrap)
{
	char *s = malloc(2 * depth + 16);
	size_t o = 0;
	if (wrap)
		o += (size_t)sprintf(s, "{\"obj\":");
	for (size_t i = 0; i < depth; i++)
		s[o++] = open;
	if (open == '{') {
		/* {"a":{"a":...}} is not how objects nest with one char;
		 * use arrays inside to keep the text simple. */
	}
	for (size_t i = 0; i < depth; i++)
		s[o++] = close;
	if (wrap)
		s[o++] = '}';
	s[o] = '\0';
	return s;
}

Test(json, ten_thousand_deep_is_a_clean_error)
{
	for (int l = 0; l < NLEVELS; l++) {
		struct ose_json_val v[K_COUNT], one;
		const char *why = NULL;
		char *s;
		if (ose_json_simd_force(levels[l]))
			continue;
		s = nest(10000, '[', ']', 1);
		cr_expect_eq(get(s, v, &why), -OSE_PERR_TOO_DEEP, "%s", why);
		free(s);
		s = nest(10000, '[', ']', 0);
		cr_expect_eq(ose_json_value(s, strlen(s), &one, &why), -OSE_PERR_TOO_DEEP);
		free(s);
		/* 10,000 nested objects: {"a":{"a":...}} */
		{
			size_t n = 10000, o = 0;
			char *t = malloc(n * 6 + 4);
			for (size_t i = 0; i < n; i++) {
				memcpy(t + o, "{\"a\":", 5);
				o += 5;
			}
			t[o++] = '1';
			for (size_t i = 0; i < n; i++)
				t[o++] = '}';
			t[o] = '\0';
			cr_expect_eq(get(t, v, &why), -OSE_PERR_TOO_DEEP);
			/* Truncated after the opening half: too deep comes first. */
			cr_expect_eq(ose_json_obj_get(t, n * 5, &ks, v, &why), -OSE_PERR_TOO_DEEP);
			free(t);
		}
		/* Exactly at the limit is fine. */
		s = nest(OSE_JSON_MAX_DEPTH, '[', ']', 0);
		cr_expect_eq(ose_json_value(s, strlen(s), &one, &why), 0, "%s", why);
		free(s);
		s = nest(OSE_JSON_MAX_DEPTH + 1, '[', ']', 0);
		cr_expect_eq(ose_json_value(s, strlen(s), &one, &why), -OSE_PERR_TOO_DEEP);
		free(s);
	}
	ose_json_simd_force(OSE_JSON_SIMD_AUTO);
}

/* ---- DESCEND, LAZY, EACH, iterators ------------------------------- */

enum { D_event, D_e, D_x, D_list, D_COUNT };
static const struct ose_json_key dkeys[D_COUNT] = {
	[D_event] = OSE_JSON_KEY_F("event", OSE_JSON_DESCEND),
	[D_e] = OSE_JSON_KEY("e"),
	[D_x] = OSE_JSON_KEY("x"),
	[D_list] = OSE_JSON_KEY_F("list", OSE_JSON_LAZY),
};
static struct ose_json_keyset dks = OSE_JSON_KEYSET(dkeys);

Test(json, descend_one_pass)
{
	struct ose_json_val v[D_COUNT];
	const char *why;
	const char *m = "{\"subscriptionId\":0,\"event\":{\"e\":\"exec\",\"x\":\"TRADE\"}}";
	cr_assert_eq(ose_json_obj_get(m, strlen(m), &dks, v, &why), 0, "%s", why);
	expect_str(&v[D_e], "exec");
	expect_str(&v[D_x], "TRADE");
	cr_expect_eq(v[D_event].type, OSE_JSON_OBJECT);
	cr_expect_eq(v[D_event].p[0], '{');
	/* Bad JSON inside the descended object is still an error. */
	m = "{\"event\":{\"e\":\"exec\",\"x\":01}}";
	cr_expect_eq(ose_json_obj_get(m, strlen(m), &dks, v, &why), -OSE_PERR_SYNTAX);
	/* A non-object value under a DESCEND key is just a view. */
	m = "{\"event\":[1]}";
	cr_expect_eq(ose_json_obj_get(m, strlen(m), &dks, v, &why), 0);
	cr_expect_eq(v[D_event].type, OSE_JSON_ARRAY);
}

enum { E_id, E_COUNT };
static const struct ose_json_key ekeys[E_COUNT] = { [E_id] = OSE_JSON_KEY("id") };
static struct ose_json_keyset eks = OSE_JSON_KEYSET(ekeys);

Test(json, lazy_then_iterate_validates)
{
	struct ose_json_val v[D_COUNT], e[E_COUNT];
	struct ose_json_iter it;
	const char *why;
	int rc, n = 0;
	const char *m = "{\"list\":[{\"id\":\"a]\"},{\"id\":\"b\"},{\"id\":3}],\"x\":\"y\"}";

	cr_assert_eq(ose_json_obj_get(m, strlen(m), &dks, v, &why), 0, "%s", why);
	cr_assert_eq(v[D_list].type, OSE_JSON_ARRAY);
	ose_json_iter_init(&it, &v[D_list]);
	while ((rc = ose_json_iter_next_obj(&it, &eks, e, &why)) > 0)
		n++;
	cr_expect_eq(rc, 0);
	cr_expect_eq(n, 3);

	/* Malformed inside a LAZY value: found by the iteration. */
	m = "{\"list\":[{\"id\":01}],\"x\":\"y\"}";
	cr_assert_eq(ose_json_obj_get(m, strlen(m), &dks, v, &why), 0);
	ose_json_iter_init(&it, &v[D_list]);
	cr_expect_eq(ose_json_iter_next_obj(&it, &eks, e, &why), -OSE_PERR_SYNTAX);
	/* Unbalanced LAZY value: truncated. */
	m = "{\"list\":[{\"id\":1}";
	cr_expect_eq(ose_json_obj_get(m, strlen(m), &dks, v, &why), -OSE_PERR_TRUNCATED);
	/* Non-object element. */
	m = "{\"list\":[1]}";
	cr_assert_eq(ose_json_obj_get(m, strlen(m), &dks, v, &why), 0);
	ose_json_iter_init(&it, &v[D_list]);
	cr_expect_eq(ose_json_iter_next_obj(&it, &eks, e, &why), -OSE_PERR_WRONG_TYPE);
	/* Plain iteration over mixed values. */
	m = "{\"list\":[1, \"two\" ,[3],{}]}";
	cr_assert_eq(ose_json_obj_get(m, strlen(m), &dks, v, &why), 0);
	ose_json_iter_init(&it, &v[D_list]);
	{
		struct ose_json_val el;
		int types[4] = { 0 };
		n = 0;
		while ((rc = ose_json_iter_next(&it, &el, &why)) > 0 && n < 4)
			types[n++] = el.type;
		cr_expect_eq(rc, 0);
		cr_expect_eq(n, 4);
		cr_expect_eq(types[0], OSE_JSON_NUMBER);
		cr_expect_eq(types[1], OSE_JSON_STRING);
		cr_expect_eq(types[2], OSE_JSON_ARRAY);
		cr_expect_eq(types[3], OSE_JSON_OBJECT);
	}
}

enum { T_data, T_COUNT };
static const struct ose_json_key tkeys[T_COUNT] = {
	[T_data] = OSE_JSON_KEY_F("data", OSE_JSON_EACH),
};
static struct ose_json_keyset tks = OSE_JSON_KEYSET(tkeys);

struct collect {
	char ids[8][8];
	int n;
	int stop_at;
};

static int collect_fn(void *arg, const struct ose_json_val *v, const char **why)
{
	struct collect *c = arg;
	if (c->n == c->stop_at) {
		*why = "test: stop";
		return -OSE_PERR_TOO_MANY;
	}
	if (ose_json_read_id(&v[E_id], c->ids[c->n], sizeof(c->ids[0]), NULL) < 0)
		return -OSE_PERR_TOO_LONG;
	c->n++;
	return 0;
}

Test(json, each_in_one_pass)
{
	struct ose_json_val v[T_COUNT], e[E_COUNT];
	struct collect c = { .stop_at = -1 };
	struct ose_json_each ex = { .ks = &eks, .vals = e, .fn = collect_fn, .arg = &c };
	const char *why;
	const char *m = "{\"x\":1,\"data\":[{\"id\":\"a\"},{\"id\":7},{\"zz\":[1]}],\"y\":2}";

	cr_assert_eq(ose_json_obj_get_each(m, strlen(m), &tks, v, &ex, &why), 0, "%s", why);
	cr_expect_eq(c.n, 3);
	cr_expect_eq(ex.count, 3);
	cr_expect_str_eq(c.ids[0], "a");
	cr_expect_str_eq(c.ids[1], "7");
	cr_expect_str_eq(c.ids[2], "");
	cr_expect_eq(v[T_data].type, OSE_JSON_ARRAY);

	/* The callback's error stops the scan. */
	c.n = 0;
	c.stop_at = 1;
	cr_expect_eq(ose_json_obj_get_each(m, strlen(m), &tks, v, &ex, &why), -OSE_PERR_TOO_MANY);
	cr_expect_str_eq(why, "test: stop");
	/* A later syntax error fails the call even after callbacks ran. */
	c.n = 0;
	c.stop_at = -1;
	m = "{\"data\":[{\"id\":\"a\"}],\"y\":01}";
	cr_expect_eq(ose_json_obj_get_each(m, strlen(m), &tks, v, &ex, &why), -OSE_PERR_SYNTAX);
	m = "{\"data\":[{\"id\":\"a\"},3]}";
	cr_expect_eq(ose_json_obj_get_each(m, strlen(m), &tks, v, &ex, &why), -OSE_PERR_WRONG_TYPE);
	m = "{\"data\":[]}";
	c.n = 0;
	cr_expect_eq(ose_json_obj_get_each(m, strlen(m), &tks, v, &ex, &why), 0);
	cr_expect_eq(c.n, 0);
}

/* ---- the three paths agree on random documents -------------------- */

static uint64_t rng = 88172645463325252ULL;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static const char *const rkeys[] = { "c", "C", "p", "pL", "g", "gP", "obj", "arr",
				     "a_rather_long_key_name", "zz", "\\u0063" };

static void gen_value(char *b, size_t *o, size_t cap, int depth);

/* Clean documents (no escapes, controls or non-ASCII: what venues send)
 * take the SIMD paths' indexed walk; the others take the general walk.
 * gen_clean picks which kind gen_doc writes. */
static int gen_clean;
#define CLEAN_PIECES 8 /* pieces[] starts with the clean ones */
#define CLEAN_KEYS 10  /* rkeys[] minus the escaped key */

static void gen_string(char *b, size_t *o, size_t cap)
{
	static const char *const pieces[] = { "a", "Z", "0", " ", "{", "]", ":", ",",
					      "\\\"", "\\\\", "\\n", "\\u00e9",
					      "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
					      "\\ud83d\\ude00" };
	size_t n = rnd() % 48;
	b[(*o)++] = '"';
	for (size_t i = 0; i < n && *o + 16 < cap; i++) {
		const char *p = pieces[rnd() % (gen_clean ? CLEAN_PIECES
							   : sizeof(pieces) / sizeof(pieces[0]))];
		size_t l = strlen(p);
		memcpy(b + *o, p, l);
		*o += l;
	}
	b[(*o)++] = '"';
}

static void gen_value(char *b, size_t *o, size_t cap, int depth)
{
	unsigned k = rnd() % (depth > 4 ? 5 : 8);
	if (*o + 64 > cap)
		k = 4;
	switch (k) {
	case 0:
	case 1:
		gen_string(b, o, cap);
		break;
	case 2:
		*o += (size_t)snprintf(b + *o, cap - *o, "%s%u.%u", rnd() % 2 ? "-" : "", rnd() % 100000,
				       rnd() % 1000);
		break;
	case 3:
		*o += (size_t)snprintf(b + *o, cap - *o, "%u", rnd());
		break;
	case 4: {
		static const char *const lits[] = { "true", "false", "null", "0", "1e5", "-0.5E-3" };
		const char *l = lits[rnd() % 6];
		memcpy(b + *o, l, strlen(l));
		*o += strlen(l);
		break;
	}
	case 5:
	case 6: {
		unsigned n = rnd() % 5;
		b[(*o)++] = '{';
		for (unsigned i = 0; i < n && *o + 128 < cap; i++) {
			if (i)
				b[(*o)++] = ',';
			*o += (size_t)snprintf(b + *o, cap - *o, "\"%s\":",
					       rkeys[rnd() % (gen_clean ? CLEAN_KEYS
									: sizeof(rkeys) / sizeof(rkeys[0]))]);
			gen_value(b, o, cap, depth + 1);
		}
		b[(*o)++] = '}';
		break;
	}
	default: {
		unsigned n = rnd() % 5;
		b[(*o)++] = '[';
		for (unsigned i = 0; i < n && *o + 128 < cap; i++) {
			if (i)
				b[(*o)++] = rnd() % 4 ? ',' : ' ';
			gen_value(b, o, cap, depth + 1);
			if (rnd() % 8 == 0)
				b[(*o)++] = gen_clean ? ' ' : '\n';
		}
		b[(*o)++] = ']';
		break;
	}
	}
}

static size_t gen_doc(char *b, size_t cap)
{
	size_t o = 0;
	unsigned n = 1 + rnd() % 12;
	b[o++] = '{';
	for (unsigned i = 0; i < n && o + 256 < cap; i++) {
		if (i)
			b[o++] = ',';
		if (rnd() % 6 == 0)
			b[o++] = ' ';
		o += (size_t)snprintf(b + o, cap - o, "\"%s\":",
				      rkeys[rnd() % (gen_clean ? CLEAN_KEYS
							       : sizeof(rkeys) / sizeof(rkeys[0]))]);
		gen_value(b, &o, cap, 1);
	}
	b[o++] = '}';
	return o;
}

/* Document number iter of a random run: clean or not in turns of two,
 * and every other one broken (one byte changed, or cut short). */
static size_t gen_case(char *doc, size_t cap, int iter)
{
	size_t n;
	gen_clean = (iter / 2) % 2;
	n = gen_doc(doc, cap);
	if (iter % 2) {
		if (rnd() % 2)
			doc[rnd() % n] = (char)(rnd() & 0xff);
		else
			n = rnd() % n;
	}
	return n;
}

Test(json, simd_paths_agree_on_random_and_mutated_docs)
{
	static char doc[8192];
	int have = 0;
	for (int l = 0; l < NLEVELS; l++)
		have += ose_json_simd_supported(levels[l]);
	if (have < 2)
		cr_skip_test("only one scanner path on this CPU");
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = gen_case(doc, sizeof(doc), iter);
		struct ose_json_val ref[K_COUNT];
		int ref_rc = 0;
		const char *why;
		for (int l = 0; l < NLEVELS; l++) {
			struct ose_json_val v[K_COUNT];
			int rc;
			if (ose_json_simd_force(levels[l]))
				continue;
			rc = ose_json_obj_get(doc, n, &ks, v, &why);
			if (l == 0) {
				ref_rc = rc;
				memcpy(ref, v, sizeof(ref));
				continue;
			}
			cr_assert_eq(rc, ref_rc, "iter %d: %s rc %d vs scalar %d on %.*s", iter,
				     ose_json_simd_name(levels[l]), rc, ref_rc, (int)n, doc);
			if (rc == 0)
				for (int k = 0; k < K_COUNT; k++) {
					cr_assert_eq(v[k].type, ref[k].type);
					if (v[k].type != OSE_JSON_ABSENT) {
						cr_assert_eq(v[k].p, ref[k].p);
						cr_assert_eq(v[k].len, ref[k].len);
						cr_assert_eq(v[k].esc, ref[k].esc);
					}
				}
		}
	}
	ose_json_simd_force(OSE_JSON_SIMD_AUTO);
}

/* The same with DESCEND, EACH and LAZY keys: the views, the EACH
 * callbacks (logged) and the verdict must agree on every path. */
static const struct ose_json_key fkeys[K_COUNT] = {
	[K_c] = OSE_JSON_KEY("c"),   [K_C] = OSE_JSON_KEY("C"),   [K_p] = OSE_JSON_KEY("p"),
	[K_pL] = OSE_JSON_KEY("pL"), [K_g] = OSE_JSON_KEY("g"),   [K_gP] = OSE_JSON_KEY("gP"),
	[K_long] = OSE_JSON_KEY_F("a_rather_long_key_name", OSE_JSON_LAZY),
	[K_obj] = OSE_JSON_KEY_F("obj", OSE_JSON_DESCEND),
	[K_arr] = OSE_JSON_KEY_F("arr", OSE_JSON_EACH),
};
static struct ose_json_keyset fks = OSE_JSON_KEYSET(fkeys);
static struct ose_json_keyset feks = OSE_JSON_KEYSET(keys);

struct vlog {
	char buf[1 << 16];
	size_t n;
	const char *base;
};

static void vlog_put(struct vlog *l, const struct ose_json_val *v)
{
	for (int k = 0; k < K_COUNT && l->n + 64 < sizeof(l->buf); k++) {
		if (v[k].type == OSE_JSON_ABSENT)
			continue;
		l->n += (size_t)snprintf(l->buf + l->n, sizeof(l->buf) - l->n, "%d:%u:%td:%u:%u;", k,
					 v[k].type, v[k].p - l->base, v[k].len, v[k].esc);
	}
	l->buf[l->n++] = '|';
}

static struct vlog vlog_scratch;

static int vlog_fn(void *arg, const struct ose_json_val *v, const char **why)
{
	(void)why;
	vlog_put(arg, v);
	return 0;
}

Test(json, simd_paths_agree_with_flags)
{
	static char doc[8192];
	static struct vlog ref_log, log;

	for (int iter = 0; iter < 20000; iter++) {
		size_t n = gen_case(doc, sizeof(doc), iter);
		int ref_rc = 0;
		for (int l = 0; l < NLEVELS; l++) {
			struct ose_json_val v[K_COUNT], e[K_COUNT];
			struct vlog *lg = l == 0 ? &ref_log : &log;
			struct ose_json_each each = { .ks = &feks, .vals = e, .fn = vlog_fn, .arg = lg };
			const char *why;
			int rc;
			if (ose_json_simd_force(levels[l]))
				continue;
			lg->n = 0;
			lg->base = doc;
			rc = ose_json_obj_get_each(doc, n, &fks, v, &each, &why);
			if (rc == 0)
				vlog_put(lg, v);
			if (l == 0) {
				ref_rc = rc;
				continue;
			}
			cr_assert_eq(rc, ref_rc, "iter %d: %s rc %d vs scalar %d on %.*s", iter,
				     ose_json_simd_name(levels[l]), rc, ref_rc, (int)n, doc);
			cr_assert(log.n == ref_log.n && memcmp(log.buf, ref_log.buf, log.n) == 0,
				  "iter %d: %s views differ on %.*s", iter, ose_json_simd_name(levels[l]),
				  (int)n, doc);
		}
	}
	ose_json_simd_force(OSE_JSON_SIMD_AUTO);
}

/* Depth near OSE_JSON_MAX_DEPTH inside DESCEND objects and EACH
 * elements: every path draws the line at the same place. */
Test(json, simd_paths_agree_on_depth_in_flagged_values)
{
	static char doc[1024];
	for (int shape = 0; shape < 2; shape++) {
		for (int d = OSE_JSON_MAX_DEPTH - 4; d <= OSE_JSON_MAX_DEPTH + 2; d++) {
			size_t n = 0;
			int ref_rc = 0;
			n += (size_t)sprintf(doc + n, shape ? "{\"obj\":{\"c\":" : "{\"arr\":[{\"c\":");
			for (int i = 0; i < d; i++)
				doc[n++] = '[';
			for (int i = 0; i < d; i++)
				doc[n++] = ']';
			n += (size_t)sprintf(doc + n, shape ? "}}" : "}]}");
			for (int l = 0; l < NLEVELS; l++) {
				struct ose_json_val v[K_COUNT], e[K_COUNT];
				struct ose_json_each each = { .ks = &feks, .vals = e, .fn = vlog_fn,
							      .arg = &vlog_scratch };
				const char *why;
				int rc;
				if (ose_json_simd_force(levels[l]))
					continue;
				vlog_scratch.n = 0;
				vlog_scratch.base = doc;
				rc = ose_json_obj_get_each(doc, n, &fks, v, &each, &why);
				if (l == 0)
					ref_rc = rc;
				else
					cr_assert_eq(rc, ref_rc, "%s depth %d shape %d: rc %d vs scalar %d",
						     ose_json_simd_name(levels[l]), d, shape, rc, ref_rc);
			}
		}
	}
	ose_json_simd_force(OSE_JSON_SIMD_AUTO);
}

Test(json, simd_dispatch_api)
{
	cr_expect_eq(ose_json_simd_force(OSE_JSON_SIMD_SCALAR), 0);
	cr_expect_eq(ose_json_simd_active(), OSE_JSON_SIMD_SCALAR);
	cr_expect_str_eq(ose_json_simd_name(OSE_JSON_SIMD_SCALAR), "scalar");
	if (ose_json_simd_supported(OSE_JSON_SIMD_AVX2)) {
		cr_expect_eq(ose_json_simd_force(OSE_JSON_SIMD_AVX2), 0);
		cr_expect_eq(ose_json_simd_active(), OSE_JSON_SIMD_AVX2);
	} else {
		cr_expect_eq(ose_json_simd_force(OSE_JSON_SIMD_AVX2), -ENOTSUP);
	}
	cr_expect_eq(ose_json_simd_force(OSE_JSON_SIMD_AUTO), 0);
	cr_expect_neq(ose_json_simd_active(), OSE_JSON_SIMD_AUTO);
}
