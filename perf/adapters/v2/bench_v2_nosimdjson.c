/* SPDX-License-Identifier: MIT */
/* Built when simdjson (C++) is missing: no On-Demand comparison. */
#include "perf/adapters/v2/bench_v2.h"
v2_fn v2_simdjson_fn(enum ose_venue venue)
{
	(void)venue;
	return NULL;
}
