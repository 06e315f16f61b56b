/* SPDX-License-Identifier: MIT */
/*
 * Reconnect schedule: exponential backoff with "equal jitter", as a pure
 * function so tests check the schedule without waiting for it.
 *
 *	cap(n)   = min(max_ms, base_ms * 2^n)       n = failed attempts so far
 *	delay(n) = cap(n)/2 + U[0, cap(n)/2]        U from a caller-held PRNG
 *
 * Bounded: base_ms/2 <= delay <= max_ms for every n (no overflow: the
 * doubling stops at max_ms).  Jittered: half of every delay is uniform, so
 * many feeds dropped by the same venue outage do not reconnect in
 * lock-step, while the floor of cap/2 keeps a tight failure loop from
 * hammering a venue.  The attempt counter resets once a connection has
 * stayed up for the stable time (the feed's choice, see feed.c).
 */
#ifndef OSE_FEEDS_BACKOFF_H
#define OSE_FEEDS_BACKOFF_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ose_backoff_cfg {
	uint32_t base_ms; /* first cap (>= 1) */
	uint32_t max_ms;  /* ceiling (>= base_ms) */
};

/* splitmix64: tiny, stateless apart from *state, good enough for jitter. */
static inline uint64_t ose_backoff_rand(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* cap(attempt) as above. */
uint32_t ose_backoff_cap_ms(const struct ose_backoff_cfg *cfg, unsigned attempt);

/* delay(attempt) as above, drawing from *rng.  Pure apart from *rng. */
uint32_t ose_backoff_delay_ms(const struct ose_backoff_cfg *cfg, unsigned attempt, uint64_t *rng);

#ifdef __cplusplus
}
#endif

#endif /* OSE_FEEDS_BACKOFF_H */
