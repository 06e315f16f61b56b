/* SPDX-License-Identifier: MIT */
/*
 * libose against a table written in-process: lookups, lists, stats,
 * snapshot consistency under a concurrent writer (run it under
 * -Db_sanitize=thread too), and the zero-syscall guarantee (seccomp).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ose/ose.h"
#include "shm/seg.h"
#include "tests/engine/helpers.h"

static char dir[64];
static char inst[32];
static struct ose_seg seg;
static struct ose_tbl T;

static void setup_cap(uint32_t cap, uint32_t bound)
{
	snprintf(dir, sizeof(dir), "/tmp/ose-rdr-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	setenv("OSE_SHM_DIR", dir, 1);
	snprintf(inst, sizeof(inst), "rd%d", (int)getpid());
	struct ose_tbl_cfg c;
	ose_tbl_cfg_default(&c);
	c.capacity = cap;
	c.exec_bound = bound;
	c.book_cap = 256;
	char name[OSE_SEG_NAME_MAX];
	ose_seg_name_state(name, sizeof(name), inst);
	int rc = ose_seg_create(&seg, name, OSE_SEG_STATE, 0, ose_tbl_size(&c), 0);
	cr_assert_geq(rc, 0, "create: %s", ose_seg_strerror(rc));
	cr_assert_eq(ose_tbl_format(&T, seg.payload, seg.payload_size, &c), 0);
}

static void setup(void)
{
	setup_cap(20000, 100);
}

static void teardown(void)
{
	char name[OSE_SEG_NAME_MAX];
	ose_seg_name_state(name, sizeof(name), inst);
	ose_seg_close(&seg);
	ose_seg_unlink(name);
	rmdir(dir);
}

TestSuite(reader, .init = setup, .fini = teardown);

static void put(const char *sym, const char *oid, const char *cid, enum ose_status st,
		const char *cum)
{
	struct ose_event e = ev_order(sym, oid, st, cum);
	ev_px_qty(&e, "100.25", "3");
	if (cid)
		strcpy(e.client_id, cid);
	struct ose_ap_out out;
	ose_tbl_apply(&T, &e, 42, &out);
}

Test(reader, find_list_stats)
{
	put("BTCUSDT", "1", "c1", OSE_ST_NEW, "0");
	put("BTCUSDT", "2", "c2", OSE_ST_NEW, "0");
	put("BTCUSDT", "2", "c2", OSE_ST_PARTIALLY_FILLED, "1.5");
	put("ETHUSDT", "1", "c3", OSE_ST_FILLED, "3");
	ose_t *h;
	cr_assert_eq(ose_open(inst, &h), 0);
	struct ose_order o;
	cr_assert_eq(ose_find_order(h, OSE_VENUE_BINANCE, NULL, "BTCUSDT", "2", &o), 0);
	cr_assert_eq(o.status, OSE_ST_PARTIALLY_FILLED);
	cr_assert(o.filled == D("1.5") && o.price == D("100.25"));
	cr_assert_str_eq(o.client_id, "c2");
	cr_assert_eq(o.hist_n, 2);
	cr_assert_eq(o.hist_status[0], OSE_ST_NEW);
	cr_assert(o.open);
	cr_assert_eq(ose_find_order(h, OSE_VENUE_BINANCE, "main", "ETHUSDT", "1", &o), 0);
	cr_assert_eq(o.status, OSE_ST_FILLED);
	cr_assert_not(o.open);
	cr_assert_eq(ose_find_order(h, OSE_VENUE_BINANCE, "other", "ETHUSDT", "1", &o), -ENOENT);
	cr_assert_eq(ose_find_order(h, OSE_VENUE_OKX, NULL, "ETHUSDT", "1", &o), -ENOENT);
	cr_assert_eq(ose_find_order(h, OSE_VENUE_BINANCE, NULL, "BTCUSDT", "3", &o), -ENOENT);
	cr_assert_eq(ose_find_client(h, OSE_VENUE_BINANCE, NULL, NULL, "c1", &o), 0);
	cr_assert_str_eq(o.order_id, "1");
	cr_assert_str_eq(o.symbol, "BTCUSDT");
	struct ose_order list[8];
	cr_assert_eq(ose_open_orders(h, OSE_VENUE_BINANCE, "BTCUSDT", list, 8), 2);
	cr_assert_eq(ose_open_orders(h, OSE_VENUE_BINANCE, "ETHUSDT", list, 8), 0);
	cr_assert_eq(ose_executed_orders(h, OSE_VENUE_BINANCE, "ETHUSDT", list, 8), 1);
	cr_assert_str_eq(list[0].order_id, "1");
	cr_assert_eq(ose_open_orders(h, OSE_VENUE_BINANCE, "NOPE", list, 8), 0);
	struct ose_stats st;
	cr_assert_eq(ose_stats_read(h, &st), 0);
	cr_assert_eq(st.tracked, 3);
	cr_assert_eq(st.open, 2);
	cr_assert_eq(st.executed_cached, 1);
	cr_assert_eq(st.filled_total, 1);
	ose_close(h);
}

/* ---- prepared keys ---------------------------------------------------- */

