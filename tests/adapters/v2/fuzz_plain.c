/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for adapters/plain: the plain fast path against the
 * full scanner on the same input, with the same key set (Gate's and
 * Coinbase's keys, result/events/orders as EACH, nested one level: the
 * scanner's ose_json_each.inner against plain's each->inner).  Traps
 * when the plain path accepts what the scanner refuses, or when both
 * accept and the views or the EACH elements they report differ.  Seeded with the Gate
 * and Coinbase fixtures; an exact-size heap copy lets ASan see any read
 * past the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/plain/plain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct ose_json_key keys[] = {
	OSE_JSON_KEY_F("result", OSE_JSON_EACH), OSE_JSON_KEY_F("events", OSE_JSON_EACH),
	OSE_JSON_KEY_F("orders", OSE_JSON_EACH), OSE_JSON_KEY("channel"), OSE_JSON_KEY("event"),
	OSE_JSON_KEY("type"), OSE_JSON_KEY("id"), OSE_JSON_KEY("text"), OSE_JSON_KEY("price"),
	OSE_JSON_KEY("amount"), OSE_JSON_KEY("left"), OSE_JSON_KEY("time_ms"),
	OSE_JSON_KEY("currency_pair"), OSE_JSON_KEY("update_time_ms"), OSE_JSON_KEY("status"),
	OSE_JSON_KEY("order_id"), OSE_JSON_KEY("cumulative_quantity"), OSE_JSON_KEY("timestamp"),
	OSE_JSON_KEY("sequence_num"), OSE_JSON_KEY("c"), OSE_JSON_KEY("C"),
};
#define NK (sizeof(keys) / sizeof(keys[0]))
static struct ose_json_keyset ks = OSE_JSON_KEYSET(keys), el_ks = OSE_JSON_KEYSET(keys),
			      in_ks = OSE_JSON_KEYSET(keys);
static struct ose_plain_keyset pks = OSE_PLAIN_KEYSET(keys), el_pks = OSE_PLAIN_KEYSET(keys),
			       in_pks = OSE_PLAIN_KEYSET(keys);
/* The same keys with key orders (and names nobody wants): an ordered walk
 * must report exactly what the plain one does. */
static const char *const ord1[] = {
	"time", "time_ms", "channel", "event", "result", "id", "text", "currency_pair", "type",
	"side", "amount", "price", "left", "update_time_ms", "user", "finish_as", "c", "C", NULL,
};
static const char *const ord2[] = {
	"channel", "timestamp", "sequence_num", "events", "orders", "order_id",
	"cumulative_quantity", "status", "data", "a_name_of_twenty_nine_bytes_x", NULL,
};
static struct ose_plain_keyset opks = OSE_PLAIN_KEYSET_ORDER2(keys, ord1, ord2),
			       oel_pks = OSE_PLAIN_KEYSET_ORDER2(keys, ord2, ord1),
			       oin_pks = OSE_PLAIN_KEYSET_ORDER(keys, ord1);

/* A fingerprint of every view reported, in order. */
struct fp {
	uint64_t h;
	uint32_t n;
};

static void fp_vals(struct fp *f, const struct ose_json_val *v)
{
	for (size_t i = 0; i < NK; i++) {
		f->h = (f->h ^ (i << 8 | v[i].type)) * 0x100000001b3ull;
		if (v[i].type == OSE_JSON_ABSENT)
			continue;
		f->h = (f->h ^ v[i].len ^ (uint64_t)v[i].esc << 40) * 0x100000001b3ull;
		for (uint32_t k = 0; k < v[i].len; k++)
			f->h = (f->h ^ (uint8_t)v[i].p[k]) * 0x100000001b3ull;
	}
	f->n++;
}

static int fp_fn(void *arg, const struct ose_json_val *vals, const char **why)
{
	(void)why;
	fp_vals(arg, vals);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ose_json_val va[NK], vb[NK], ea[NK], eb[NK], ia[NK], ib[NK];
	struct fp fa = { 0xcbf29ce484222325ull, 0 }, fb = { 0xcbf29ce484222325ull, 0 };
	struct ose_json_each inner = { .ks = &in_ks, .vals = ia, .fn = fp_fn, .arg = &fa };
	struct ose_json_each each = { .ks = &el_ks, .vals = ea, .fn = fp_fn, .arg = &fa,
				      .inner = &inner };
	const struct ose_plain_each pinner = { .ks = &in_pks, .vals = ib, .fn = fp_fn, .arg = &fb };
	const struct ose_plain_each pe = { .ks = &el_pks, .vals = eb, .fn = fp_fn, .arg = &fb,
					   .inner = &pinner };
	struct ose_json_val vd[NK], ed[NK], id[NK];
	struct fp fd = { 0xcbf29ce484222325ull, 0 };
	const struct ose_plain_each dinner = { .ks = &oin_pks, .vals = id, .fn = fp_fn, .arg = &fd };
	const struct ose_plain_each de = { .ks = &oel_pks, .vals = ed, .fn = fp_fn, .arg = &fd,
					   .inner = &dinner };
	const char *why = "";
	char *copy = malloc(size ? size : 1);
	int rs, rp, rd;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	ose_plain_force_scalar(size & 1); /* both classifiers */
	rs = ose_json_obj_get_each(copy, size, &ks, va, &each, &why);
	rp = ose_plain_obj_get_each(copy, size, &pks, vb, &pe);
	rd = ose_plain_obj_get_each(copy, size, &opks, vd, &de);
	if (rd != rp)
		__builtin_trap(); /* a key order changed the outcome */
	if (rp == 0) {
		struct fp fc = fb; /* fb's elements, and its top level below */
		fp_vals(&fd, vd);
		fp_vals(&fc, vb);
		if (fd.h != fc.h || fd.n != fc.n)
			__builtin_trap();
	}
	if (rp != 0 && rp != -1)
		__builtin_trap();
	if (rs != 0 && rp == 0)
		__builtin_trap(); /* plain accepted what the scanner refuses */
	if (rs == 0 && rp == 0) {
		fp_vals(&fa, va);
		fp_vals(&fb, vb);
		if (fa.h != fb.h || fa.n != fb.n)
			__builtin_trap();
	}
	free(copy);
	return 0;
}
