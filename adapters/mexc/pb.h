/* SPDX-License-Identifier: MIT */
/*
 * A zero-allocation protobuf (proto3 wire format) reader for the MEXC
 * adapter: varints, length-delimited fields, fixed32/64, every read
 * bounds-checked against the end of the buffer, unknown fields skipped.
 * Why not protobuf-c: its unpack allocates per message (malloc for the
 * message and each string), which the hot path does not allow.  The
 * generated protobuf-c code is used only by tests and benchmarks as a
 * reference.
 *
 * Usage:
 *     struct ose_pb r = { p, p + len };
 *     struct ose_pb_field f;
 *     while ((rc = ose_pb_next(&r, &f)) > 0) switch (f.num) { ... }
 *     rc == 0 at a clean end, < 0 on malformed input.
 */
#ifndef OSE_ADAPTERS_MEXC_PB_H
#define OSE_ADAPTERS_MEXC_PB_H

#include <stddef.h>
#include <stdint.h>

#include "adapters/adapter.h"

enum ose_pb_wire { OSE_PB_VARINT = 0, OSE_PB_I64 = 1, OSE_PB_LEN = 2, OSE_PB_I32 = 5 };

struct ose_pb {
	const uint8_t *p, *end;
};

struct ose_pb_field {
	uint32_t num;  /* field number (>= 1) */
	uint8_t wire;  /* enum ose_pb_wire */
	uint64_t u;    /* VARINT, I64, I32 value; LEN: the length */
	const uint8_t *data; /* LEN: the bytes (inside the buffer) */
};

/* Read a varint (at most 10 bytes; the 10th may only carry one bit).
 * Returns 0, -OSE_PERR_TRUNCATED or -OSE_PERR_SYNTAX (overlong). */
static inline int ose_pb_varint(struct ose_pb *r, uint64_t *v)
{
	uint64_t x = 0;
	for (unsigned i = 0; i < 10; i++) {
		if (r->p >= r->end)
			return -OSE_PERR_TRUNCATED;
		uint8_t b = *r->p++;
		if (i == 9 && b > 1)
			return -OSE_PERR_SYNTAX;
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -OSE_PERR_SYNTAX;
}

/*
 * Next field.  Returns 1 with *f filled, 0 at the end of the buffer, or a
 * negative reason: -OSE_PERR_TRUNCATED (a field runs past the end),
 * -OSE_PERR_SYNTAX (field number 0 or above 2^29-1, groups, wire types
 * 6/7, overlong varints).
 */
static inline int ose_pb_next(struct ose_pb *r, struct ose_pb_field *f)
{
	uint64_t key;
	int rc;

	if (r->p >= r->end)
		return 0;
	rc = ose_pb_varint(r, &key);
	if (rc)
		return rc;
	if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff)
		return -OSE_PERR_SYNTAX;
	f->num = (uint32_t)(key >> 3);
	f->wire = (uint8_t)(key & 7);
	f->data = NULL;
	switch (f->wire) {
	case OSE_PB_VARINT:
		rc = ose_pb_varint(r, &f->u);
		return rc ? rc : 1;
	case OSE_PB_I64:
		if (r->end - r->p < 8)
			return -OSE_PERR_TRUNCATED;
		f->u = 0;
		for (int i = 7; i >= 0; i--)
			f->u = f->u << 8 | r->p[i];
		r->p += 8;
		return 1;
	case OSE_PB_I32:
		if (r->end - r->p < 4)
			return -OSE_PERR_TRUNCATED;
		f->u = (uint64_t)r->p[0] | (uint64_t)r->p[1] << 8 | (uint64_t)r->p[2] << 16 |
		       (uint64_t)r->p[3] << 24;
		r->p += 4;
		return 1;
	case OSE_PB_LEN:
		rc = ose_pb_varint(r, &f->u);
		if (rc)
			return rc;
		/* Compare against what is left, never form p + u first. */
		if (f->u > (uint64_t)(r->end - r->p))
			return -OSE_PERR_TRUNCATED;
		f->data = r->p;
		r->p += f->u;
		return 1;
	default:
		return -OSE_PERR_SYNTAX; /* groups (3, 4) and 6, 7 */
	}
}

#endif /* OSE_ADAPTERS_MEXC_PB_H */