/* ose_find_key returns what ose_find_order returns; ose_find_brief the
 * same fields, with remaining = qty - filled. */
static void same_order(const struct ose_order *a, const struct ose_order *b)
{
	cr_assert_eq(memcmp(a, b, offsetof(struct ose_order, price)), 0);
	cr_assert(a->price == b->price && a->qty == b->qty && a->filled == b->filled &&
		  a->avg_px == b->avg_px && a->fee == b->fee);
	cr_assert(a->updated_ns == b->updated_ns && a->exch_ts_ns == b->exch_ts_ns &&
		  a->created_ns == b->created_ns && a->hist_n == b->hist_n);
}

static void brief_matches(const struct ose_brief *b, const struct ose_order *o)
{
	cr_assert_eq(b->venue, o->venue);
	cr_assert_eq(b->status, o->status);
	cr_assert_eq(b->side, o->side);
	cr_assert_eq(b->ord_type, o->ord_type);
	cr_assert_eq(b->tif, o->tif);
	cr_assert_eq(b->open, o->open);
	cr_assert_eq(b->flags, o->flags);
	cr_assert_eq(b->slot, o->slot);
	cr_assert_eq(b->updates, o->updates);
	cr_assert(b->qty == o->qty && b->filled == o->filled && b->avg_px == o->avg_px);
	cr_assert_eq(b->updated_ns, o->updated_ns);
	cr_assert_eq(b->exch_ts_ns, o->exch_ts_ns);
	cr_assert(b->remaining == o->qty - o->filled);
}

Test(reader, prepared_keys)
{
	put("BTCUSDT", "1", "c1", OSE_ST_NEW, "0");
	put("BTCUSDT", "2", "c2", OSE_ST_NEW, "0");
	put("BTCUSDT", "2", "c2", OSE_ST_PARTIALLY_FILLED, "1.25");
	put("ETHUSDT", "2", "c3", OSE_ST_FILLED, "3"); /* same id, other symbol */
	struct ose_event e = ev_order("BTCUSDT", "9", OSE_ST_NEW, "0");
	e.flags |= OSE_EVF_HAS_SEQ;
	e.venue_seq = 777;
	e.exch_ts_ns = 123456789;
	struct ose_ap_out out;
	ose_tbl_apply(&T, &e, 5, &out);
	ose_t *h;
	cr_assert_eq(ose_open(inst, &h), 0);
	struct ose_key k;
	struct ose_order o, ref;
	struct ose_brief b;
	cr_assert_eq(ose_key_order(&k, OSE_VENUE_BINANCE, NULL, "BTCUSDT", "2"), 0);
	cr_assert_eq(k.hint, 0);
	for (int pass = 0; pass < 2; pass++) { /* probe, then the hint */
		cr_assert_eq(ose_find_key(h, &k, &o), 0);
		cr_assert_neq(k.hint, 0);
		cr_assert_eq(ose_find_order(h, OSE_VENUE_BINANCE, NULL, "BTCUSDT", "2", &ref), 0);
		same_order(&o, &ref);
		cr_assert_str_eq(o.client_id, "c2");
		cr_assert_eq(ose_find_brief(h, &k, &b), 0);
		brief_matches(&b, &ref);
		cr_assert(b.filled == D("1.25") && b.qty == D("3") && b.remaining == D("1.75"));
		cr_assert_eq(b.status, OSE_ST_PARTIALLY_FILLED);
		cr_assert(b.open);
	}
	/* Binance ids repeat across symbols: the symbol is part of the key. */
	cr_assert_eq(ose_key_order(&k, OSE_VENUE_BINANCE, "main", "ETHUSDT", "2"), 0);
	cr_assert_eq(ose_find_brief(h, &k, &b), 0);
	cr_assert_eq(b.status, OSE_ST_FILLED);
	cr_assert_not(b.open);
	cr_assert(b.filled == D("3") && b.remaining == 0);
	/* venue sequence and venue time */
	cr_assert_eq(ose_key_order(&k, OSE_VENUE_BINANCE, NULL, "BTCUSDT", "9"), 0);
	cr_assert_eq(ose_find_brief(h, &k, &b), 0);
	cr_assert_eq(b.venue_seq, 777);
	cr_assert_eq(b.exch_ts_ns, 123456789);
	cr_assert_eq(b.updated_ns, 5);
	/* misses: account, venue, id */
	cr_assert_eq(ose_key_order(&k, OSE_VENUE_BINANCE, "other", "BTCUSDT", "2"), 0);
	cr_assert_eq(ose_find_brief(h, &k, &b), -ENOENT);
	cr_assert_eq(ose_key_order(&k, OSE_VENUE_OKX, NULL, "BTCUSDT", "2"), 0);
	cr_assert_eq(ose_find_key(h, &k, &o), -ENOENT);
	cr_assert_eq(ose_key_order(&k, OSE_VENUE_BINANCE, NULL, "BTCUSDT", "22"), 0);
	cr_assert_eq(ose_find_brief(h, &k, &b), -ENOENT);
	/* bad keys: the error sticks to the key */
	cr_assert_eq(ose_key_order(&k, OSE_VENUE_BINANCE, NULL, "BTCUSDT", ""), -EINVAL);
	cr_assert_eq(ose_find_brief(h, &k, &b), -EINVAL);
	cr_assert_eq(ose_key_order(&k, OSE_VENUE_BINANCE, NULL, NULL, "1"), -EINVAL);
	cr_assert_eq(ose_find_key(h, &k, &o), -EINVAL);
	char longid[OSE_ID_MAX + 1];
	memset(longid, '7', OSE_ID_MAX);
	longid[OSE_ID_MAX] = 0;
	cr_assert_eq(ose_key_order(&k, OSE_VENUE_BINANCE, NULL, "BTCUSDT", longid), -ENOENT);
	cr_assert_eq(ose_find_brief(h, &k, &b), -ENOENT);
	cr_assert_eq(ose_key_order(NULL, OSE_VENUE_BINANCE, NULL, "BTCUSDT", "1"), -EINVAL);
	cr_assert_eq(ose_find_brief(h, NULL, &b), -EINVAL);
	/* by client id */
	cr_assert_eq(ose_key_client(&k, OSE_VENUE_BINANCE, NULL, NULL, "c1"), 0);
	cr_assert_eq(ose_find_key(h, &k, &o), 0);
	cr_assert_str_eq(o.order_id, "1");
	cr_assert_eq(ose_find_brief(h, &k, &b), 0);
	cr_assert_eq(b.slot, o.slot);
	cr_assert_eq(ose_key_client(&k, OSE_VENUE_BINANCE, NULL, "ETHUSDT", "c1"), 0);
	cr_assert_eq(ose_find_brief(h, &k, &b), -ENOENT);
	cr_assert_eq(ose_key_client(&k, OSE_VENUE_BINANCE, NULL, NULL, ""), -EINVAL);
	ose_close(h);
}

