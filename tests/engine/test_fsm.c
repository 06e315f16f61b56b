/* SPDX-License-Identifier: MIT */
/* Lifecycle rules (DESIGN §6): one test per rule, plus the real cases of
 * issue 3.  Every test ends with the table's invariant check. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "tests/engine/helpers.h"

OSE_TBL_FIXTURE()

#define A(e) tapply(&T, &(e))
#define S(sym, oid) tslot(&T, sym, oid)

TestSuite(fsm, .init = tbl_setup, .fini = tbl_teardown);

Test(fsm, transitions_validated)
{
	struct ose_event e = ev_order("BTCUSDT", "1", OSE_ST_NEW, "0");
	ev_px_qty(&e, "100", "1");
	cr_assert_eq(A(e), OSE_AP_APPLIED);
	e = ev_order("BTCUSDT", "1", OSE_ST_PARTIALLY_FILLED, "0.4");
	cr_assert_eq(A(e), OSE_AP_APPLIED);
	e = ev_order("BTCUSDT", "1", OSE_ST_FILLED, "1");
	cr_assert_eq(A(e), OSE_AP_APPLIED);
	const struct ose_slot *o = S("BTCUSDT", "1");
	cr_assert_eq(o->status, OSE_ST_FILLED);
	cr_assert_eq(o->hist_len, 3);
	cr_assert_eq(o->hist_st[0], OSE_ST_NEW);
	cr_assert_eq(o->hist_st[1], OSE_ST_PARTIALLY_FILLED);
	cr_assert_eq(o->hist_st[2], OSE_ST_FILLED);
	cr_assert(o->hist_ts[0] < o->hist_ts[2]);
	/* terminal -> another terminal is refused and counted */
	e = ev_order("BTCUSDT", "1", OSE_ST_CANCELED, "1");
	cr_assert_eq(A(e), OSE_AP_INVALID_TR);
	cr_assert_eq(S("BTCUSDT", "1")->status, OSE_ST_FILLED);
	cr_assert_eq(T.st->invalid_transitions, 1);
	cr_assert_eq(T.st->filled_total, 1);
}

Test(fsm, terminal_never_reopens)
{
	struct ose_event e = ev_order("BTCUSDT", "2", OSE_ST_CANCELED, "0");
	cr_assert_eq(A(e), OSE_AP_APPLIED);
	e = ev_order("BTCUSDT", "2", OSE_ST_NEW, "0");
	cr_assert_eq(A(e), OSE_AP_STALE);
	e = ev_order("BTCUSDT", "2", OSE_ST_PENDING_CANCEL, "0");
	cr_assert_eq(A(e), OSE_AP_STALE);
	const struct ose_slot *o = S("BTCUSDT", "2");
	cr_assert_eq(o->status, OSE_ST_CANCELED);
	cr_assert(o->oflags & OSE_OF_EXECUTED);
	cr_assert_eq(T.st->open, 0);
	cr_assert_eq(T.st->executed_cached, 1);
	cr_assert_eq(T.st->stale, 2);
}

Test(fsm, fill_after_cancel_raises_filled_stays_terminal)
{
	struct ose_event e = ev_order("BTCUSDT", "3", OSE_ST_NEW, "0");
	ev_px_qty(&e, "100", "1");
	A(e);
	e = ev_order("BTCUSDT", "3", OSE_ST_CANCELED, "0.2");
	cr_assert_eq(A(e), OSE_AP_APPLIED);
	struct ose_event f = ev_fill("BTCUSDT", "3", "0.3", "t9");
	cr_assert_eq(A(f), OSE_AP_APPLIED);
	const struct ose_slot *o = S("BTCUSDT", "3");
	cr_assert_eq(o->status, OSE_ST_CANCELED);
	cr_assert(o->filled == D("0.3"));
	cr_assert(o->oflags & OSE_OF_LATE_FILL);
	cr_assert(o->oflags & OSE_OF_EXECUTED);
	cr_assert_eq(T.st->late_fills, 1);
	cr_assert_eq(T.st->canceled_total, 1);
}

Test(fsm, cumulative_never_decreases)
{
	struct ose_event e = ev_order("BTCUSDT", "4", OSE_ST_PARTIALLY_FILLED, "0.6");
	A(e);
	e = ev_order("BTCUSDT", "4", OSE_ST_PARTIALLY_FILLED, "0.4");
	cr_assert_eq(A(e), OSE_AP_STALE);
	cr_assert(S("BTCUSDT", "4")->filled == D("0.6"));
}

