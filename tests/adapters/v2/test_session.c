/* SPDX-License-Identifier: MIT */
/*
 * Session builders of all six venues, checked byte for byte with fixed
 * time and credentials.  Where the reference gives a vector it is used
 * (Binance HMAC: the session.logon example's signature is exactly the
 * HMAC of its payload under the docs' secret, see test_sign.c); the other
 * signatures were computed independently with Python (hmac, hashlib,
 * cryptography) from the recipes in the reference.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "adapters/core/venues.h"
#include "adapters/sign/sign.h"

static const char bn_key[] = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
static const char bn_hmac[] = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
static const char bn_ed[] = "MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u";

static int build(ose_adapter_session_fn fn, const struct ose_session_cfg *cfg, unsigned step,
		 char *buf, size_t cap, int *binary, int *wait_ack)
{
	*binary = -1;
	*wait_ack = -1;
	return fn(cfg, step, buf, cap, binary, wait_ack);
}

static void expect(ose_adapter_session_fn fn, const struct ose_session_cfg *cfg, unsigned step,
		   const char *want, int want_ack)
{
	char buf[2048];
	int bin, ack;
	int n = build(fn, cfg, step, buf, sizeof(buf), &bin, &ack);
	cr_assert_eq(n, (int)strlen(want), "step %u: got %d: %s", step, n, n > 0 ? buf : "");
	cr_assert_str_eq(buf, want);
	cr_assert_eq(bin, 0);
	cr_assert_eq(ack, want_ack, "step %u wait_ack", step);
	/* Exactly-sized buffers fail cleanly, one more byte succeeds. */
	cr_assert_eq(fn(cfg, step, buf, (size_t)n, &bin, &ack), -ENOSPC);
	cr_assert_eq(fn(cfg, step, buf, (size_t)n + 1, &bin, &ack), n);
}

static void expect_end(ose_adapter_session_fn fn, const struct ose_session_cfg *cfg, unsigned step)
{
	char buf[64];
	int bin, ack;
	cr_assert_eq(build(fn, cfg, step, buf, sizeof(buf), &bin, &ack), 0, "step %u should end", step);
	cr_assert_eq(ack, 0);
}

Test(session, binance_hmac_subscribe_signature)
{
	struct ose_session_cfg cfg = { .api_key = bn_key, .api_secret = bn_hmac,
				       .now_ms = 1649729878532, .req_id = 7 };
	expect(ose_binance_session, &cfg, 0,
	       "{\"id\":7,\"method\":\"userDataStream.subscribe.signature\",\"params\":{"
	       "\"apiKey\":\"vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A\","
	       "\"timestamp\":1649729878532,"
	       "\"signature\":\"1cf54395b336b0a9727ef27d5d98987962bc47aca6e13fe978612d0adee066ed\"}}", 0);
	expect_end(ose_binance_session, &cfg, 1);
}

Test(session, binance_ed25519_logon_then_subscribe)
{
	struct ose_session_cfg cfg = { .api_key = bn_key, .api_secret = bn_ed,
				       .now_ms = 1649729878532, .req_id = 7 };
	expect(ose_binance_session, &cfg, 0,
	       "{\"id\":7,\"method\":\"session.logon\",\"params\":{"
	       "\"apiKey\":\"vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A\","
	       "\"signature\":\"PdyZthZkWH6iRM43rd8+UBP8CPxkW5TJq6Wxsjy8vl5St2O54RDvgGcqRWskW7xWLdftHLxCKA0PDzjLt26eDg==\","
	       "\"timestamp\":1649729878532}}", 1);
	expect(ose_binance_session, &cfg, 1, "{\"id\":8,\"method\":\"userDataStream.subscribe\"}", 0);
	expect_end(ose_binance_session, &cfg, 2);
}

Test(session, okx_login_then_orders)
{
	struct ose_session_cfg cfg = { .api_key = "okxkey", .api_secret = "okxsecret",
				       .passphrase = "okxpass", .now_ms = 1538054050123 };
	expect(ose_okx_session, &cfg, 0,
	       "{\"op\":\"login\",\"args\":[{\"apiKey\":\"okxkey\",\"passphrase\":\"okxpass\","
	       "\"timestamp\":\"1538054050\",\"sign\":\"c7YnDHvQMLnNUDAWu13O+6hnD53BZZgwj6yeYObaD2E=\"}]}", 1);
	expect(ose_okx_session, &cfg, 1,
	       "{\"op\":\"subscribe\",\"args\":[{\"channel\":\"orders\",\"instType\":\"ANY\"}]}", 0);
	expect_end(ose_okx_session, &cfg, 2);
	cfg.passphrase = NULL;
	char buf[512];
	int bin, ack;
	cr_assert_eq(build(ose_okx_session, &cfg, 0, buf, sizeof(buf), &bin, &ack), -EINVAL);
}