/* Key shapes: ids, symbols and accounts of every length class (short and
 * long forms, NUL at the end of a word or at the start of the next) are
 * found exactly; one character changed, added or removed is not. */
static void fill(char *dst, size_t n, char c0)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)(c0 + (char)(i % 23));
	dst[n] = 0;
}

Test(reader, key_shapes)
{
	static const size_t il[] = {1, 7, 8, 9, 15, 16, 23, 24, 25, 31, 32, 47};
	static const size_t sl[] = {1, 7, 8, 15, 16, 17, 31};
	static const size_t al[] = {1, 7, 8, 15};
	char id[64], sym[64], acct[64], alt[64];
	/* combination (a, b): id of length il[a], symbol sl[b], an account
	 * length that cycles */
#define SHAPE(a, b)                                                    \
	do {                                                           \
		fill(id, il[a], 'a');                                  \
		fill(sym, sl[b], 'A');                                 \
		fill(acct, al[((a) + (b)) % (sizeof(al) / sizeof(al[0]))], 'k'); \
	} while (0)
	int n = 0;
	for (size_t a = 0; a < sizeof(il) / sizeof(il[0]); a++)
		for (size_t b = 0; b < sizeof(sl) / sizeof(sl[0]); b++) {
			SHAPE(a, b);
			struct ose_event e = ev_order(sym, id, OSE_ST_NEW, "0");
			strcpy(e.account, acct);
			struct ose_ap_out out;
			cr_assert_eq(ose_tbl_apply(&T, &e, 7, &out), OSE_AP_APPLIED);
			n++;
		}
	ose_t *h;
	cr_assert_eq(ose_open(inst, &h), 0);
	struct ose_key k;
	struct ose_brief br;
	struct ose_order o;
	for (size_t a = 0; a < sizeof(il) / sizeof(il[0]); a++)
		for (size_t b = 0; b < sizeof(sl) / sizeof(sl[0]); b++) {
			SHAPE(a, b);
			for (int pass = 0; pass < 2; pass++) { /* probe, then hint */
				cr_assert_eq(ose_key_order(&k, OSE_VENUE_BINANCE, pass ? acct : NULL,
							   sym, id), 0);
				cr_assert_eq(ose_find_key(h, &k, &o), 0, "id %zu sym %zu", il[a], sl[b]);
				cr_assert_str_eq(o.order_id, id);
				cr_assert_str_eq(o.symbol, sym);
				cr_assert_eq(ose_find_brief(h, &k, &br), 0);
				cr_assert_eq(br.slot, o.slot);
			}
			uint32_t hint = k.hint;
			/* each field: last character changed, one more, one fewer */
			for (int f = 0; f < 3; f++)
				for (int m = 0; m < 3; m++) {
					char *src = f == 0 ? id : f == 1 ? sym : acct;
					size_t len = strlen(src);
					strcpy(alt, src);
					if (m == 0)
						alt[len - 1] = '~';
					else if (m == 1)
						strcat(alt, "x");
					else
						alt[len - 1] = 0;
					if (!alt[0])
						continue;
					int rc = ose_key_order(&k, OSE_VENUE_BINANCE, f == 2 ? alt : acct,
							       f == 1 ? alt : sym, f == 0 ? alt : id);
					if (rc == -ENOENT) /* one more than the field holds */
						continue;
					cr_assert_eq(rc, 0);
					cr_assert_eq(ose_find_brief(h, &k, &br), -ENOENT,
						     "field %d mutation %d (id %zu sym %zu)", f, m, il[a],
						     sl[b]);
					k.hint = hint; /* the original's slot: still not it */
					cr_assert_eq(ose_find_brief(h, &k, &br), -ENOENT);
				}
		}
#undef SHAPE
	cr_assert_gt(n, 80);
	ose_close(h);
}

