/* SPDX-License-Identifier: MIT */
/*
 * The normalised-event text format read by ose-inject (docs/engine.md):
 * one record per line, whitespace-separated key=value fields with the
 * DESIGN §5/§12 names; blank lines and lines starting with '#' are skipped.
 *
 *   kind=order venue=binance account=main symbol=BTCUSDT order_id=42
 *       client_id=c1 side=BUY type=LIMIT tif=GTC status=NEW price=100.5
 *       quantity=2 filled_quantity=0
 *   kind=fill venue=gate symbol=BTC_USDT order_id=7 trade_id=t1
 *       last_qty=0.5 last_px=100
 *   cmd=register venue=binance account=main symbol=BTCUSDT client_id=c9
 *       side=SELL price=1 quantity=3
 *   cmd=lookup_oid venue=binance symbol=BTCUSDT order_id=42 req_id=7
 *
 * Keys: kind (order|fill|gap|balance|heartbeat), cmd (register|lookup_oid|
 * lookup_cid), venue, account, symbol, order_id, client_id, trade_id,
 * side (BUY|SELL), type (LIMIT|MARKET|LIMIT_MAKER|STOP|OTHER),
 * tif (GTC|IOC|FOK|GTD|OTHER), status (PENDING_NEW .. REJECTED), price,
 * quantity (alias qty), filled_quantity (alias cum_qty), last_qty, last_px,
 * fee, fee_asset, avg_px, exch_ts (ns), venue_seq, qty_in_quote (0|1),
 * snapshot (0|1), reason, req_id.  Decimals are exact (shm/dec.h).
 */
#ifndef OSE_TOOLS_EVTEXT_H
#define OSE_TOOLS_EVTEXT_H

#include <stddef.h>

#include "shm/cmd.h"
#include "shm/event.h"

enum ose_evtext_res {
	OSE_EVTEXT_ERR = -1,  /* err holds the reason */
	OSE_EVTEXT_SKIP = 0,  /* blank or comment */
	OSE_EVTEXT_EVENT = 1, /* *ev filled */
	OSE_EVTEXT_CMD = 2,   /* *cmd filled */
};

/* Parses one line (NUL-terminated, trailing newline allowed). */
enum ose_evtext_res ose_evtext_parse(const char *line, struct ose_event *ev,
				     struct ose_cmd *cmd, char *err, size_t errlen);

#endif
