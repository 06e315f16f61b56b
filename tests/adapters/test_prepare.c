/* SPDX-License-Identifier: MIT */
/*
 * struct ose_adapter.prepare: once a venue's adapter is prepared, no
 * message of that venue builds a key set index (which is what the first
 * live message would otherwise pay for: 0.1-0.3 ms for Bybit's).  Every
 * fixture of the venue is parsed as stored, minified (the plain fast
 * paths' input) and, for MEXC's .hex files, as the binary frame; the
 * process-wide build counters of the scanner's and the plain path's key
 * sets must not move.  A control test parses the same fixtures without
 * prepare and requires the counters to move, so the check can fail.
 * Criterion runs each test in its own process: each starts with no index
 * built.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/adapter.h"
#include "adapters/json/json.h"
#include "adapters/plain/plain.h"
#include "perf/adapters/bench_util.h" /* bench_load, bench_minify, bench_unhex */

static uint64_t builds(void)
{
	return ose_json_keyset_builds() + ose_plain_keyset_builds();
}

static unsigned parse_one(const struct ose_adapter *a, const char *msg, size_t len, int binary)
{
	static struct ose_event ev[64];
	struct ose_parse_ctx ctx = {.account = "main", .venue = a->venue};
	struct ose_parse_out out;
	memset(&out, 0, sizeof(out));
	out.ev = ev;
	out.cap = 64;
	a->parse(msg, len, binary, &ctx, &out);
	return out.n;
}

/* Parses every fixture of the venue (as stored, minified, or decoded
 * from hex); returns the events produced. */
static unsigned parse_fixtures(const struct ose_adapter *a)
{
	const char *root = getenv("OSE_FIXTURES");
	char rel[512];
	unsigned events = 0, files = 0;
	cr_assert(root, "OSE_FIXTURES is set by meson");
	snprintf(rel, sizeof(rel), "%s/%s", root, a->name);
	DIR *d = opendir(rel);
	cr_assert(d, "fixture dir %s", rel);
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t nl = strlen(de->d_name), n;
		int hex = nl > 4 && !strcmp(de->d_name + nl - 4, ".hex");
		int json = nl > 5 && !strcmp(de->d_name + nl - 5, ".json");
		if (!hex && !json)
			continue;
		snprintf(rel, sizeof(rel), "%s/%s", a->name, de->d_name);
		char *buf = bench_load(root, rel, &n);
		files++;
		if (hex) {
			n = bench_unhex(buf, n);
			events += parse_one(a, buf, n, 1);
		} else {
			events += parse_one(a, buf, n, 0);
			n = bench_minify(buf, n);
			events += parse_one(a, buf, n, 0);
		}
		free(buf);
	}
	closedir(d);
	cr_assert(files > 0, "%s: no fixtures", a->name);
	return events;
}

static void check_prepared(enum ose_venue v)
{
	const struct ose_adapter *a = ose_adapter_get(v);
	cr_assert(a && a->prepare);
	uint64_t b0 = builds();
	a->prepare();
	uint64_t b1 = builds();
	cr_assert_gt(b1, b0, "%s: prepare built no index", a->name);
	a->prepare();
	cr_assert_eq(builds(), b1, "%s: prepare is not idempotent", a->name);
	unsigned events = parse_fixtures(a);
	cr_assert_gt(events, 0, "%s: the fixtures produced no event", a->name);
	cr_assert_eq(builds(), b1, "%s: %llu key set index(es) left for messages to build", a->name,
		     (unsigned long long)(builds() - b1));
}

Test(prepare, binance) { check_prepared(OSE_VENUE_BINANCE); }
Test(prepare, okx) { check_prepared(OSE_VENUE_OKX); }
Test(prepare, bybit) { check_prepared(OSE_VENUE_BYBIT); }
Test(prepare, gate) { check_prepared(OSE_VENUE_GATE); }
Test(prepare, coinbase) { check_prepared(OSE_VENUE_COINBASE); }
Test(prepare, mexc) { check_prepared(OSE_VENUE_MEXC); }

/* The control: without prepare, the same messages do build indexes, so
 * the counters above see what the first messages would pay. */
Test(prepare, unprepared_messages_build_indexes)
{
	for (int v = 1; v < OSE_VENUE_COUNT; v++) {
		const struct ose_adapter *a = ose_adapter_get((enum ose_venue)v);
		uint64_t b0 = builds();
		parse_fixtures(a);
		cr_assert_gt(builds(), b0, "%s: unprepared parse built nothing", a->name);
	}
}