/* A key whose string is a prefix of the stored one (the stored one a
 * character longer, at every word boundary) is another order: not found,
 * by probe or with the hint on the longer one's slot. */
Test(reader, key_prefix_is_not_a_match)
{
	static const size_t lens[] = {7, 8, 15, 16, 23, 24, 31, 40};
	char id[64], sym[64], acct[64];
	ose_t *h;
	cr_assert_eq(ose_open(inst, &h), 0);
	for (int f = 0; f < 3; f++)
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			size_t max = f == 0 ? OSE_ID_MAX : f == 1 ? OSE_SYMBOL_MAX : OSE_ACCOUNT_MAX;
			if (lens[i] + 1 >= max)
				continue;
			snprintf(id, sizeof(id), "p%d-%zu", f, lens[i]);
			strcpy(sym, "PREFIXUSDT");
			strcpy(acct, "acct");
			char *fld = f == 0 ? id : f == 1 ? sym : acct;
			/* a first character of its own per length: no other
			 * order in the test is the shorter one */
			fill(fld, lens[i] + 1, (char)((f == 0 ? 'a' : 'A') + (char)i));
			struct ose_event e = ev_order(sym, id, OSE_ST_NEW, "0");
			strcpy(e.account, acct);
			struct ose_ap_out out;
			cr_assert_eq(ose_tbl_apply(&T, &e, 7, &out), OSE_AP_APPLIED);
			struct ose_key k;
			struct ose_brief br;
			cr_assert_eq(ose_key_order(&k, OSE_VENUE_BINANCE, acct, sym, id), 0);
			cr_assert_eq(ose_find_brief(h, &k, &br), 0, "field %d len %zu", f, lens[i]);
			uint32_t hint = k.hint;
			fld[lens[i]] = 0; /* the key: one character shorter */
			cr_assert_eq(ose_key_order(&k, OSE_VENUE_BINANCE, acct, sym, id), 0);
			cr_assert_eq(ose_find_brief(h, &k, &br), -ENOENT, "field %d len %zu", f,
				     lens[i]);
			k.hint = hint;
			cr_assert_eq(ose_find_brief(h, &k, &br), -ENOENT, "hinted: field %d len %zu",
				     f, lens[i]);
		}
	ose_close(h);
}

/* A hint is a guess: a key whose hint points at any other slot (another
 * order, a free slot, out of range) still finds its own order, and never
 * returns the other one. */
Test(reader, key_hint_never_returns_another_order)
{
	char oid[16];
	for (int i = 0; i < 200; i++) {
		snprintf(oid, sizeof(oid), "%d", i);
		put(i % 2 ? "BTCUSDT" : "ETHUSDT", oid, NULL, OSE_ST_NEW, "0");
	}
	put("BTCUSDT", "0", NULL, OSE_ST_NEW, "0"); /* id 0 on both symbols */
	ose_t *h;
	cr_assert_eq(ose_open(inst, &h), 0);
	struct ose_key k;
	struct ose_brief b;
	struct ose_order o;
	cr_assert_eq(ose_key_order(&k, OSE_VENUE_BINANCE, NULL, "BTCUSDT", "0"), 0);
	cr_assert_eq(ose_find_key(h, &k, &o), 0);
	uint32_t mine = o.slot;
	for (uint32_t s = 0; s < 300; s++) {
		k.hint = s + 1;
		cr_assert_eq(ose_find_brief(h, &k, &b), 0);
		cr_assert_eq(b.slot, mine, "hint %u returned slot %u", s, b.slot);
		k.hint = s + 1;
		cr_assert_eq(ose_find_key(h, &k, &o), 0);
		cr_assert_str_eq(o.symbol, "BTCUSDT");
		cr_assert_str_eq(o.order_id, "0");
		cr_assert_eq(k.hint, mine + 1);
	}
	k.hint = 0xffffffffu;
	cr_assert_eq(ose_find_brief(h, &k, &b), 0);
	cr_assert_eq(b.slot, mine);
	/* a key for an order that is not there, hinted at a live slot */
	cr_assert_eq(ose_key_order(&k, OSE_VENUE_BINANCE, NULL, "BTCUSDT", "100000"), 0);
	for (uint32_t s = 0; s < 300; s++) {
		k.hint = s + 1;
		cr_assert_eq(ose_find_brief(h, &k, &b), -ENOENT);
	}
	ose_close(h);
}

