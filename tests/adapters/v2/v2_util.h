/* SPDX-License-Identifier: MIT */
/* Helpers shared by the venues2 adapter tests. */
#ifndef OSE_TESTS_ADAPTERS_V2_UTIL_H
#define OSE_TESTS_ADAPTERS_V2_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "adapters/adapter.h"

/* Read fixture OSE_FIXTURE_DIR/<rel> into a malloc'd buffer (NUL added,
 * not counted in *len); aborts the test on failure. */
char *v2_load(const char *rel, size_t *len);
/* Decode hex text (whitespace ignored) into a malloc'd buffer. */
uint8_t *v2_unhex(const char *hex, size_t len, size_t *out_len);
/* Strip one trailing newline (fixtures end with one; the venue's frame
 * did not). */
size_t v2_chomp(const char *p, size_t len);

/* Guard-page buffer: copy len bytes so they end right before a
 * PROT_NONE page.  Returns a pointer to the copy; v2_guard_free frees. */
struct v2_guard {
	uint8_t *map;
	size_t maplen;
};
const char *v2_guard_put(struct v2_guard *g, const void *p, size_t len);
void v2_guard_free(struct v2_guard *g);

/* An event formatted for comparisons: "field=value" lines.  Decimals
 * exact, absent (unflagged) fields omitted. */
void v2_dec_str(ose_dec v, char *buf);

#endif