Test(fsm, stale_update_does_not_overwrite_newer_fields)
{
	struct ose_event e = ev_order("BTCUSDT", "5", OSE_ST_PARTIALLY_FILLED, "0.6");
	ev_px_qty(&e, "100", "2");
	A(e);
	e = ev_order("BTCUSDT", "5", OSE_ST_PARTIALLY_FILLED, "0.4");
	ev_px_qty(&e, "99", "3");
	cr_assert_eq(A(e), OSE_AP_STALE);
	const struct ose_slot *o = S("BTCUSDT", "5");
	cr_assert(o->price == D("100"));
	cr_assert(o->qty == D("2"));
}

Test(fsm, exact_duplicate_is_idempotent)
{
	struct ose_event e = ev_order("BTCUSDT", "6", OSE_ST_PARTIALLY_FILLED, "0.5");
	ev_px_qty(&e, "100", "1");
	A(e);
	struct ose_slot before = *S("BTCUSDT", "6");
	cr_assert_eq(A(e), OSE_AP_DUP);
	cr_assert_eq(A(e), OSE_AP_DUP);
	cr_assert_eq(memcmp(&before, S("BTCUSDT", "6"), sizeof(before)), 0);
	cr_assert_eq(T.st->duplicates, 2);
	cr_assert_eq(T.st->events_applied, 1);
}

Test(fsm, fills_dedup_by_trade_id)
{
	struct ose_event f = ev_fill("BTCUSDT", "7", "0.25", "T1");
	cr_assert_eq(A(f), OSE_AP_APPLIED);
	cr_assert_eq(A(f), OSE_AP_DUP);
	cr_assert(S("BTCUSDT", "7")->filled == D("0.25"));
	cr_assert_eq(T.st->fill_dup_trade, 1);
}

Test(fsm, resent_fill_with_new_trade_id_cannot_overfill)
{
	struct ose_event e = ev_order("BTCUSDT", "8", OSE_ST_NEW, "0");
	ev_px_qty(&e, "100", "1");
	A(e);
	struct ose_event f1 = ev_fill("BTCUSDT", "8", "0.7", "A");
	struct ose_event f2 = ev_fill("BTCUSDT", "8", "0.7", "A-resent");
	A(f1);
	A(f2);
	const struct ose_slot *o = S("BTCUSDT", "8");
	cr_assert(o->filled == D("1"), "filled must stop at the order quantity");
	cr_assert_eq(T.st->overfill_guard, 1);
	cr_assert_eq(o->status, OSE_ST_PARTIALLY_FILLED);
}

Test(fsm, first_event_fill_creates_and_implies_accept)
{
	struct ose_event f = ev_fill("BTCUSDT", "9", "0.1", "x");
	cr_assert_eq(A(f), OSE_AP_APPLIED);
	const struct ose_slot *o = S("BTCUSDT", "9");
	cr_assert_not_null(o);
	cr_assert_eq(o->status, OSE_ST_PARTIALLY_FILLED);
	cr_assert_eq(o->hist_len, 2);
	cr_assert_eq(o->hist_st[0], OSE_ST_NEW);
	cr_assert_eq(o->hist_st[1], OSE_ST_PARTIALLY_FILLED);
	/* an order message that is already FILLED does the same */
	struct ose_event e = ev_order("BTCUSDT", "10", OSE_ST_FILLED, "2");
	A(e);
	o = S("BTCUSDT", "10");
	cr_assert_eq(o->hist_st[0], OSE_ST_NEW);
	cr_assert_eq(o->hist_st[1], OSE_ST_FILLED);
}

Test(fsm, unregistered_order_is_created)
{
	struct ose_event e = ev_order("ETHUSDT", "11", OSE_ST_NEW, "0");
	cr_assert_eq(A(e), OSE_AP_APPLIED);
	cr_assert_not_null(S("ETHUSDT", "11"));
	cr_assert_eq(T.st->tracked, 1);
	cr_assert_eq(T.st->open, 1);
	cr_assert_eq(T.st->registered, 0);
}