/* The slot of an evicted order is reused by a new one: the old key's
 * hint now points at the new order, which it must not return. */
Test(reader, key_hint_slot_reused)
{
	teardown();
	setup_cap(32, 4); /* a small table: slots are reused soon */
	ose_t *h;
	cr_assert_eq(ose_open(inst, &h), 0);
	put("BTCUSDT", "victim", "cv", OSE_ST_NEW, "0");
	struct ose_key k, kc;
	struct ose_brief b;
	struct ose_order o;
	cr_assert_eq(ose_key_order(&k, OSE_VENUE_BINANCE, NULL, "BTCUSDT", "victim"), 0);
	cr_assert_eq(ose_key_client(&kc, OSE_VENUE_BINANCE, NULL, NULL, "cv"), 0);
	cr_assert_eq(ose_find_brief(h, &k, &b), 0);
	cr_assert_eq(ose_find_brief(h, &kc, &b), 0);
	uint32_t vs = b.slot;
	put("BTCUSDT", "victim", "cv", OSE_ST_FILLED, "3");
	cr_assert_eq(ose_find_brief(h, &k, &b), 0);
	cr_assert_eq(b.status, OSE_ST_FILLED);
	/* Executed orders churn through the cache (bound 4): the victim is
	 * evicted and, sooner or later, a new order takes its slot. */
	char oid[24];
	int reused = 0;
	for (int i = 0; i < 400 && !reused; i++) {
		snprintf(oid, sizeof(oid), "f%d", i);
		put("BTCUSDT", oid, oid, OSE_ST_FILLED, "3");
		struct ose_key kn;
		cr_assert_eq(ose_key_order(&kn, OSE_VENUE_BINANCE, NULL, "BTCUSDT", oid), 0);
		cr_assert_eq(ose_find_brief(h, &kn, &b), 0);
		reused = b.slot == vs;
	}
	cr_assert(reused, "no new order took the evicted slot %u", vs);
	cr_assert_eq(k.hint, vs + 1);
	cr_assert_eq(ose_find_brief(h, &k, &b), -ENOENT);
	cr_assert_eq(ose_find_key(h, &k, &o), -ENOENT);
	cr_assert_eq(ose_find_brief(h, &kc, &b), -ENOENT);
	/* the same order again (a new slot): the stale hint leads to it */
	put("BTCUSDT", "victim", "cv", OSE_ST_NEW, "0");
	cr_assert_eq(ose_find_key(h, &k, &o), 0);
	cr_assert_str_eq(o.order_id, "victim");
	cr_assert_neq(o.slot, vs);
	cr_assert_eq(k.hint, o.slot + 1);
	cr_assert_eq(ose_find_brief(h, &kc, &b), 0);
	cr_assert_eq(b.slot, o.slot);
	ose_close(h);
}

/* ose_find_brief_n answers each key as ose_find_brief does (found, missing,
 * bad, NULL, hinted or not), across group boundaries; ose_key_hint(k, 0)
 * keeps the hint off. */