Test(session, bybit_auth_then_order_execution)
{
	struct ose_session_cfg cfg = { .api_key = "bybitkey", .api_secret = "bybitsecret",
				       .now_ms = 1662350390000, .req_id = 41 };
	expect(ose_bybit_session, &cfg, 0,
	       "{\"req_id\":\"41\",\"op\":\"auth\",\"args\":[\"bybitkey\",1662350400000,"
	       "\"ced2cebce7b43334d98d1198a053067e7f49c12174ff9508023be5de5a089e22\"]}", 1);
	expect(ose_bybit_session, &cfg, 1,
	       "{\"req_id\":\"42\",\"op\":\"subscribe\",\"args\":[\"order\",\"execution\"]}", 0);
	expect_end(ose_bybit_session, &cfg, 2);
}

Test(session, gate_signed_subscribes)
{
	struct ose_session_cfg cfg = { .api_key = "gatekey", .api_secret = "gatesecret",
				       .now_ms = 1694655225999, .req_id = 100 };
	expect(ose_gate_session, &cfg, 0,
	       "{\"time\":1694655225,\"id\":100,\"channel\":\"spot.orders\",\"event\":\"subscribe\","
	       "\"payload\":[\"!all\"],\"auth\":{\"method\":\"api_key\",\"KEY\":\"gatekey\",\"SIGN\":\""
	       "bbf17ce46e6ca0533f1b40f763409975e463afd883673d43ecd42357be9dd0cdbbe1038d44b7f307509b32af8d4e635bf38f783756e7e3dce87997dfda9323a2\"}}", 0);
	expect(ose_gate_session, &cfg, 1,
	       "{\"time\":1694655225,\"id\":101,\"channel\":\"spot.usertrades\",\"event\":\"subscribe\","
	       "\"payload\":[\"!all\"],\"auth\":{\"method\":\"api_key\",\"KEY\":\"gatekey\",\"SIGN\":\""
	       "1650c091ee7dcd6d236db27e94437c78b74ebec87d9c797db1d879fa63dcb12ae9837f30bfef49346b1f052661ec91f37c458fb98eda5a9a410d8472a9a140e4\"}}", 0);
	expect_end(ose_gate_session, &cfg, 2);
}

Test(session, mexc_subscribe_pb_channels)
{
	struct ose_session_cfg cfg = { .listen_key = "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1" };
	expect(ose_mexc_session, &cfg, 0,
	       "{\"method\":\"SUBSCRIPTION\",\"params\":[\"spot@private.orders.v3.api.pb\","
	       "\"spot@private.deals.v3.api.pb\"]}", 0);
	expect_end(ose_mexc_session, &cfg, 1);
}

static const char cdp_ed[] =
	"gkRha0YGuEAKZv0O/L6prxYR/SVA6XWzgIsgAH2bz24ZQgq/11KlZcFWJenabq8AhvxAwUlgGDIURCwUmWqADQ==";

/* Coinbase: the JWT's nonce is random, so check the frame field by field
 * and re-sign with the nonce it carries: EdDSA is deterministic, so the
 * same JWT must come out. */
Test(session, coinbase_user_then_heartbeats_jwt)
{
	struct ose_session_cfg cfg = { .api_key = "organizations/org-1/apiKeys/key-1",
				       .api_secret = cdp_ed, .now_ms = 1700000000500 };
	const char *chan[2] = { "user", "heartbeats" };
	for (unsigned step = 0; step < 2; step++) {
		char buf[2048], pre[64];
		int bin, ack;
		int n = build(ose_coinbase_session, &cfg, step, buf, sizeof(buf), &bin, &ack);
		cr_assert_gt(n, 0);
		cr_assert_eq(ack, 0);
		cr_assert_eq(bin, 0);
		int pl = snprintf(pre, sizeof(pre), "{\"type\":\"subscribe\",\"channel\":\"%s\",\"jwt\":\"", chan[step]);
		cr_assert_eq(strncmp(buf, pre, (size_t)pl), 0, "%s", buf);
		cr_assert_eq(strcmp(buf + n - 2, "\"}"), 0);
		char jwt[2048];
		size_t jl = (size_t)n - (size_t)pl - 2;
		memcpy(jwt, buf + pl, jl);
		jwt[jl] = 0;
		/* Decode the base64url header and pull the nonce out of it. */
		char *dot = strchr(jwt, '.');
		cr_assert_not_null(dot);
		char hdr[512];
		size_t hl = (size_t)(dot - jwt);
		for (size_t i = 0; i < hl; i++)
			hdr[i] = jwt[i] == '-' ? '+' : jwt[i] == '_' ? '/' : jwt[i];
		while (hl % 4)
			hdr[hl++] = '=';
		hdr[hl] = 0;
		unsigned char dec[512];
		size_t dl = 0;
		{
			static const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
			unsigned acc = 0;
			int bits = 0;
			for (size_t i = 0; i < hl && hdr[i] != '='; i++) {
				acc = (acc << 6) | (unsigned)(strchr(tab, hdr[i]) - tab);
				bits += 6;
				if (bits >= 8) {
					bits -= 8;
					dec[dl++] = (unsigned char)(acc >> bits);
				}
			}
			dec[dl] = 0;
		}
		const char *np = strstr((char *)dec, "\"nonce\":\"");
		cr_assert_not_null(np, "%s", dec);
		char nonce[33];
		memcpy(nonce, np + 9, 32);
		nonce[32] = 0;
		cr_assert_str_eq((char *)dec + (np - (char *)dec) + 9 + 32, "\",\"typ\":\"JWT\"}");
		cr_assert_eq(strncmp((char *)dec, "{\"alg\":\"EdDSA\",\"kid\":\"organizations/org-1/apiKeys/key-1\",", 56), 0);

		struct ose_sign_key key;
		char again[2048];
		cr_assert_eq(ose_sign_key_load(cdp_ed, strlen(cdp_ed), &key), 0);
		int m = ose_sign_jwt_cdp(&key, cfg.api_key, 1700000000, nonce, NULL, again, sizeof(again));
		cr_assert_eq(m, (int)jl);
		cr_assert_str_eq(again, jwt);
	}
	char buf[64];
	int bin, ack;
	cr_assert_eq(build(ose_coinbase_session, &cfg, 2, buf, sizeof(buf), &bin, &ack), 0);
	cfg.api_secret = "not a key";
	cr_assert_eq(build(ose_coinbase_session, &cfg, 0, buf, sizeof(buf), &bin, &ack), -EINVAL);
}

