/* SPDX-License-Identifier: MIT */
/*
 * OKX v5 private session (reference §5.1): step 0 login, signed with
 * base64 HMAC-SHA256 of "<unix seconds>GET/users/self/verify" (the
 * request expires 30 s after that timestamp); wait for the login event;
 * step 1 subscribe the `orders` channel for every instrument type
 * ("instType":"ANY").  OKX pushes nothing on subscribe: the engine
 * reconciles over REST after each (re)connect.
 * App ping: the text frame `ping` (not JSON), answered by `pong`; the
 * venue cuts links idle for 30 s.
 */
#include <inttypes.h>

#include "adapters/core/venues.h"
#include "adapters/sign/sess.h"
#include "adapters/sign/sign.h"

int ose_okx_session(const struct ose_session_cfg *cfg, unsigned step, char *buf, size_t cap,
		    int *binary, int *wait_ack)
{
	char pre[64], sig[OSE_SIGN_B64_SHA256_LEN + 1];
	int n, rc;
	int64_t ts;

	ose_sess_init(binary, wait_ack);
	if (!cfg || !buf || !ose_sess_safe(cfg->api_key) || !cfg->api_secret ||
	    !ose_sess_safe(cfg->passphrase) || cfg->now_ms < 0)
		return -EINVAL;
	if (step == 1)
		return ose_sess_fmt(buf, cap,
				    "{\"op\":\"subscribe\",\"args\":[{\"channel\":\"orders\",\"instType\":\"ANY\"}]}");
	if (step != 0)
		return 0;
	ts = cfg->now_ms / 1000;
	n = ose_sess_fmt(pre, sizeof(pre), "%" PRId64 "GET/users/self/verify", ts);
	if (n < 0)
		return -EINVAL;
	rc = ose_sign_hmac_sha256_b64(cfg->api_secret, strlen(cfg->api_secret), pre, (size_t)n, sig,
				      sizeof(sig));
	if (rc < 0)
		return rc;
	if (wait_ack)
		*wait_ack = 1;
	return ose_sess_fmt(buf, cap,
			    "{\"op\":\"login\",\"args\":[{\"apiKey\":\"%s\",\"passphrase\":\"%s\","
			    "\"timestamp\":\"%" PRId64 "\",\"sign\":\"%s\"}]}",
			    cfg->api_key, cfg->passphrase, ts, sig);
}

int ose_okx_ping(int reply, char *buf, size_t cap)
{
	return ose_sess_lit(buf, cap, reply ? "pong" : "ping");
}
