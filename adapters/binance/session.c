/* SPDX-License-Identifier: MIT */
/*
 * Binance spot user-data session over the WebSocket API
 * (wss://ws-api.binance.com:443/ws-api/v3; reference §1.1).
 *
 * The key type picks the flow, decided from cfg->api_secret:
 *   - Ed25519 private key (PEM, base64 PKCS#8 or base64 seed; see
 *     ose_sign_key_load): step 0 `session.logon` signed with Ed25519
 *     (base64), wait for its ack, step 1 `userDataStream.subscribe`.
 *     Logon keeps the connection authenticated, so a resubscribe after a
 *     listen error needs no new signature.
 *   - anything else is an HMAC secret: step 0
 *     `userDataStream.subscribe.signature` with a hex HMAC-SHA256
 *     signature (session.logon refuses HMAC keys).  A 64-character
 *     Binance HMAC secret never parses as an Ed25519 key.
 * Signed payload: params except signature, sorted by name, k=v joined by
 * '&', no percent-encoding: "apiKey=<k>&timestamp=<ms>".
 * Request ids are cfg->req_id and cfg->req_id + 1.
 * Binance has no app-level ping: the server sends WebSocket pings every
 * 20 s and the feed answers them.
 */
#include <inttypes.h>

#include "adapters/core/venues.h"
#include "adapters/sign/sess.h"
#include "adapters/sign/sign.h"

int ose_binance_session(const struct ose_session_cfg *cfg, unsigned step, char *buf, size_t cap,
			int *binary, int *wait_ack)
{
	struct ose_sign_key key;
	char payload[256], sig[OSE_SIGN_B64_ED25519_LEN + 1];
	int n, rc;

	ose_sess_init(binary, wait_ack);
	if (!cfg || !buf || !ose_sess_safe(cfg->api_key) || !cfg->api_secret)
		return -EINVAL;
	if (ose_sign_key_load(cfg->api_secret, strlen(cfg->api_secret), &key) == 0 &&
	    key.kind == OSE_KEY_ED25519) {
		if (step == 1) {
			ose_sign_key_wipe(&key);
			return ose_sess_fmt(buf, cap,
					    "{\"id\":%" PRIu64 ",\"method\":\"userDataStream.subscribe\"}",
					    cfg->req_id + 1);
		}
		if (step != 0) {
			ose_sign_key_wipe(&key);
			return 0;
		}
		n = ose_sess_fmt(payload, sizeof(payload), "apiKey=%s&timestamp=%" PRId64,
				 cfg->api_key, cfg->now_ms);
		rc = n < 0 ? -EINVAL : ose_sign_ed25519_b64(&key, payload, (size_t)n, sig, sizeof(sig));
		ose_sign_key_wipe(&key);
		if (rc < 0)
			return rc;
		if (wait_ack)
			*wait_ack = 1;
		return ose_sess_fmt(buf, cap,
				    "{\"id\":%" PRIu64 ",\"method\":\"session.logon\",\"params\":{"
				    "\"apiKey\":\"%s\",\"signature\":\"%s\",\"timestamp\":%" PRId64 "}}",
				    cfg->req_id, cfg->api_key, sig, cfg->now_ms);
	}
	ose_sign_key_wipe(&key);
	if (step != 0)
		return 0;
	n = ose_sess_fmt(payload, sizeof(payload), "apiKey=%s&timestamp=%" PRId64, cfg->api_key,
			 cfg->now_ms);
	if (n < 0)
		return -EINVAL;
	rc = ose_sign_hmac_sha256_hex(cfg->api_secret, strlen(cfg->api_secret), payload, (size_t)n,
				      sig, sizeof(sig));
	if (rc < 0)
		return rc;
	return ose_sess_fmt(buf, cap,
			    "{\"id\":%" PRIu64 ",\"method\":\"userDataStream.subscribe.signature\","
			    "\"params\":{\"apiKey\":\"%s\",\"timestamp\":%" PRId64 ",\"signature\":\"%s\"}}",
			    cfg->req_id, cfg->api_key, cfg->now_ms, sig);
}

int ose_binance_ping(int reply, char *buf, size_t cap)
{
	(void)reply;
	(void)buf;
	(void)cap;
	return 0; /* WebSocket-level pings only */
}
