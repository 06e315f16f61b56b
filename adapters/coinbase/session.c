/* SPDX-License-Identifier: MIT */
/*
 * Coinbase Advanced Trade user-data session
 * (wss://advanced-trade-ws-user.coinbase.com; reference §6.1).
 * cfg->api_key is the CDP key name ("organizations/.../apiKeys/..."),
 * cfg->api_secret its private key: EC P-256 PEM (ES256) or a base64
 * Ed25519 secret (EdDSA); see ose_sign_key_load.  Every message carries a
 * fresh JWT (nbf = now, exp = now + 120 s, random nonce):
 *   step 0: subscribe `user` (all products: no product_ids; the venue
 *           answers with a snapshot of open orders, batched by 50)
 *   step 1: subscribe `heartbeats` (keeps the channels open: they close
 *           after 60-90 s without traffic)
 * The venue disconnects if nothing is subscribed within 5 s, so the
 * user subscribe goes first and no ack is waited for.
 * No app-level ping (heartbeats channel instead).
 */
#include "adapters/core/venues.h"
#include "adapters/sign/sess.h"
#include "adapters/sign/sign.h"

/* One JWT: two base64url JSON parts of < 512 bytes and an 86-char sig. */
#define CB_JWT_MAX 1400

static const char *const cb_channels[] = { "user", "heartbeats" };

int ose_coinbase_session(const struct ose_session_cfg *cfg, unsigned step, char *buf, size_t cap,
			 int *binary, int *wait_ack)
{
	struct ose_sign_key key;
	char jwt[CB_JWT_MAX];
	int rc;

	ose_sess_init(binary, wait_ack);
	if (!cfg || !buf || !ose_sess_safe(cfg->api_key) || !cfg->api_secret || cfg->now_ms < 0)
		return -EINVAL;
	if (step >= sizeof(cb_channels) / sizeof(cb_channels[0]))
		return 0;
	if (ose_sign_key_load(cfg->api_secret, strlen(cfg->api_secret), &key) != 0)
		return -EINVAL;
	rc = ose_sign_jwt_cdp(&key, cfg->api_key, cfg->now_ms / 1000, NULL, NULL, jwt, sizeof(jwt));
	ose_sign_key_wipe(&key);
	if (rc < 0)
		return rc == -ENOSPC ? -EINVAL : rc;
	return ose_sess_fmt(buf, cap, "{\"type\":\"subscribe\",\"channel\":\"%s\",\"jwt\":\"%s\"}",
			    cb_channels[step], jwt);
}

int ose_coinbase_ping(int reply, char *buf, size_t cap)
{
	(void)reply;
	(void)buf;
	(void)cap;
	return 0; /* liveness comes from the heartbeats channel */
}
