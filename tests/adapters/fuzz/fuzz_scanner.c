/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the JSON scanner alone.  Every SIMD path must give
 * the same verdict and the same views; iterating arrays and decoding
 * strings must stay inside the input (ASan). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/json/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { K_a, K_C, K_pL, K_data, K_ev, K_long, K_COUNT };
static const struct ose_json_key keys[K_COUNT] = {
	[K_a] = OSE_JSON_KEY("a"),
	[K_C] = OSE_JSON_KEY("C"),
	[K_pL] = OSE_JSON_KEY("pL"),
	[K_data] = OSE_JSON_KEY_F("data", OSE_JSON_LAZY),
	[K_ev] = OSE_JSON_KEY_F("event", OSE_JSON_DESCEND),
	[K_long] = OSE_JSON_KEY("a_rather_long_key_name"),
};
static struct ose_json_keyset ks = OSE_JSON_KEYSET(keys);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum ose_json_simd levels[] = { OSE_JSON_SIMD_SCALAR, OSE_JSON_SIMD_SSE42,
						     OSE_JSON_SIMD_AVX2 };
	struct ose_json_val ref[K_COUNT], v[K_COUNT], whole, whole_ref;
	int ref_rc = 0, ref_w = 0, have = 0;
	const char *why;
	char *msg = malloc(size ? size : 1);

	if (!msg)
		return 0;
	memcpy(msg, data, size);
	for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
		int rc, w;
		if (ose_json_simd_force(levels[l]))
			continue;
		rc = ose_json_obj_get(msg, size, &ks, v, &why);
		w = ose_json_value(msg, size, &whole, &why);
		if (!have) {
			ref_rc = rc;
			ref_w = w;
			memcpy(ref, v, sizeof(ref));
			whole_ref = whole;
			have = 1;
		} else {
			if (rc != ref_rc || w != ref_w)
				__builtin_trap();
			if (rc == 0)
				for (int k = 0; k < K_COUNT; k++)
					if (v[k].type != ref[k].type ||
					    (v[k].type && (v[k].p != ref[k].p || v[k].len != ref[k].len)))
						__builtin_trap();
			if (w == 0 && (whole.type != whole_ref.type || whole.len != whole_ref.len))
				__builtin_trap();
		}
		if (rc == 0) {
			char buf[64];
			for (int k = 0; k < K_COUNT; k++)
				if (v[k].type == OSE_JSON_STRING)
					(void)ose_json_str_copy(&v[k], buf, sizeof(buf));
			if (v[K_data].type == OSE_JSON_ARRAY) {
				struct ose_json_iter it;
				struct ose_json_val el, sub[K_COUNT];
				ose_json_iter_init(&it, &v[K_data]);
				for (int n = 0; n < 1000 && ose_json_iter_next(&it, &el, &why) > 0; n++)
					;
				ose_json_iter_init(&it, &v[K_data]);
				for (int n = 0; n < 1000 && ose_json_iter_next_obj(&it, &ks, sub, &why) > 0;
				     n++)
					;
			}
		}
	}
	free(msg);
	return 0;
}