Test(fsm, same_order_id_on_two_symbols)
{
	struct ose_event a = ev_order("BTCUSDT", "777", OSE_ST_NEW, "0");
	struct ose_event b = ev_order("ETHUSDT", "777", OSE_ST_NEW, "0");
	ev_px_qty(&a, "100", "1");
	ev_px_qty(&b, "5", "3");
	A(a);
	A(b);
	b = ev_order("ETHUSDT", "777", OSE_ST_FILLED, "3");
	A(b);
	const struct ose_slot *x = S("BTCUSDT", "777"), *y = S("ETHUSDT", "777");
	cr_assert_neq(x, y);
	cr_assert_eq(x->status, OSE_ST_NEW);
	cr_assert_eq(y->status, OSE_ST_FILLED);
	cr_assert(x->price == D("100"));
	cr_assert_eq(T.st->tracked, 2);
}

Test(fsm, partially_filled_then_cancelled_keeps_filled)
{
	struct ose_event e = ev_order("BTCUSDT", "12", OSE_ST_PARTIALLY_FILLED, "0.4");
	A(e);
	e = ev_order("BTCUSDT", "12", OSE_ST_CANCELED, "0.4");
	A(e);
	const struct ose_slot *o = S("BTCUSDT", "12");
	cr_assert_eq(o->status, OSE_ST_CANCELED);
	cr_assert(o->filled == D("0.4"));
}

static struct ose_cmd reg(const char *cid)
{
	struct ose_cmd c;
	memset(&c, 0, sizeof(c));
	c.kind = OSE_CMD_REGISTER;
	c.venue = OSE_VENUE_BINANCE;
	c.side = OSE_SIDE_SELL;
	strcpy(c.account, "main");
	strcpy(c.symbol, "BTCUSDT");
	strcpy(c.client_id, cid);
	c.price = D("101");
	c.qty = D("2");
	c.flags = OSE_CMDF_HAS_PRICE | OSE_CMDF_HAS_QTY;
	return c;
}

Test(fsm, pending_new_acked_by_client_id)
{
	struct ose_cmd c = reg("cli-1");
	struct ose_ap_out out;
	cr_assert_eq(ose_tbl_register(&T, &c, 5, &out), OSE_AP_APPLIED);
	uint32_t s = out.slot;
	cr_assert_eq(T.slots[s].status, OSE_ST_PENDING_NEW);
	struct ose_event e = ev_order("BTCUSDT", "500", OSE_ST_NEW, "0");
	strcpy(e.client_id, "cli-1");
	cr_assert_eq(A(e), OSE_AP_APPLIED);
	cr_assert_eq(ose_tbl_find_oid(&T, OSE_VENUE_BINANCE, "main", "BTCUSDT", "500"), s);
	cr_assert_eq(T.slots[s].status, OSE_ST_NEW);
	cr_assert(T.slots[s].price == D("101"), "registered fields kept");
	cr_assert_eq(T.slots[s].side, OSE_SIDE_SELL);
	cr_assert_eq(T.st->pending_acked, 1);
	cr_assert_eq(T.st->tracked, 1);
}

Test(fsm, pending_new_flagged_stuck_then_cleared_by_ack)
{
	struct ose_cmd c = reg("cli-2");
	struct ose_ap_out out;
	ose_tbl_register(&T, &c, 5, &out);
	uint32_t s = out.slot;
	cr_assert_eq(ose_tbl_mark_stuck(&T, s, "cli-2", 10, &out), OSE_AP_APPLIED);
	cr_assert(T.slots[s].oflags & OSE_OF_STUCK);
	cr_assert_eq(T.st->stuck_now, 1);
	cr_assert_eq(ose_tbl_mark_stuck(&T, s, "cli-2", 11, &out), OSE_AP_DUP);
	cr_assert_eq(ose_tbl_mark_stuck(&T, s, "other", 11, &out), OSE_AP_NOT_FOUND);
	struct ose_event e = ev_order("BTCUSDT", "501", OSE_ST_NEW, "0");
	strcpy(e.client_id, "cli-2");
	A(e);
	cr_assert_not(T.slots[s].oflags & OSE_OF_STUCK);
	cr_assert_eq(T.st->stuck_now, 0);
	cr_assert_eq(T.st->stuck_total, 1);
	/* no longer PENDING_NEW: a late timer does nothing */
	cr_assert_eq(ose_tbl_mark_stuck(&T, s, "cli-2", 12, &out), OSE_AP_NOT_FOUND);
}

