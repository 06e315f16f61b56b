/* SPDX-License-Identifier: MIT */
/*
 * The venue table: parse and session functions plus each venue's
 * heartbeat and connection-life limits, from the reference cheat sheet
 * (exchange-formats.md §0).  Intervals are chosen inside the venue's
 * cutoff with margin for one lost ping.
 */
#include "adapters/core/venues.h"

#define S 1000u
#define H (3600u * S)

static const struct ose_adapter adapters[OSE_VENUE_COUNT] = {
	[OSE_VENUE_BINANCE] = {
		.venue = OSE_VENUE_BINANCE, .name = "binance",
		.parse = ose_binance_parse, .prepare = ose_binance_prepare,
		.session = ose_binance_session, .ping = ose_binance_ping,
		/* Server pings every 20 s (WebSocket level) and we answer. */
		.ping_interval_ms = 0, .idle_timeout_ms = 60 * S, .max_conn_life_ms = 24 * H,
		/* Every accepted message went through ose_json_obj_get. */
		.validates_utf8 = 1,
	},
	[OSE_VENUE_OKX] = {
		.venue = OSE_VENUE_OKX, .name = "okx",
		.parse = ose_okx_parse, .prepare = ose_okx_prepare,
		.session = ose_okx_session, .ping = ose_okx_ping,
		/* Text "ping" -> "pong"; the venue cuts idle links at 30 s. */
		.ping_interval_ms = 15 * S, .idle_timeout_ms = 30 * S, .max_conn_life_ms = 0,
		/* ose_json_obj_get_each, or the ASCII literals ping/pong. */
		.validates_utf8 = 1,
	},
	[OSE_VENUE_BYBIT] = {
		.venue = OSE_VENUE_BYBIT, .name = "bybit",
		.parse = ose_bybit_parse, .prepare = ose_bybit_prepare,
		.session = ose_bybit_session, .ping = ose_bybit_ping,
		/* {"op":"ping"} every 20 s is the documented cadence. */
		.ping_interval_ms = 20 * S, .idle_timeout_ms = 600 * S, .max_conn_life_ms = 0,
		/* Every accepted message went through ose_json_obj_get_each. */
		.validates_utf8 = 1,
	},
	[OSE_VENUE_GATE] = {
		.venue = OSE_VENUE_GATE, .name = "gate",
		.parse = ose_gate_parse, .prepare = ose_gate_prepare,
		.session = ose_gate_session, .ping = ose_gate_ping,
		.ping_interval_ms = 15 * S, .idle_timeout_ms = 60 * S, .max_conn_life_ms = 0,
	},
	[OSE_VENUE_COINBASE] = {
		.venue = OSE_VENUE_COINBASE, .name = "coinbase",
		.parse = ose_coinbase_parse, .prepare = ose_coinbase_prepare,
		.session = ose_coinbase_session, .ping = ose_coinbase_ping,
		/* Liveness comes from the heartbeats channel; channels close
		 * after 60-90 s idle. */
		.ping_interval_ms = 0, .idle_timeout_ms = 60 * S, .max_conn_life_ms = 0,
	},
	[OSE_VENUE_MEXC] = {
		.venue = OSE_VENUE_MEXC, .name = "mexc",
		.parse = ose_mexc_parse, .prepare = ose_mexc_prepare,
		.session = ose_mexc_session, .ping = ose_mexc_ping,
		/* {"method":"PING"} -> PONG; idle cutoff 60 s; 24 h limit. */
		.ping_interval_ms = 20 * S, .idle_timeout_ms = 60 * S, .max_conn_life_ms = 24 * H,
	},
};

const struct ose_adapter *ose_adapter_get(enum ose_venue venue)
{
	if ((unsigned)venue >= OSE_VENUE_COUNT || venue == OSE_VENUE_NONE)
		return NULL;
	return &adapters[venue];
}

const char *ose_parse_err_name(enum ose_parse_err err)
{
	static const char *const names[OSE_PERR_COUNT] = {
		[OSE_PERR_NONE] = "none",
		[OSE_PERR_SYNTAX] = "syntax",
		[OSE_PERR_TRUNCATED] = "truncated",
		[OSE_PERR_TOO_DEEP] = "too_deep",
		[OSE_PERR_MISSING_FIELD] = "missing_field",
		[OSE_PERR_WRONG_TYPE] = "wrong_type",
		[OSE_PERR_NUMBER] = "number",
		[OSE_PERR_TIMESTAMP] = "timestamp",
		[OSE_PERR_TOO_LONG] = "too_long",
		[OSE_PERR_UNKNOWN_STATUS] = "unknown_status",
		[OSE_PERR_TOO_MANY] = "too_many",
		[OSE_PERR_UNKNOWN_MSG] = "unknown_msg",
		[OSE_PERR_UTF8] = "utf8",
	};
	return (unsigned)err < OSE_PERR_COUNT ? names[err] : "unknown";
}

const char *ose_session_kind_name(enum ose_session_kind kind)
{
	static const char *const names[OSE_SESS_COUNT] = {
		[OSE_SESS_NONE] = "none",
		[OSE_SESS_AUTH_OK] = "auth_ok",
		[OSE_SESS_AUTH_FAIL] = "auth_fail",
		[OSE_SESS_SUBSCRIBED] = "subscribed",
		[OSE_SESS_PONG] = "pong",
		[OSE_SESS_PING] = "ping",
		[OSE_SESS_ERROR] = "error",
		[OSE_SESS_SHUTDOWN] = "shutdown",
		[OSE_SESS_EXPIRED] = "expired",
		[OSE_SESS_OTHER] = "other",
	};
	return (unsigned)kind < OSE_SESS_COUNT ? names[kind] : "unknown";
}
