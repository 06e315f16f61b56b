/* SPDX-License-Identifier: MIT */
/* Names of the event enums, as DESIGN §5 and §12 spell them. */
#include "event.h"

#include <string.h>

static const char *const venue_names[OSE_VENUE_COUNT] = {
	"none", "binance", "okx", "bybit", "gate", "coinbase", "mexc",
};

static const char *const status_names[OSE_ST_COUNT] = {
	"NONE", "PENDING_NEW", "NEW", "PARTIALLY_FILLED", "PENDING_CANCEL",
	"FILLED", "CANCELED", "EXPIRED", "REJECTED",
};

static const char *const kind_names[OSE_EV_KIND_COUNT] = {
	"none", "order", "fill", "gap", "balance", "heartbeat",
};

const char *ose_venue_name(enum ose_venue v)
{
	return (unsigned)v < OSE_VENUE_COUNT ? venue_names[v] : "none";
}

enum ose_venue ose_venue_from_name(const char *name)
{
	for (unsigned i = 1; i < OSE_VENUE_COUNT; i++)
		if (strcmp(name, venue_names[i]) == 0)
			return (enum ose_venue)i;
	return OSE_VENUE_NONE;
}

const char *ose_status_name(enum ose_status s)
{
	return (unsigned)s < OSE_ST_COUNT ? status_names[s] : "NONE";
}

enum ose_status ose_status_from_name(const char *name)
{
	for (unsigned i = 1; i < OSE_ST_COUNT; i++)
		if (strcmp(name, status_names[i]) == 0)
			return (enum ose_status)i;
	return OSE_ST_NONE;
}

const char *ose_side_name(enum ose_side s)
{
	return s == OSE_SIDE_BUY ? "BUY" : s == OSE_SIDE_SELL ? "SELL" : "NONE";
}

const char *ose_event_kind_name(enum ose_event_kind k)
{
	return (unsigned)k < OSE_EV_KIND_COUNT ? kind_names[k] : "none";
}