Test(reader, bulk_and_hint_off)
{
	char oid[16];
	for (int i = 0; i < 100; i++) {
		snprintf(oid, sizeof(oid), "%d", i);
		put(i % 2 ? "BTCUSDT" : "ETHUSDT", oid, NULL, i % 3 ? OSE_ST_NEW : OSE_ST_FILLED,
		    i % 3 ? "0" : "3");
	}
	ose_t *h;
	cr_assert_eq(ose_open(inst, &h), 0);
	enum { N = 70 };
	static struct ose_key keys[N];
	struct ose_key *kp[N];
	for (int i = 0; i < N; i++) {
		/* every 7th key names an order that is not there, every 11th
		 * is bad, every 13th is NULL; odd ones have the hint off */
		snprintf(oid, sizeof(oid), "%d", i % 7 == 6 ? 1000 + i : i);
		int rc = ose_key_order(&keys[i], OSE_VENUE_BINANCE, NULL,
				       i % 2 ? "BTCUSDT" : "ETHUSDT", i % 11 == 10 ? "" : oid);
		cr_assert_eq(rc, i % 11 == 10 ? -EINVAL : 0);
		if (i % 2)
			cr_assert_eq(ose_key_hint(&keys[i], 0), 0);
		kp[i] = i % 13 == 12 ? NULL : &keys[i];
	}
	struct ose_brief out[N], one;
	int rc[N];
	for (int pass = 0; pass < 2; pass++) { /* without, then with hints */
		memset(out, 0xa5, sizeof(out));
		int want = 0;
		int n = ose_find_brief_n(h, kp, N, out, rc);
		for (int i = 0; i < N; i++) {
			int r1 = kp[i] ? ose_find_brief(h, kp[i], &one) : -EINVAL;
			cr_assert_eq(rc[i], r1, "key %d: bulk %d, single %d", i, rc[i], r1);
			if (r1 == 0) {
				/* every field (the struct has tail padding) */
				cr_assert_eq(memcmp(&out[i], &one, offsetof(struct ose_brief, qty)),
					     0, "key %d", i);
				cr_assert(out[i].qty == one.qty && out[i].filled == one.filled &&
					  out[i].remaining == one.remaining &&
					  out[i].avg_px == one.avg_px &&
					  out[i].exch_ts_ns == one.exch_ts_ns, "key %d", i);
				want++;
			}
			if (kp[i] && i % 2)
				cr_assert_eq(kp[i]->hint, 0, "hint off stays off");
			if (kp[i] && !(i % 2) && r1 == 0)
				cr_assert_eq(kp[i]->hint, one.slot + 1);
		}
		cr_assert_eq(n, want);
		cr_assert_gt(want, 40);
	}
	cr_assert_eq(ose_find_brief_n(h, kp, 0, NULL, NULL), 0);
	cr_assert_eq(ose_find_brief_n(h, NULL, 1, out, rc), -EINVAL);
	cr_assert_eq(ose_key_hint(NULL, 0), -EINVAL);
	ose_close(h);
}

/* A reused client id: the open order is preferred, also over a hint that
 * points at the executed one. */
Test(reader, key_client_prefers_open)
{
	put("BTCUSDT", "1", "dup", OSE_ST_FILLED, "3");
	ose_t *h;
	cr_assert_eq(ose_open(inst, &h), 0);
	struct ose_key k;
	struct ose_brief b;
	cr_assert_eq(ose_key_client(&k, OSE_VENUE_BINANCE, NULL, NULL, "dup"), 0);
	cr_assert_eq(ose_find_brief(h, &k, &b), 0);
	cr_assert_not(b.open);
	put("BTCUSDT", "2", "dup", OSE_ST_NEW, "0");
	cr_assert_eq(ose_find_brief(h, &k, &b), 0);
	cr_assert(b.open, "the open order is preferred over the hinted executed one");
	struct ose_order o;
	cr_assert_eq(ose_find_key(h, &k, &o), 0);
	cr_assert_str_eq(o.order_id, "2");
	ose_close(h);
}

/* ---- concurrent writer ------------------------------------------------ */

#define NHOT 64
static volatile int stop_writer;

static void *writer(void *arg)
{
	(void)arg;
	char oid[16], b1[32], b2[32], b3[32];
	uint64_t k = 1, churn = 0;
	while (!__atomic_load_n(&stop_writer, __ATOMIC_ACQUIRE) && k < 3000000) {
		int i = (int)(k % NHOT);
		snprintf(oid, sizeof(oid), "hot%d", i);
		/* price and qty move together: qty - price == 1000000 in every
		 * consistent snapshot */
		snprintf(b1, sizeof(b1), "%llu", (unsigned long long)k);
		snprintf(b2, sizeof(b2), "%llu", (unsigned long long)(k + 1000000));
		snprintf(b3, sizeof(b3), "0.%06llu", (unsigned long long)(k % 1000000));
		struct ose_event e = ev_order("HOTUSDT", oid, OSE_ST_PARTIALLY_FILLED, "");
		ev_px_qty(&e, b1, b2);
		struct ose_ap_out out;
		ose_tbl_apply(&T, &e, (int64_t)k, &out);
		/* churn: executed orders created and evicted (index deletions
		 * move entries under the readers) */
		snprintf(oid, sizeof(oid), "x%llu", (unsigned long long)churn++);
		e = ev_order("HOTUSDT", oid, OSE_ST_FILLED, "1");
		ose_tbl_apply(&T, &e, (int64_t)k, &out);
		k++;
	}
	return NULL;
}

/* One brief of k (a hot order) under the writer: missed never; if read,
 * its qty (line 1) and updated_ns (line 0) move together (the writer's
 * event k sets qty k + 1e6 at time k; the seed: qty 1e6 at time 1);
 * hinted: the key then names the slot, else it keeps no hint. */
