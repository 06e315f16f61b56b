/* SPDX-License-Identifier: MIT */
/*
 * Gate.io spot v4 private session (reference §2.1).  There is no login
 * step for push channels: each private subscribe carries its own auth
 * object, SIGN = hex HMAC-SHA512 of "channel=<c>&event=subscribe&time=<t>"
 * with t in unix seconds (must be within 60 s of the server's clock).
 *   step 0: spot.orders     for every pair ("!all")
 *   step 1: spot.usertrades for every pair ("!all")
 * No acks need waiting for (each request authenticates itself).  Request
 * ids are cfg->req_id and cfg->req_id + 1.
 * App ping: {"time":<s>,"channel":"spot.ping"} -> spot.pong; the time is
 * read from CLOCK_REALTIME here because the ping builder has no clock
 * argument.  Gate never pings the client at app level (reply: nothing).
 */
#include <inttypes.h>
#include <time.h>

#include "adapters/core/venues.h"
#include "adapters/sign/sess.h"
#include "adapters/sign/sign.h"

static const char *const gate_channels[] = { "spot.orders", "spot.usertrades" };

int ose_gate_session(const struct ose_session_cfg *cfg, unsigned step, char *buf, size_t cap,
		     int *binary, int *wait_ack)
{
	char pre[96], sig[OSE_SIGN_HEX_SHA512_LEN + 1];
	int n, rc;
	int64_t t;

	ose_sess_init(binary, wait_ack);
	if (!cfg || !buf || !ose_sess_safe(cfg->api_key) || !cfg->api_secret || cfg->now_ms < 0)
		return -EINVAL;
	if (step >= sizeof(gate_channels) / sizeof(gate_channels[0]))
		return 0;
	t = cfg->now_ms / 1000;
	n = ose_sess_fmt(pre, sizeof(pre), "channel=%s&event=subscribe&time=%" PRId64,
			 gate_channels[step], t);
	if (n < 0)
		return -EINVAL;
	rc = ose_sign_hmac_sha512_hex(cfg->api_secret, strlen(cfg->api_secret), pre, (size_t)n, sig,
				      sizeof(sig));
	if (rc < 0)
		return rc;
	return ose_sess_fmt(buf, cap,
			    "{\"time\":%" PRId64 ",\"id\":%" PRIu64 ",\"channel\":\"%s\",\"event\":\"subscribe\","
			    "\"payload\":[\"!all\"],\"auth\":{\"method\":\"api_key\",\"KEY\":\"%s\",\"SIGN\":\"%s\"}}",
			    t, cfg->req_id + step, gate_channels[step], cfg->api_key, sig);
}

int ose_gate_ping(int reply, char *buf, size_t cap)
{
	struct timespec ts;

	if (reply)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ose_sess_fmt(buf, cap, "{\"time\":%" PRId64 ",\"channel\":\"spot.ping\"}",
			    (int64_t)ts.tv_sec);
}