Test(session, missing_or_unsafe_credentials)
{
	ose_adapter_session_fn fns[] = { ose_binance_session, ose_okx_session, ose_bybit_session,
					 ose_gate_session, ose_coinbase_session };
	struct ose_session_cfg bad[] = {
		{ .api_key = NULL, .api_secret = "s", .passphrase = "p", .now_ms = 1 },
		{ .api_key = "k", .api_secret = NULL, .passphrase = "p", .now_ms = 1 },
		{ .api_key = "k\"", .api_secret = "s", .passphrase = "p", .now_ms = 1 },
		{ .api_key = "", .api_secret = "s", .passphrase = "p", .now_ms = 1 },
	};
	char buf[2048];
	int bin, ack;
	for (size_t f = 0; f < sizeof(fns) / sizeof(fns[0]); f++) {
		for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++)
			cr_assert_eq(build(fns[f], &bad[b], 0, buf, sizeof(buf), &bin, &ack), -EINVAL,
				     "fn %zu cfg %zu", f, b);
		cr_assert_eq(fns[f](NULL, 0, buf, sizeof(buf), &bin, &ack), -EINVAL);
	}
}

Test(session, app_pings)
{
	char buf[128];
	cr_assert_eq(ose_okx_ping(0, buf, sizeof(buf)), 4);
	cr_assert_str_eq(buf, "ping");
	cr_assert_eq(ose_okx_ping(1, buf, sizeof(buf)), 4);
	cr_assert_str_eq(buf, "pong");
	cr_assert_eq(ose_bybit_ping(0, buf, sizeof(buf)), 13);
	cr_assert_str_eq(buf, "{\"op\":\"ping\"}");
	cr_assert_eq(ose_mexc_ping(0, buf, sizeof(buf)), 17);
	cr_assert_str_eq(buf, "{\"method\":\"PING\"}");
	cr_assert_eq(ose_binance_ping(0, buf, sizeof(buf)), 0);
	cr_assert_eq(ose_coinbase_ping(0, buf, sizeof(buf)), 0);
	int n = ose_gate_ping(0, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	cr_assert_eq(strncmp(buf, "{\"time\":", 8), 0);
	cr_assert_str_eq(buf + n - 23, ",\"channel\":\"spot.ping\"}");
	cr_assert_eq(ose_gate_ping(1, buf, sizeof(buf)), 0);
	cr_assert_eq(ose_okx_ping(0, buf, 4), -ENOSPC);
	cr_assert_eq(ose_mexc_ping(0, buf, 17), -ENOSPC);
}

/* Trap 23: each venue's own app-level ping (checked above in app_pings);
 * here the venues that must not get one. */
Test(session, trap23_app_ping_only_where_the_venue_wants_it)
{
	char buf[64];
	cr_assert_eq(ose_binance_ping(0, buf, sizeof(buf)), 0);
	cr_assert_eq(ose_coinbase_ping(0, buf, sizeof(buf)), 0);
	cr_assert_eq(ose_okx_ping(0, buf, sizeof(buf)), 4); /* text, not JSON */
	cr_assert_neq(buf[0], '{');
}
