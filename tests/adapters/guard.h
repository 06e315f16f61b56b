/* SPDX-License-Identifier: MIT */
/*
 * Guard-page buffers (picohttpparser style): copy an input so that its last
 * byte is the last byte of a page and the next page is PROT_NONE; any read
 * past the end faults.  Also the list of this area's fixture files.
 */
#ifndef OSE_TESTS_ADAPTERS_GUARD_H
#define OSE_TESTS_ADAPTERS_GUARD_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "adapters/core/venues.h"
#include "adapters/json/json.h"

struct guard {
	char *base;
	size_t size; /* data pages */
	size_t page;
};

/* Room for inputs up to cap bytes. */
static inline void guard_init(struct guard *g, size_t cap)
{
	g->page = (size_t)sysconf(_SC_PAGESIZE);
	g->size = (cap + g->page - 1) / g->page * g->page;
	g->base = mmap(NULL, g->size + g->page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(g->base, MAP_FAILED);
	cr_assert_eq(mprotect(g->base + g->size, g->page, PROT_NONE), 0);
}

/* Copy msg[0..len) so it ends right at the guard page; returns it. */
static inline const char *guard_put(struct guard *g, const char *msg, size_t len)
{
	char *dst = g->base + g->size - len;
	cr_assert_leq(len, g->size);
	memmove(dst, msg, len);
	return dst;
}

static inline void guard_free(struct guard *g)
{
	munmap(g->base, g->size + g->page);
}

struct fx_file {
	const char *path;
	ose_adapter_parse_fn parse;
};

static const struct fx_file fx_files[] = {
	{ "binance/ws_api_subscribe_response.json", ose_binance_parse },
	{ "binance/listen_key_expired.json", ose_binance_parse },
	{ "binance/execution_report_documented.json", ose_binance_parse },
	{ "binance/execution_report_binance_us.json", ose_binance_parse },
	{ "binance/execution_report_trade_prevention.json", ose_binance_parse },
	{ "binance/execution_report_pending_cancel.json", ose_binance_parse },
	{ "binance/execution_report_trade_l_zero_partial.json", ose_binance_parse },
	{ "binance/outbound_account_position.json", ose_binance_parse },
	{ "binance/balance_update.json", ose_binance_parse },
	{ "okx/orders_docs_push.json", ose_okx_parse },
	{ "okx/orders_swap_filled.json", ose_okx_parse },
	{ "okx/orders_ioc_partial.json", ose_okx_parse },
	{ "bybit/auth_ok.json", ose_bybit_parse },
	{ "bybit/auth_fail.json", ose_bybit_parse },
	{ "bybit/subscribe_ack.json", ose_bybit_parse },
	{ "bybit/pong.json", ose_bybit_parse },
	{ "bybit/order_docs_option_filled.json", ose_bybit_parse },
	{ "bybit/order_filled.json", ose_bybit_parse },
	{ "bybit/order_partially_filled_rejected.json", ose_bybit_parse },
	{ "bybit/execution_docs.json", ose_bybit_parse },
};
#define N_FX_FILES (sizeof(fx_files) / sizeof(fx_files[0]))

static inline char *fx_read(const char *rel, size_t *len)
{
	const char *dir = getenv("OSE_FIXTURES");
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	cr_assert(dir, "OSE_FIXTURES not set (run through meson test)");
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "rb");
	cr_assert(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	cr_assert(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static const enum ose_json_simd guard_levels[] = { OSE_JSON_SIMD_SCALAR, OSE_JSON_SIMD_SSE42,
						   OSE_JSON_SIMD_AVX2 };

#endif
