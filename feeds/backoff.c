/* SPDX-License-Identifier: MIT */
#include "feeds/backoff.h"

uint32_t ose_backoff_cap_ms(const struct ose_backoff_cfg *cfg, unsigned attempt)
{
	uint32_t base = cfg->base_ms ? cfg->base_ms : 1;
	uint32_t max = cfg->max_ms > base ? cfg->max_ms : base;
	uint64_t cap = base;

	/* Double until the ceiling; at most 32 steps, never overflows. */
	for (unsigned i = 0; i < attempt && cap < max; i++)
		cap <<= 1;
	return cap > max ? max : (uint32_t)cap;
}

uint32_t ose_backoff_delay_ms(const struct ose_backoff_cfg *cfg, unsigned attempt, uint64_t *rng)
{
	uint32_t cap = ose_backoff_cap_ms(cfg, attempt);
	uint32_t half = cap / 2;
	uint32_t span = cap - half; /* ceil(cap/2): the jittered part */

	return half + (uint32_t)(ose_backoff_rand(rng) % ((uint64_t)span + 1));
}
