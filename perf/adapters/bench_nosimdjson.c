/* SPDX-License-Identifier: MIT */
/* Stand-in when simdjson (C++) is not available: ose figures only. */
#include "perf/adapters/bench_common.h"

int bench_simdjson_available(void)
{
	return 0;
}

bench_fn bench_simdjson_fn(enum ose_venue venue)
{
	(void)venue;
	return 0;
}