Test(fsm, only_second_venue_not_found_rejects)
{
	struct ose_cmd c = reg("cli-3");
	struct ose_ap_out out;
	ose_tbl_register(&T, &c, 5, &out);
	uint32_t s = out.slot;
	cr_assert_eq(ose_tbl_venue_not_found(&T, s, "cli-3", 20, &out), OSE_AP_APPLIED);
	cr_assert_eq(T.slots[s].status, OSE_ST_PENDING_NEW);
	cr_assert_eq(T.slots[s].not_found, 1, "the first answer is counted in the slot");
	cr_assert_eq(ose_tbl_venue_not_found(&T, s, "cli-3", 21, &out), OSE_AP_APPLIED);
	cr_assert_eq(T.slots[s].status, OSE_ST_REJECTED);
	cr_assert_eq(T.st->rejected_total, 1);
	cr_assert_eq(T.st->open, 0);
}

Test(fsm, absent_fields_never_overwrite)
{
	struct ose_event e = ev_order("BTCUSDT", "13", OSE_ST_NEW, "0");
	ev_px_qty(&e, "100", "1");
	e.ord_type = OSE_OT_LIMIT;
	A(e);
	e = ev_order("BTCUSDT", "13", OSE_ST_PARTIALLY_FILLED, ""); /* no cum, no price */
	e.side = OSE_SIDE_NONE;
	A(e);
	struct ose_event f = ev_fill("BTCUSDT", "13", "0.5", "q");
	A(f);
	const struct ose_slot *o = S("BTCUSDT", "13");
	cr_assert(o->price == D("100"));
	cr_assert(o->qty == D("1"));
	cr_assert_eq(o->side, OSE_SIDE_BUY);
	cr_assert_eq(o->ord_type, OSE_OT_LIMIT);
	cr_assert(o->filled == D("0.5"));
}

/* Trap 14: the order channel (cumulative) and the fill channel (trades)
 * are not ordered relative to each other; any interleaving converges. */
Test(fsm, order_and_fill_channels_converge)
{
	struct ose_event ev[6];
	ev[0] = ev_order("BTCUSDT", "14", OSE_ST_NEW, "0");
	ev_px_qty(&ev[0], "100", "1");
	ev[1] = ev_order("BTCUSDT", "14", OSE_ST_PARTIALLY_FILLED, "0.3");
	ev_px_qty(&ev[1], "100", "1");
	ev[2] = ev_fill("BTCUSDT", "14", "0.3", "a");
	ev[3] = ev_fill("BTCUSDT", "14", "0.7", "b");
	ev[4] = ev_order("BTCUSDT", "14", OSE_ST_FILLED, "1");
	ev_px_qty(&ev[4], "100", "1");
	ev[5] = ev_fill("BTCUSDT", "14", "0.3", "a"); /* duplicate trade */
	static const int orders[][6] = {
		{0, 1, 2, 3, 4, 5}, {2, 3, 0, 1, 4, 5}, {4, 3, 2, 1, 0, 5},
		{3, 4, 0, 5, 2, 1}, {1, 4, 2, 0, 3, 5}, {5, 3, 4, 1, 0, 2},
	};
	for (size_t k = 0; k < sizeof(orders) / sizeof(orders[0]); k++) {
		struct ose_tbl t2;
		void *m2 = tbl_new(&t2, 64, 10);
		for (int i = 0; i < 6; i++) {
			struct ose_ap_out out;
			ose_tbl_apply(&t2, &ev[orders[k][i]], i, &out);
		}
		const struct ose_slot *o = tslot(&t2, "BTCUSDT", "14");
		cr_assert_eq(o->status, OSE_ST_FILLED, "order %zu", k);
		cr_assert(o->filled == D("1"), "order %zu", k);
		cr_assert(o->price == D("100"));
		cr_assert_eq(ose_tbl_check(&t2), 0);
		free(m2);
	}
}