static void check_brief(ose_t *h, struct ose_key *k, int hinted)
{
	struct ose_brief b;
	int rc = ose_find_brief(h, k, &b);
	cr_assert(rc == 0 || rc == -EAGAIN, "brief missed (rc %d, hinted %d)", rc, hinted);
	if (rc)
		return;
	ose_dec want = (ose_dec)(b.updated_ns + 1000000) * D("1");
	cr_assert(b.qty == want || (b.updated_ns == 1 && b.qty == D("1000000")),
		  "torn brief (hinted %d): qty vs updated_ns %lld", hinted, (long long)b.updated_ns);
	cr_assert(b.remaining == b.qty - b.filled);
	cr_assert_eq(k->hint, hinted ? b.slot + 1 : 0u);
}

Test(reader, snapshot_consistent_under_concurrent_writes, .timeout = 120)
{
	tbl_seed_hot(&T, NHOT);
	char oid[16];
	ose_t *h;
	cr_assert_eq(ose_open(inst, &h), 0);
	pthread_t w;
	pthread_create(&w, NULL, writer, NULL);
	uint64_t reads = 0, again = 0;
	static struct ose_order list[NHOT + 8];
	static struct ose_key keys[NHOT], kq[NHOT];
	for (int i = 0; i < NHOT; i++) {
		snprintf(oid, sizeof(oid), "hot%d", i);
		cr_assert_eq(ose_key_order(&keys[i], OSE_VENUE_BINANCE, NULL, "HOTUSDT", oid), 0);
		cr_assert_eq(ose_key_order(&kq[i], OSE_VENUE_BINANCE, NULL, "HOTUSDT", oid), 0);
		cr_assert_eq(ose_key_hint(&kq[i], 0), 0);
	}
	for (int it = 0; it < 200000; it++) {
		snprintf(oid, sizeof(oid), "hot%d", it % NHOT);
		struct ose_order o;
		int rc = ose_find_order(h, OSE_VENUE_BINANCE, NULL, "HOTUSDT", oid, &o);
		if (rc == -EAGAIN) {
			again++;
			continue;
		}
		cr_assert_eq(rc, 0, "an open order must never be missed (rc %d)", rc);
		cr_assert(o.qty - o.price == D("1000000"), "torn snapshot");
		cr_assert_str_eq(o.order_id, oid);
		/* The prepared-key calls: the full copy as above, then the
		 * brief (check_brief). */
		struct ose_key *k = &keys[it % NHOT];
		rc = ose_find_key(h, k, &o);
		cr_assert(rc == 0 || rc == -EAGAIN, "prepared key missed (rc %d)", rc);
		if (rc == 0) {
			cr_assert(o.qty - o.price == D("1000000"), "torn snapshot (key)");
			cr_assert_str_eq(o.order_id, oid);
		}
		/* The brief with the key's hint, and with the hint off (the
		 * index probe every time: the benchmark's headline path). */
		check_brief(h, k, 1);
		check_brief(h, &kq[it % NHOT], 0);
		reads++;
		if (it % 64 == 0) {
			int n = ose_open_orders(h, OSE_VENUE_BINANCE, "HOTUSDT", list, NHOT + 8);
			if (n != -EAGAIN) {
				cr_assert_eq(n, NHOT, "open list membership is stable: %d", n);
				for (int j = 0; j < NHOT; j++)
					cr_assert(list[j].qty - list[j].price == D("1000000"));
			}
		}
	}
	__atomic_store_n(&stop_writer, 1, __ATOMIC_RELEASE);
	pthread_join(w, NULL);
	cr_assert_gt(reads, 1000, "reads %llu, again %llu", (unsigned long long)reads,
		     (unsigned long long)again);
	cr_assert_eq(ose_tbl_check(&T), 0);
	ose_close(h);
}

/* ---- zero syscalls ---------------------------------------------------- */

/* Not built under ASan: its signal interception calls sigaltstack inside
 * our SIGSYS handler (the runtime's syscall, not libose's). */
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)

static volatile sig_atomic_t trapped;
static void on_sigsys(int sig)
{
	(void)sig;
	trapped++;
}

#define ALLOW(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
		  BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static int install_trap_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		ALLOW(__NR_rt_sigreturn),
		ALLOW(__NR_exit_group),
		ALLOW(__NR_exit),
		ALLOW(__NR_write),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
	};
	struct sock_fprog prog = {(unsigned short)(sizeof(f) / sizeof(f[0])), f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return -errno;
	return 0;
}

