/* SPDX-License-Identifier: MIT */
/* Shared by the adapter fuzz targets: parse on every SIMD path and check
 * the contract (no half-filled event, reasons in range, same answer on
 * every path). */
#ifndef OSE_FUZZ_COMMON_H
#define OSE_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/core/venues.h"
#include "adapters/json/json.h"

static inline void fuzz_adapter(ose_adapter_parse_fn parse, const uint8_t *data, size_t size)
{
	static const enum ose_json_simd levels[] = { OSE_JSON_SIMD_SCALAR, OSE_JSON_SIMD_SSE42,
						     OSE_JSON_SIMD_AVX2 };
	struct ose_event ev[2][8];
	struct ose_parse_out out[2];
	struct ose_parse_ctx ctx = { .account = "fuzz" };
	enum ose_parse_res res[2] = { 0, 0 };
	int have = 0;
	/* An exact-size heap copy so ASan sees any over-read. */
	char *msg = malloc(size ? size : 1);

	if (!msg)
		return;
	memcpy(msg, data, size);
	for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
		int k = have ? 1 : 0;
		if (ose_json_simd_force(levels[l]))
			continue;
		memset(&out[k], 0, sizeof(out[k]));
		out[k].ev = ev[k];
		out[k].cap = 8;
		res[k] = parse(msg, size, 0, &ctx, &out[k]);
		if (res[k] == OSE_PARSE_ERROR &&
		    (out[k].n != 0 || out[k].err <= OSE_PERR_NONE || out[k].err >= OSE_PERR_COUNT ||
		     !out[k].why))
			__builtin_trap();
		if (out[k].n > out[k].cap)
			__builtin_trap();
		if (have && (res[1] != res[0] || out[1].n != out[0].n || out[1].err != out[0].err ||
			     memcmp(ev[1], ev[0], sizeof(ev[0][0]) * out[0].n)))
			__builtin_trap(); /* SIMD paths disagree */
		have = 1;
	}
	free(msg);
}

#endif