Test(fsm, gap_marks_venue_for_reconcile)
{
	struct ose_event g;
	memset(&g, 0, sizeof(g));
	g.kind = OSE_EV_GAP;
	g.venue = OSE_VENUE_OKX;
	cr_assert_eq(A(g), OSE_AP_GAP);
	cr_assert_eq(T.st->gaps, 1);
	cr_assert(T.st->reconcile_venues & (1u << OSE_VENUE_OKX));
}

Test(fsm, qty_in_quote_kept_and_flagged)
{
	struct ose_event e = ev_order("BTC_USDT", "15", OSE_ST_NEW, "0");
	e.venue = OSE_VENUE_BINANCE;
	ev_px_qty(&e, NULL, "250.5");
	e.flags |= OSE_EVF_QTY_IN_QUOTE;
	A(e);
	const struct ose_slot *o = S("BTC_USDT", "15");
	cr_assert(o->qty == D("250.5"), "kept as reported");
	cr_assert(o->oflags & OSE_OF_QTY_IN_QUOTE);
	cr_assert_eq(T.st->qty_in_quote, 1);
}

Test(fsm, invalid_events_counted_not_crashing)
{
	struct ose_event e = ev_order("BTCUSDT", "", OSE_ST_NEW, "0"); /* no id at all */
	cr_assert_eq(A(e), OSE_AP_INVALID);
	e = ev_order("BTCUSDT", "16", OSE_ST_NEW, "0");
	e.venue = 200;
	cr_assert_eq(A(e), OSE_AP_INVALID);
	e = ev_order("BTCUSDT", "16", OSE_ST_NEW, "0");
	memset(e.symbol, 'A', sizeof(e.symbol)); /* unterminated */
	cr_assert_eq(A(e), OSE_AP_INVALID);
	e = ev_order("BTCUSDT", "16", OSE_ST_NEW, "0");
	e.kind = 99;
	cr_assert_eq(A(e), OSE_AP_INVALID);
	cr_assert_eq(T.st->invalid_events, 4);
	cr_assert_eq(T.st->tracked, 0);
}

/* Sums that leave ose_dec's range (fees and bare fills accumulate; a
 * producer's garbage can sit near the type's limit): refused, counted,
 * the order untouched.  Found by fuzz_tbl under UBSan (signed overflow). */
Test(fsm, decimal_sums_out_of_range_refused_touch_nothing)
{
	const ose_dec half = (ose_dec)1 << 126;
	const ose_dec near_max = (half - 1) + (half - 1); /* 2^127 - 2 */
	struct ose_event f = ev_fill("BTCUSDT", "19", "1", "T1"); /* no quantity known */
	f.last_qty = near_max;
	cr_assert_eq(A(f), OSE_AP_APPLIED);
	struct ose_slot before = *S("BTCUSDT", "19");
	struct ose_event g = ev_fill("BTCUSDT", "19", "1", "T2"); /* sum past the limit */
	cr_assert_eq(A(g), OSE_AP_INVALID);
	cr_assert_eq(memcmp(&before, S("BTCUSDT", "19"), sizeof(before)), 0);
	cr_assert_eq(T.st->out_of_range, 1);

	struct ose_event h = ev_fill("BTCUSDT", "20", "1", "T1");
	h.fee = near_max;
	h.flags |= OSE_EVF_HAS_FEE;
	cr_assert_eq(A(h), OSE_AP_APPLIED);
	before = *S("BTCUSDT", "20");
	struct ose_event k = ev_fill("BTCUSDT", "20", "1", "T2");
	k.fee = D("5");
	k.flags |= OSE_EVF_HAS_FEE;
	cr_assert_eq(A(k), OSE_AP_INVALID, "the fee sum does not fit");
	cr_assert_eq(memcmp(&before, S("BTCUSDT", "20"), sizeof(before)), 0);
	cr_assert_eq(T.st->out_of_range, 2);
	cr_assert_eq(T.st->invalid_events, 2);

	struct ose_event q = ev_order("BTCUSDT", "21", OSE_ST_NEW, "0");
	ev_px_qty(&q, "100", "-1");
	cr_assert_eq(A(q), OSE_AP_INVALID, "a negative order quantity is refused");
	cr_assert_null(S("BTCUSDT", "21"));
}

/* ---- the real cases of issue 3 ---------------------------------------- */

