/* SPDX-License-Identifier: MIT */
/* ose-inject's text format (tools/inject/evtext.h): what a good line
 * becomes, and that a bad one is refused with a reason that names the
 * field, never pushed half-read. */
#include <criterion/criterion.h>
#include <string.h>

#include "tools/inject/evtext.h"

static struct ose_event ev;
static struct ose_cmd cmd;
static char err[128];

static enum ose_evtext_res P(const char *line)
{
	err[0] = 0;
	return ose_evtext_parse(line, &ev, &cmd, err, sizeof(err));
}

Test(evtext, order_line)
{
	cr_assert_eq(P("kind=order venue=okx account=sub1 symbol=BTC-USDT order_id=42 "
		       "client_id=c1 side=SELL type=LIMIT tif=IOC status=PARTIALLY_FILLED "
		       "price=100.5 quantity=2 filled_quantity=0.5 exch_ts=1700000000000000000 "
		       "venue_seq=9\n"),
		     OSE_EVTEXT_EVENT);
	cr_assert_eq(ev.kind, OSE_EV_ORDER);
	cr_assert_eq(ev.venue, OSE_VENUE_OKX);
	cr_assert_str_eq(ev.symbol, "BTC-USDT");
	cr_assert_str_eq(ev.order_id, "42");
	cr_assert_eq(ev.status, OSE_ST_PARTIALLY_FILLED);
	cr_assert_eq(ev.side, OSE_SIDE_SELL);
	cr_assert(ev.price == OSE_DEC_ONE * 1005 / 10);
	cr_assert(ev.cum_qty == OSE_DEC_ONE / 2);
	cr_assert_eq(ev.flags & (OSE_EVF_HAS_PRICE | OSE_EVF_HAS_QTY | OSE_EVF_HAS_CUM_QTY |
				 OSE_EVF_HAS_SEQ),
		     OSE_EVF_HAS_PRICE | OSE_EVF_HAS_QTY | OSE_EVF_HAS_CUM_QTY | OSE_EVF_HAS_SEQ);
	cr_assert_eq(ev.exch_ts_ns, 1700000000000000000LL);
	cr_assert_eq(ev.venue_seq, 9);
}

Test(evtext, command_and_skips)
{
	cr_assert_eq(P("cmd=register venue=binance account=main symbol=BTCUSDT client_id=c9 "
		       "side=BUY price=1 quantity=3"),
		     OSE_EVTEXT_CMD);
	cr_assert_eq(cmd.kind, OSE_CMD_REGISTER);
	cr_assert_eq(cmd.flags, OSE_CMDF_HAS_PRICE | OSE_CMDF_HAS_QTY);
	cr_assert_eq(P("   # a comment"), OSE_EVTEXT_SKIP);
	cr_assert_eq(P("\n"), OSE_EVTEXT_SKIP);
}

/* Each bad line: refused, and the reason names what is wrong. */
Test(evtext, bad_lines_refused_with_reason)
{
	static const struct {
		const char *line, *reason;
	} bad[] = {
		{"kind=order venue=nowhere symbol=X order_id=1", "'venue'"},
		{"kind=order venue=binance symbol=X order_id=1 price=1.2.3", "'price'"},
		{"kind=order venue=binance symbol=X order_id=1 quantity=1e99999", "'quantity'"},
		{"kind=order venue=binance symbol=X order_id=1 status=OPENISH", "'status'"},
		{"kind=order venue=binance symbol=X order_id=1 exch_ts=-5", "'exch_ts'"},
		{"kind=order venue=binance symbol=X order_id=1 exch_ts=+5", "'exch_ts'"},
		{"kind=order venue=binance symbol=X order_id=1 exch_ts=9223372036854775808",
		 "'exch_ts'"},
		{"kind=order venue=binance symbol=X order_id=1 venue_seq=18446744073709551616",
		 "'venue_seq'"},
		{"kind=order venue=binance symbol=X order_id=1 req_id=", "'req_id'"},
		{"kind=order venue=binance symbol=X order_id=1 colour=red", "unknown key 'colour'"},
		{"kind=order venue=binance symbol=X order_id", "without '='"},
		{"venue=binance symbol=X order_id=1", "no kind= or cmd="},
		{"kind=order cmd=register venue=binance", "'cmd'"},
		{"kind=order venue=binance symbol=0123456789012345678901234567890123 order_id=1",
		 "'symbol'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(P(bad[i].line), OSE_EVTEXT_ERR, "accepted: %s", bad[i].line);
		cr_assert_not_null(strstr(err, bad[i].reason), "line %s: reason '%s' lacks %s",
				   bad[i].line, err, bad[i].reason);
	}
}
