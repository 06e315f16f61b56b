/* SPDX-License-Identifier: MIT */
/* Built when protoc-c is missing: no protobuf-c comparison. */
#include "perf/adapters/v2/bench_v2.h"
v2_fn v2_protobuf_c_fn(void)
{
	return NULL;
}