Test(fsm, fill_after_pending_cancel)
{
	struct ose_event e = ev_order("BTCUSDT", "20", OSE_ST_NEW, "0");
	ev_px_qty(&e, "100", "1");
	A(e);
	e = ev_order("BTCUSDT", "20", OSE_ST_PENDING_CANCEL, "0");
	A(e);
	cr_assert_eq(S("BTCUSDT", "20")->status, OSE_ST_PENDING_CANCEL);
	struct ose_event f = ev_fill("BTCUSDT", "20", "0.4", "p1");
	A(f);
	cr_assert(S("BTCUSDT", "20")->filled == D("0.4"));
	e = ev_order("BTCUSDT", "20", OSE_ST_CANCELED, "0.4");
	A(e);
	const struct ose_slot *o = S("BTCUSDT", "20");
	cr_assert_eq(o->status, OSE_ST_CANCELED);
	cr_assert(o->filled == D("0.4"));
}

Test(fsm, duplicate_fill_with_new_trade_id)
{
	/* The order channel says 0.5 filled; the fill channel re-sends the
	 * same 0.5 trade under a new id: filled stays 0.5 ... */
	struct ose_event e = ev_order("BTCUSDT", "21", OSE_ST_PARTIALLY_FILLED, "0.5");
	ev_px_qty(&e, "100", "0.5");
	A(e);
	struct ose_event f = ev_fill("BTCUSDT", "21", "0.5", "x1");
	A(f);
	f = ev_fill("BTCUSDT", "21", "0.5", "x1-bis");
	A(f);
	const struct ose_slot *o = S("BTCUSDT", "21");
	cr_assert(o->filled == D("0.5"), "never above the order quantity");
	cr_assert_geq(T.st->overfill_guard, 1);
}

Test(fsm, stale_partially_filled_after_filled)
{
	struct ose_event e = ev_order("BTCUSDT", "22", OSE_ST_FILLED, "1");
	ev_px_qty(&e, "100", "1");
	A(e);
	e = ev_order("BTCUSDT", "22", OSE_ST_PARTIALLY_FILLED, "0.5");
	ev_px_qty(&e, "100", "1");
	cr_assert_eq(A(e), OSE_AP_STALE);
	const struct ose_slot *o = S("BTCUSDT", "22");
	cr_assert_eq(o->status, OSE_ST_FILLED);
	cr_assert(o->filled == D("1"));
	cr_assert(o->oflags & OSE_OF_EXECUTED);
}

Test(fsm, expired_with_fills)
{
	struct ose_event e = ev_order("BTCUSDT", "23", OSE_ST_PARTIALLY_FILLED, "0.25");
	ev_px_qty(&e, "100", "1");
	A(e);
	e = ev_order("BTCUSDT", "23", OSE_ST_EXPIRED, "0.25");
	A(e);
	const struct ose_slot *o = S("BTCUSDT", "23");
	cr_assert_eq(o->status, OSE_ST_EXPIRED);
	cr_assert(o->filled == D("0.25"));
	cr_assert_eq(T.st->expired_total, 1);
}

Test(fsm, fill_before_any_ack)
{
	struct ose_cmd c = reg("cli-9");
	struct ose_ap_out out;
	ose_tbl_register(&T, &c, 5, &out);
	uint32_t s = out.slot;
	/* the fill channel is first: it carries both ids */
	struct ose_event f = ev_fill("BTCUSDT", "900", "0.5", "tr");
	strcpy(f.client_id, "cli-9");
	A(f);
	cr_assert_eq(T.slots[s].status, OSE_ST_PARTIALLY_FILLED);
	cr_assert_eq(ose_tbl_find_oid(&T, OSE_VENUE_BINANCE, "main", "BTCUSDT", "900"), s);
	/* then the late NEW ack: stale, nothing reopens or regresses */
	struct ose_event e = ev_order("BTCUSDT", "900", OSE_ST_NEW, "0");
	strcpy(e.client_id, "cli-9");
	A(e);
	cr_assert_eq(T.slots[s].status, OSE_ST_PARTIALLY_FILLED);
	cr_assert(T.slots[s].filled == D("0.5"));
	cr_assert_eq(T.st->tracked, 1);
}

/* ---- capacity --------------------------------------------------------- */

