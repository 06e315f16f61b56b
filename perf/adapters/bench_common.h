/* SPDX-License-Identifier: MIT */
/* Shared between bench_parse.c and the simdjson harness (C++). */
#ifndef OSE_PERF_ADAPTERS_BENCH_COMMON_H
#define OSE_PERF_ADAPTERS_BENCH_COMMON_H

#include <stddef.h>

#include "shm/event.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bench_sample {
	const char *msg;
	size_t len;
};

/* Parse msg into ev[0..cap); returns the number of events. */
typedef int (*bench_fn)(void *arg, const char *msg, size_t len, struct ose_event *ev,
			unsigned cap);

/* 1 if the simdjson On-Demand harness is linked in. */
int bench_simdjson_available(void);
/* The harness for a venue (binance, okx, bybit). */
bench_fn bench_simdjson_fn(enum ose_venue venue);

double bench_median(double *v, size_t n);

#ifdef __cplusplus
}
#endif

#endif
