/* SPDX-License-Identifier: MIT */
/*
 * Bybit v5 private session (reference §4.1): step 0 auth with
 * args [key, expires, hex HMAC-SHA256 of "GET/realtime<expires>"], where
 * expires = now + 10 s in ms (it must lie in the future when the server
 * reads it; 10 s covers clock skew and a slow handshake without leaving a
 * replayable signature around for long); wait for the auth ack; step 1
 * subscribe the all-category `order` and `execution` topics in one
 * request (all-in-one topics, never mixed with categorised ones).
 * req_id values are cfg->req_id and cfg->req_id + 1, as strings.
 * App ping: {"op":"ping"} every 20 s.
 */
#include <inttypes.h>

#include "adapters/core/venues.h"
#include "adapters/sign/sess.h"
#include "adapters/sign/sign.h"

#define BYBIT_EXPIRES_AHEAD_MS 10000

int ose_bybit_session(const struct ose_session_cfg *cfg, unsigned step, char *buf, size_t cap,
		      int *binary, int *wait_ack)
{
	char pre[64], sig[OSE_SIGN_HEX_SHA256_LEN + 1];
	int n, rc;
	int64_t expires;

	ose_sess_init(binary, wait_ack);
	if (!cfg || !buf || !ose_sess_safe(cfg->api_key) || !cfg->api_secret || cfg->now_ms < 0)
		return -EINVAL;
	if (step == 1)
		return ose_sess_fmt(buf, cap,
				    "{\"req_id\":\"%" PRIu64 "\",\"op\":\"subscribe\",\"args\":[\"order\",\"execution\"]}",
				    cfg->req_id + 1);
	if (step != 0)
		return 0;
	expires = cfg->now_ms + BYBIT_EXPIRES_AHEAD_MS;
	n = ose_sess_fmt(pre, sizeof(pre), "GET/realtime%" PRId64, expires);
	if (n < 0)
		return -EINVAL;
	rc = ose_sign_hmac_sha256_hex(cfg->api_secret, strlen(cfg->api_secret), pre, (size_t)n, sig,
				      sizeof(sig));
	if (rc < 0)
		return rc;
	if (wait_ack)
		*wait_ack = 1;
	return ose_sess_fmt(buf, cap,
			    "{\"req_id\":\"%" PRIu64 "\",\"op\":\"auth\",\"args\":[\"%s\",%" PRId64 ",\"%s\"]}",
			    cfg->req_id, cfg->api_key, expires, sig);
}

int ose_bybit_ping(int reply, char *buf, size_t cap)
{
	return ose_sess_lit(buf, cap, reply ? "{\"op\":\"pong\"}" : "{\"op\":\"ping\"}");
}
