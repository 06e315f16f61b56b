/* SPDX-License-Identifier: MIT */
/* Shared by the venues2 parse benchmark (C) and its comparison harnesses
 * (simdjson On-Demand in C++, protobuf-c in C).  Benchmark code only. */
#ifndef OSE_PERF_ADAPTERS_V2_BENCH_H
#define OSE_PERF_ADAPTERS_V2_BENCH_H

#include <stddef.h>

#include "shm/event.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parse msg into ev[0..cap); returns the number of events, -1 on error.
 * Every harness fills the same struct with the same normalisation as
 * the ose adapter, and the benchmark checks byte equality first. */
typedef int (*v2_fn)(const char *msg, size_t len, struct ose_event *ev, unsigned cap);

/* NULL when the harness is not built (library missing). */
v2_fn v2_simdjson_fn(enum ose_venue venue);
v2_fn v2_protobuf_c_fn(void);

#define V2_ACCOUNT "bench"

#ifdef __cplusplus
}
#endif

#endif
