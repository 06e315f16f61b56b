/* SPDX-License-Identifier: MIT */
#include "feeds/feed_stats.h"

const char *ose_feed_state_name(enum ose_feed_conn_state s)
{
	static const char *const names[OSE_FEED_ST_COUNT] = {
		[OSE_FEED_ST_DOWN] = "down",
		[OSE_FEED_ST_CONNECTING] = "connecting",
		[OSE_FEED_ST_TLS] = "tls",
		[OSE_FEED_ST_UPGRADE] = "upgrade",
		[OSE_FEED_ST_SESSION] = "session",
		[OSE_FEED_ST_STREAMING] = "streaming",
		[OSE_FEED_ST_CLOSING] = "closing",
		[OSE_FEED_ST_BACKOFF] = "backoff",
		[OSE_FEED_ST_REPLAY] = "replay",
	};
	return (unsigned)s < OSE_FEED_ST_COUNT ? names[s] : "unknown";
}

const char *ose_feed_disc_name(enum ose_feed_disc d)
{
	static const char *const names[OSE_FEED_DISC_COUNT] = {
		[OSE_FEED_DISC_CONNECT] = "connect",
		[OSE_FEED_DISC_TLS] = "tls",
		[OSE_FEED_DISC_HANDSHAKE] = "handshake",
		[OSE_FEED_DISC_PROTOCOL] = "protocol",
		[OSE_FEED_DISC_PEER_CLOSE] = "peer_close",
		[OSE_FEED_DISC_EOF] = "eof",
		[OSE_FEED_DISC_IDLE] = "idle",
		[OSE_FEED_DISC_LIFE] = "max_life",
		[OSE_FEED_DISC_SESSION] = "session",
		[OSE_FEED_DISC_IO] = "io",
	};
	return (unsigned)d < OSE_FEED_DISC_COUNT ? names[d] : "unknown";
}

const char *ose_feed_lat_name(enum ose_feed_lat_stage s)
{
	static const char *const names[OSE_FEED_LAT_COUNT] = {
		[OSE_FEED_LAT_DECRYPT] = "decrypt",
		[OSE_FEED_LAT_PARSE] = "parse",
		[OSE_FEED_LAT_RING] = "ring",
		[OSE_FEED_LAT_TOTAL] = "total",
	};
	return (unsigned)s < OSE_FEED_LAT_COUNT ? names[s] : "unknown";
}
