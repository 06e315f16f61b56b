/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the coinbase adapter.  Built with -Dfuzz=enabled and
 * clang; seeded with tests/adapters/fixtures/coinbase/.  Checks the adapter
 * contract on every input: a result in range, a reason always, no events
 * with an error, never more events than cap.  ASan (libFuzzer builds add
 * it with -fsanitize=fuzzer,address) catches reads outside the input.
 * Differential: the same input behind a tab (fuzz_diff.h): the plain
 * walk against the scanner paths, events byte for byte.  And a short
 * input of plain string bytes as the envelope timestamp and as
 * limit_price of a fixed message: the inline readers (parse.c's cb_ts,
 * cb_dec) must give ose_ts_parse_rfc3339's / ose_dec_parse's value, and
 * refuse exactly when they refuse.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "adapters/core/venues.h"
#include "adapters/json/json.h"
#include "fuzz_diff.h"
#include "shm/dec.h"

/* data[0..size) as the timestamp (what 0) or limit_price (what 1). */
static void fuzz_inline(const uint8_t *data, size_t size, int what)
{
	static struct ose_event ev[2];
	struct ose_parse_ctx ctx = { .account = "fuzz", .venue = OSE_VENUE_COINBASE };
	struct ose_parse_out out = { .ev = ev, .cap = 2 };
	const char *v = (const char *)data;
	char m[512];
	int n, ok;
	int64_t ts = 0;
	ose_dec px = 0;

	n = snprintf(m, sizeof(m),
		     "{\"channel\":\"user\",\"timestamp\":\"%.*s\",\"sequence_num\":7,\"events\":[{\"type\":"
		     "\"update\",\"orders\":[{\"order_id\":\"o1\",\"product_id\":\"B\",\"status\":\"OPEN\","
		     "\"limit_price\":\"%.*s\"}]}]}",
		     what ? 24 : (int)size, what ? "2024-06-21T18:29:13.123Z" : v, what ? (int)size : 1,
		     what ? v : "1");
	if (what)
		ok = !size || ose_dec_parse(v, size, &px) == OSE_DEC_OK;
	else
		ok = !size || ose_ts_parse_rfc3339(v, size, &ts) == 0;
	/* Exact-size heap copy: the value sits near the end (short tail). */
	char *copy = malloc((size_t)n);
	if (!copy)
		return;
	memcpy(copy, m, (size_t)n);
	enum ose_parse_res r = ose_coinbase_parse(copy, (size_t)n, 0, &ctx, &out);
	free(copy);
	if ((r == OSE_PARSE_EVENTS) != ok)
		__builtin_trap();
	if (ok && !what && ev[0].exch_ts_ns != ts)
		__builtin_trap();
	if (ok && what && size && (!(ev[0].flags & OSE_EVF_HAS_PRICE) || ev[0].price != px))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ose_event ev[4];
	struct ose_parse_ctx ctx = { .account = "fuzz", .venue = OSE_VENUE_COINBASE };
	struct ose_parse_out out = { .ev = ev, .cap = 4 };
	int binary = 0;
	char *copy;


	/* An exact-size heap copy so ASan sees any over-read. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	enum ose_parse_res r = ose_coinbase_parse(copy, size, binary, &ctx, &out);
	if (!out.why || out.n > out.cap)
		__builtin_trap();
	if (r == OSE_PARSE_ERROR && (out.n != 0 || out.err == OSE_PERR_NONE || out.err >= OSE_PERR_COUNT))
		__builtin_trap();
	if (r != OSE_PARSE_ERROR && r != OSE_PARSE_EVENTS && r != OSE_PARSE_SESSION)
		__builtin_trap();
	fuzz_diff_tab(ose_coinbase_parse, data, size, &ctx, r, &out, ev);
	free(copy);
	if (size <= 40) {
		size_t i = 0;
		while (i < size && data[i] >= 0x20 && data[i] < 0x80 && data[i] != '"' && data[i] != '\\')
			i++;
		if (i == size) {
			fuzz_inline(data, size, 0);
			fuzz_inline(data, size, 1);
		}
	}
	return 0;
}