Test(fsm, table_full_refuses_and_touches_nothing)
{
	struct ose_tbl t2;
	void *m2 = tbl_new(&t2, 4, 10);
	char id[8];
	for (int i = 0; i < 4; i++) {
		snprintf(id, sizeof(id), "%d", i);
		struct ose_event e = ev_order("BTCUSDT", id, OSE_ST_NEW, "0");
		cr_assert_eq(tapply(&t2, &e), OSE_AP_APPLIED);
	}
	size_t n = (size_t)t2.hdr->capacity * sizeof(struct ose_slot);
	void *copy = malloc(n);
	memcpy(copy, t2.slots, n);
	struct ose_event e = ev_order("BTCUSDT", "new", OSE_ST_NEW, "0");
	cr_assert_eq(tapply(&t2, &e), OSE_AP_FULL);
	cr_assert_eq(t2.st->table_full, 1);
	cr_assert_eq(memcmp(copy, t2.slots, n), 0, "nothing stored is touched");
	/* updates to stored orders still apply */
	e = ev_order("BTCUSDT", "2", OSE_ST_FILLED, "1");
	cr_assert_eq(tapply(&t2, &e), OSE_AP_APPLIED);
	cr_assert_eq(ose_tbl_check(&t2), 0);
	free(copy);
	free(m2);
}

Test(fsm, executed_cache_bounded_oldest_evicted_open_kept)
{
	struct ose_tbl t2;
	void *m2 = tbl_new(&t2, 64, 3);
	char id[8];
	for (int i = 0; i < 4; i++) { /* 4 open orders */
		snprintf(id, sizeof(id), "o%d", i);
		struct ose_event e = ev_order("BTCUSDT", id, OSE_ST_NEW, "0");
		tapply(&t2, &e);
	}
	for (int i = 0; i < 6; i++) { /* 6 executed: the 3 oldest go */
		snprintf(id, sizeof(id), "x%d", i);
		struct ose_event e = ev_order("BTCUSDT", id, OSE_ST_FILLED, "1");
		tapply(&t2, &e);
	}
	cr_assert_eq(t2.st->executed_cached, 3);
	cr_assert_eq(t2.st->evicted, 3);
	cr_assert_eq(t2.st->open, 4);
	cr_assert_null(tslot(&t2, "BTCUSDT", "x0"));
	cr_assert_null(tslot(&t2, "BTCUSDT", "x2"));
	cr_assert_not_null(tslot(&t2, "BTCUSDT", "x3"));
	cr_assert_not_null(tslot(&t2, "BTCUSDT", "x5"));
	for (int i = 0; i < 4; i++) {
		snprintf(id, sizeof(id), "o%d", i);
		cr_assert_not_null(tslot(&t2, "BTCUSDT", id), "open orders are never evicted");
	}
	/* another symbol has its own bound */
	struct ose_event e = ev_order("ETHUSDT", "x0", OSE_ST_CANCELED, "0");
	tapply(&t2, &e);
	cr_assert_eq(t2.st->executed_cached, 4);
	cr_assert_eq(t2.st->exec_symbols, 2);
	cr_assert_eq(ose_tbl_check(&t2), 0);
	free(m2);
}

/* MEXC order pushes carry lastDealQuantity and a cumulative but no trade
 * id; the deals push carries the same trade with its id.  Repeats of the
 * order push (and the cancel repeating the last deal) must not overshoot. */
Test(fsm, fill_without_trade_id_but_cumulative_not_summed)
{
	struct ose_event e = ev_order("BTCUSDT", "30", OSE_ST_PARTIALLY_FILLED, "0.4");
	ev_px_qty(&e, "100", "1");
	e.last_qty = D("0.4");
	e.flags |= OSE_EVF_HAS_LAST;
	A(e);
	A(e); /* repeated push */
	struct ose_event f = ev_fill("BTCUSDT", "30", "0.4", "deal-1");
	A(f);
	e = ev_order("BTCUSDT", "30", OSE_ST_CANCELED, "0.4");
	ev_px_qty(&e, "100", "1");
	e.last_qty = D("0.4"); /* the cancel repeats the last deal */
	e.flags |= OSE_EVF_HAS_LAST;
	A(e);
	const struct ose_slot *o = S("BTCUSDT", "30");
	cr_assert_eq(o->status, OSE_ST_CANCELED);
	cr_assert(o->filled == D("0.4"), "filled overshoots the cumulative");
	cr_assert_eq(T.st->overfill_guard, 0);
}
