/* SPDX-License-Identifier: MIT */
/*
 * ose-sim's text writers (tools/sim/sim_gen.c): the decimal, integer and id
 * writers the formatters use for every message, checked against plain
 * references (digit-by-digit 128-bit decimals, snprintf for integers and
 * ids), so a fast path that drops a leading zero of a fraction, a trailing
 * zero of a padded value or a digit of a 20-digit integer fails here, not
 * as a mismatch between the engine's table and the truth.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "tools/sim/sim.h"

/* Reference: units * 10^-scale, widened to pad_to fraction digits when
 * pad_to > scale, trailing fraction zeros dropped when pad_to < 0. */
static void ref_dec(char *out, sim_i128 units, int scale, int pad_to)
{
	char dig[64];
	int n = 0;
	bool neg = units < 0;
	sim_u128 u = neg ? -(sim_u128)units : (sim_u128)units;
	for (; pad_to > scale; scale++)
		u *= 10;
	do {
		dig[n++] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u || n <= scale);
	int drop = 0;
	if (pad_to < 0)
		while (drop < scale && dig[drop] == '0')
			drop++;
	char *d = out;
	if (neg)
		*d++ = '-';
	for (int i = n; i > scale; i--)
		*d++ = dig[i - 1];
	if (drop < scale) {
		*d++ = '.';
		for (int i = scale; i > drop; i--)
			*d++ = dig[i - 1];
	}
	*d = 0;
}

static void check_dec(sim_i128 v, int scale, int pad)
{
	char got[64], want[64];
	memset(got, 'x', sizeof(got));
	size_t n = sim_dec(got, v, scale, pad);
	ref_dec(want, v, scale, pad);
	cr_assert_str_eq(got, want, "scale %d pad %d", scale, pad);
	cr_assert_eq(n, strlen(want));
}

static uint64_t rng[4];

Test(sim_fmt, dec_matches_reference)
{
	static const int64_t edge[] = { 0, 1, 9, 10, 11, 99, 100, 101, 1000, 123456789, 100000000,
					1000000000000000000LL, INT64_MAX };
	for (int scale = 0; scale <= 12; scale++)
		for (int pad = -1; pad <= 12; pad++)
			for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
				check_dec(edge[i], scale, pad);
				check_dec(-(sim_i128)edge[i], scale, pad);
			}
	/* Over 64 bits (price x quantity products, widened values), and a
	 * scale over 19: the wide path. */
	check_dec((sim_i128)INT64_MAX * 1000, 8, 8);
	check_dec((sim_i128)1 << 100, 20, -1);
	check_dec(5, 25, 30);
	sim_rng_seed(rng, 42);
	for (int i = 0; i < 200000; i++) {
		uint64_t r = sim_rng_next(rng);
		int bits = (int)(r % 64) + 1;
		sim_i128 v = (sim_i128)(sim_rng_next(rng) >> (64 - bits));
		if (r & (1ull << 40))
			v = -v;
		check_dec(v, (int)((r >> 8) % 13), (int)((r >> 16) % 14) - 1);
	}
}

Test(sim_fmt, u64_matches_snprintf)
{
	char got[32], want[32];
	uint64_t v = 0;
	for (int i = 0; i < 64 * 4; i++) {
		/* 0, 9, 10, 99, 100... and every power of two +-1 */
		uint64_t cands[3] = { v, v - 1, v + 1 };
		for (int k = 0; k < 3; k++) {
			size_t n = sim_u64_put(got, cands[k]);
			got[n] = 0;
			snprintf(want, sizeof(want), "%" PRIu64, cands[k]);
			cr_assert_str_eq(got, want);
		}
		v = i < 20 ? (v ? v * 10 : 1) : (1ull << (i % 64));
	}
	struct sim_buf b = { 0 };
	sim_buf_u64(&b, UINT64_MAX);
	sim_buf_i64(&b, INT64_MIN);
	sim_buf_put(&b, "|", 1);
	cr_assert_str_eq(b.p, "18446744073709551615-9223372036854775808|");
	sim_buf_free(&b);
}

/* prefix, the tag in lower-case hex without leading zeros, infix, i in
 * decimal: what snprintf("<prefix>%llx<infix>%u") wrote before. */
static void check_tagged(const char *id, const char *prefix, const char *infix, uint32_t i)
{
	char tail[32];
	size_t pl = strlen(prefix), n = strlen(id);
	snprintf(tail, sizeof(tail), "%s%u", infix, i);
	size_t tl = strlen(tail);
	cr_assert_gt(n, pl + tl, "%s", id);
	cr_assert_eq(strncmp(id, prefix, pl), 0, "%s", id);
	cr_assert_str_eq(id + n - tl, tail);
	char hex[32];
	memcpy(hex, id + pl, n - pl - tl);
	hex[n - pl - tl] = 0;
	unsigned long long tag = strtoull(hex, NULL, 16);
	char want[32];
	snprintf(want, sizeof(want), "%llx", tag);
	cr_assert_str_eq(hex, want, "%s", id);
}

/* Ids are written without snprintf; each venue's shape checked with it. */
Test(sim_fmt, ids_have_their_venue_shape)
{
	for (int v = 0; v < SIM_VENUES; v++) {
		struct sim_gen g;
		cr_assert_eq(sim_gen_init(&g, v, 3, 300, 4, 10), 0);
		struct sim_step st;
		for (int i = 0; i < 900 && sim_gen_next(&g, &st, 1790000000000); i++)
			;
		cr_assert_gt(g.started, 0);
		for (uint32_t i = 0; i < g.started; i++) {
			const struct sim_order *o = &g.orders[i];
			char want[64];
			unsigned long long num = 0;
			switch (v) {
			case SIM_BINANCE:
				check_tagged(o->client_id, "sim", "c", i);
				snprintf(want, sizeof(want), "cxl%s", o->client_id + 3);
				cr_assert_str_eq(o->cancel_id, want);
				num = strtoull(o->order_id, NULL, 10);
				snprintf(want, sizeof(want), "%llu", num);
				cr_assert_str_eq(o->order_id, want);
				cr_assert_eq(num % 1000, (8000000000ULL + i * 7ull) % 1000);
				break;
			case SIM_OKX:
				check_tagged(o->client_id, "sim", "o", i);
				cr_assert_eq(strlen(o->order_id), 19);
				break;
			case SIM_BYBIT:
			case SIM_COINBASE: {
				unsigned a, b, c, d;
				unsigned long long e;
				cr_assert_eq(sscanf(o->order_id, "%8x-%4x-4%3x-%4x-%12llx", &a, &b, &c, &d, &e), 5);
				snprintf(want, sizeof(want), "%08x-%04x-4%03x-%04x-%012llx", a, b, c, d, e);
				cr_assert_str_eq(o->order_id, want);
				cr_assert(d & 0x8000);
				if (v == SIM_BYBIT)
					check_tagged(o->client_id, "sim-", "-", i);
				else
					cr_assert_eq(strlen(o->client_id), 36);
				break;
			}
			case SIM_GATE:
				check_tagged(o->client_id, "t-sim", "", i);
				cr_assert_eq(strtoull(o->order_id, NULL, 10) % 100000, (399123456ULL + i) % 100000);
				break;
			default:
				cr_assert_eq(strncmp(o->order_id, "C02__", 5), 0);
				cr_assert_eq(strlen(o->order_id), 5 + 12 + 9);
				snprintf(want, sizeof(want), "%09u", i);
				cr_assert_str_eq(o->order_id + 17, want);
				check_tagged(o->client_id, "sim", "m", i);
				break;
			}
		}
		sim_gen_free(&g);
	}
}