Test(reader, million_reads_zero_syscalls, .timeout = 120)
{
	char oid[16];
	for (int i = 0; i < 10000; i++) {
		snprintf(oid, sizeof(oid), "%d", i);
		put(i % 2 ? "BTCUSDT" : "ETHUSDT", oid, NULL, OSE_ST_NEW, "0");
	}
	int pfd[2];
	cr_assert_eq(pipe(pfd), 0);
	pid_t pid = fork();
	if (pid == 0) {
		ose_t *h;
		uint64_t res[4] = {0, 0, 0, 0};
		if (ose_open(inst, &h))
			_exit(3);
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigsys;
		sigaction(SIGSYS, &sa, NULL);
		/* pre-format keys so the loop itself makes no libc calls
		 * that might enter the kernel */
		static char keys[10000][8];
		for (int i = 0; i < 10000; i++)
			snprintf(keys[i], sizeof(keys[i]), "%d", i);
		if (install_trap_filter())
			_exit(4);
		/* prepared keys for the same orders: ose_find_brief and
		 * ose_find_key, hinted and (one in 16) not, and every 1024th
		 * time 64 of them in one ose_find_brief_n */
		static struct ose_key pk[10000];
		for (int i = 0; i < 10000; i++)
			if (ose_key_order(&pk[i], OSE_VENUE_BINANCE, NULL,
					  i % 2 ? "BTCUSDT" : "ETHUSDT", keys[i]))
				_exit(6);
		struct ose_order o;
		struct ose_brief br;
		struct ose_stats st;
		uint64_t x = 88172645463325252ull;
		for (int i = 0; i < 1000000; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			int k = (int)(x % 10000);
			int rc = ose_find_order(h, OSE_VENUE_BINANCE, NULL, k % 2 ? "BTCUSDT" : "ETHUSDT",
						keys[k], &o);
			res[1] += rc == 0;
			if (!(i & 15))
				pk[k].hint = 0;
			res[1] += ose_find_brief(h, &pk[k], &br) == 0 && br.slot == o.slot;
			res[1] += ose_find_key(h, &pk[k], &o) == 0;
			if ((i & 1023) == 0) {
				struct ose_key *kp[64];
				struct ose_brief bb[64];
				int brc[64];
				for (int j = 0; j < 64; j++)
					kp[j] = &pk[(k + j * 97) % 10000];
				res[1] += ose_find_brief_n(h, kp, 64, bb, brc) == 64 ? 0 : 1000000;
			}
			if ((i & 4095) == 0) {
				ose_stats_read(h, &st);
				ose_open_orders(h, OSE_VENUE_BINANCE, "BTCUSDT", NULL, 0);
			}
		}
		res[0] = (uint64_t)trapped;
		/* prove the filter traps: one deliberate syscall */
		syscall(__NR_getppid);
		res[2] = (uint64_t)trapped;
		res[3] = st.tracked;
		if (write(pfd[1], res, sizeof(res)) != (ssize_t)sizeof(res))
			_exit(5);
		_exit(0);
	}
	close(pfd[1]);
	uint64_t res[4];
	ssize_t got = read(pfd[0], res, sizeof(res));
	int status;
	waitpid(pid, &status, 0);
	cr_assert(WIFEXITED(status), "child died (signal %d)", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	if (WEXITSTATUS(status) == 4)
		cr_skip_test("seccomp not available");
	cr_assert_eq(WEXITSTATUS(status), 0);
	cr_assert_eq(got, (ssize_t)sizeof(res));
	cr_assert_eq(res[0], 0, "syscalls during 3M reads: %llu", (unsigned long long)res[0]);
	cr_assert_eq(res[1], 3000000, "every key found, by every call");
	cr_assert_eq(res[2], 1, "the filter must catch a real syscall");
	cr_assert_eq(res[3], 10000);
}
#endif

Test(reader, capacity_one_million_orders, .timeout = 300)
{
	teardown();
	setup_cap(1000000, 1000);
	char oid[16], sym[16];
	struct ose_ap_out out;
	for (int i = 0; i < 1000000; i++) {
		snprintf(oid, sizeof(oid), "%d", i);
		snprintf(sym, sizeof(sym), "S%dUSDT", i % 100);
		struct ose_event e = ev_order(sym, oid, OSE_ST_NEW, "0");
		cr_assert_eq(ose_tbl_apply(&T, &e, i, &out), OSE_AP_APPLIED);
	}
	struct ose_event e = ev_order("S1USDT", "one-more", OSE_ST_NEW, "0");
	cr_assert_eq(ose_tbl_apply(&T, &e, 0, &out), OSE_AP_FULL);
	cr_assert_eq(T.st->tracked, 1000000);
	cr_assert_eq(ose_tbl_check(&T), 0);
	ose_t *h;
	cr_assert_eq(ose_open(inst, &h), 0);
	struct ose_order o;
	for (int i = 0; i < 1000000; i += 997) {
		snprintf(oid, sizeof(oid), "%d", i);
		snprintf(sym, sizeof(sym), "S%dUSDT", i % 100);
		cr_assert_eq(ose_find_order(h, OSE_VENUE_BINANCE, NULL, sym, oid, &o), 0);
	}
	cr_assert_eq(ose_open_orders(h, OSE_VENUE_BINANCE, "S7USDT", NULL, 0), 10000);
	ose_close(h);
}
