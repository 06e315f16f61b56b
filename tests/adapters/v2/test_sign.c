/* SPDX-License-Identifier: MIT */
/*
 * Signing primitives against the reference's re-computed vectors
 * (exchange-formats.md §1.1, §1.6, §2.4, §3.2; trap 26: the published
 * wrong examples are not used) and RFC vectors.  Expected values for
 * venue recipes without a published vector were computed independently
 * with Python's hmac/hashlib and the cryptography package.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <wolfssl/wolfcrypt/coding.h>

#include "adapters/sign/sign.h"

#define S(lit) (lit), (sizeof(lit) - 1)

Test(sign, hmac_sha256_hex_binance_doc_vector)
{
	char out[65];
	const char *payload =
		"apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=52000.00"
		"&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC"
		"&timestamp=1645423376532&type=LIMIT";
	int n = ose_sign_hmac_sha256_hex(S("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"),
					 payload, strlen(payload), out, sizeof(out));
	cr_assert_eq(n, 64);
	cr_assert_str_eq(out, "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24");
}

/* Trap 26: MEXC's "Example 1" prints 323c96ab... for this payload; the
 * re-computed value is fd3e4e85...  We must produce the latter. */
Test(sign, trap26_mexc_doc_vectors)
{
	char out[65];
	const char *k = "45d0b3c26f2644f19bfb98b07741b2f5";
	const char *p1 = "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=11&recvWindow=5000&timestamp=1644489390087";
	const char *p2 = "symbol=BTCUSDT&side=BUY&type=LIMITquantity=1&price=11&recvWindow=5000&timestamp=1644489390087";
	cr_assert_eq(ose_sign_hmac_sha256_hex(k, strlen(k), p1, strlen(p1), out, sizeof(out)), 64);
	cr_assert_str_eq(out, "fd3e4e8543c5188531eb7279d68ae7d26a573d0fc5ab0d18eb692451654d837a");
	cr_assert_neq(strncmp(out, "323c96ab", 8), 0);
	cr_assert_eq(ose_sign_hmac_sha256_hex(k, strlen(k), p2, strlen(p2), out, sizeof(out)), 64);
	cr_assert_str_eq(out, "d1a676610ceb39174c8039b3f548357994b2a34139a8addd33baadba65684592");
}

/* Trap 26, second half: Binance's session.logon example signature is
 * the HMAC-SHA256 (hex) of apiKey=..&timestamp=.. under the doc's HMAC
 * secret, i.e. an HMAC value on an Ed25519-only method. */
Test(sign, trap26_binance_logon_example_is_hmac)
{
	char out[65];
	const char *p = "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&timestamp=1649729878532";
	cr_assert_eq(ose_sign_hmac_sha256_hex(S("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"),
					      p, strlen(p), out, sizeof(out)), 64);
	cr_assert_str_eq(out, "1cf54395b336b0a9727ef27d5d98987962bc47aca6e13fe978612d0adee066ed");
}

Test(sign, hmac_sha512_hex_gate_rest_vector)
{
	char body[129], sig[129], pre[512];
	cr_assert_eq(ose_sign_sha512_hex("", 0, body, sizeof(body)), 128);
	cr_assert_str_eq(body, "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
	int n = snprintf(pre, sizeof(pre), "GET\n/api/v4/futures/orders\ncontract=BTC_USD&status=finished&limit=50\n%s\n1541993715", body);
	cr_assert_eq(ose_sign_hmac_sha512_hex("secret", 6, pre, (size_t)n, sig, sizeof(sig)), 128);
	cr_assert_str_eq(sig, "55f84ea195d6fe57ce62464daaa7c3c02fa9d1dde954e4c898289c9a2407a3d6fb3faf24deff16790d726b66ac9f74526668b13bd01029199cc4fcc522418b8a");
}

/* RFC 4231 test case 2 ("Jefe"), both digests. */
Test(sign, hmac_rfc4231_case2)
{
	char o256[65], o512[129];
	cr_assert_eq(ose_sign_hmac_sha256_hex(S("Jefe"), S("what do ya want for nothing?"), o256, sizeof(o256)), 64);
	cr_assert_str_eq(o256, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	cr_assert_eq(ose_sign_hmac_sha512_hex(S("Jefe"), S("what do ya want for nothing?"), o512, sizeof(o512)), 128);
	cr_assert_str_eq(o512, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

/* OKX login recipe: base64 HMAC-SHA256 of <ts>GET/users/self/verify
 * (expected value from Python hmac). */
Test(sign, hmac_sha256_b64_okx_login)
{
	char out[64];
	cr_assert_eq(ose_sign_hmac_sha256_b64(S("okxsecret"), S("1538054050GET/users/self/verify"), out, sizeof(out)), 44);
	cr_assert_str_eq(out, "c7YnDHvQMLnNUDAWu13O+6hnD53BZZgwj6yeYObaD2E=");
}

Test(sign, short_buffers_are_enospc)
{
	char out[200];
	cr_assert_eq(ose_sign_hmac_sha256_hex(S("k"), S("m"), out, 64), -ENOSPC);
	cr_assert_eq(ose_sign_hmac_sha512_hex(S("k"), S("m"), out, 128), -ENOSPC);
	cr_assert_eq(ose_sign_hmac_sha256_b64(S("k"), S("m"), out, 44), -ENOSPC);
	cr_assert_eq(ose_sign_hmac_sha256_hex(S("k"), S("m"), NULL, 65), -EINVAL);
	cr_assert_eq(ose_sign_hmac_sha256_hex(NULL, 3, "m", 1, out, sizeof(out)), -EINVAL);
}

Test(sign, base64_and_base64url)
{
	char out[32];
	cr_assert_eq(ose_sign_b64("\xfb\xff", 2, 0, out, sizeof(out)), 4);
	cr_assert_str_eq(out, "+/8=");
	cr_assert_eq(ose_sign_b64("\xfb\xff", 2, 1, out, sizeof(out)), 3);
	cr_assert_str_eq(out, "-_8");
	cr_assert_eq(ose_sign_b64("", 0, 0, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "");
	cr_assert_eq(ose_sign_b64("abc", 3, 0, out, 4), -ENOSPC);
}

static const char binance_fix_key[] = "MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u";
static const char binance_fix_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u\n"
	"-----END PRIVATE KEY-----\n";
/* Same key as the CDP form: base64(seed || public). */
static const char binance_fix_cdp64[] =
	"gkRha0YGuEAKZv0O/L6prxYR/SVA6XWzgIsgAH2bz24ZQgq/11KlZcFWJenabq8AhvxAwUlgGDIURCwUmWqADQ==";

/* §1.6: the Binance FIX logon vector, re-computed by the reference. */
Test(sign, ed25519_binance_fix_vector)
{
	struct ose_sign_key key;
	char out[100];
	static const char payload[] = "A\x01" "EXAMPLE\x01" "SPOT\x01" "1\x01" "20240627-11:17:25.223";
	const char *want = "4MHXelVVcpkdwuLbl6n73HQUXUf1dse2PCgT1DYqW9w8AVZ1RACFGM+5UdlGPrQHrgtS3CvsRURC1oj73j8gCA==";

	cr_assert_eq(ose_sign_key_load(binance_fix_key, strlen(binance_fix_key), &key), 0);
	cr_assert_eq(key.kind, OSE_KEY_ED25519);
	cr_assert_eq(ose_sign_ed25519_b64(&key, payload, sizeof(payload) - 1, out, sizeof(out)), 88);
	cr_assert_str_eq(out, want);

	/* PEM and the 64-byte CDP form decode to the same key. */
	struct ose_sign_key k2, k3;
	cr_assert_eq(ose_sign_key_load(binance_fix_pem, strlen(binance_fix_pem), &k2), 0);
	cr_assert_eq(ose_sign_key_load(binance_fix_cdp64, strlen(binance_fix_cdp64), &k3), 0);
	cr_assert_eq(k2.kind, OSE_KEY_ED25519);
	cr_assert_eq(k3.kind, OSE_KEY_ED25519);
	cr_assert_eq(memcmp(key.d, k2.d, 32), 0);
	cr_assert_eq(memcmp(key.d, k3.d, 32), 0);
	ose_sign_key_wipe(&key);
	cr_assert_eq(key.kind, OSE_KEY_NONE);
}

Test(sign, key_load_rejects_garbage)
{
	struct ose_sign_key key;
	cr_assert_eq(ose_sign_key_load(S("not a key!"), &key), -EINVAL);
	cr_assert_eq(key.kind, OSE_KEY_NONE);
	cr_assert_eq(ose_sign_key_load(S("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"), &key), -EINVAL);
	cr_assert_eq(ose_sign_key_load(S("-----BEGIN PRIVATE KEY-----\nAAAA\n"), &key), -EINVAL);
	cr_assert_eq(ose_sign_key_load(S("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), &key), -EINVAL);
	cr_assert_eq(ose_sign_key_load(S("-----BEGIN"), &key), -EINVAL);
	char out[100];
	cr_assert_eq(ose_sign_ed25519_b64(&key, "x", 1, out, sizeof(out)), -EINVAL);
}

/* EdDSA JWT with a fixed nonce: byte-exact against PyJWT-style output
 * computed with Python (cryptography Ed25519). */
Test(sign, jwt_eddsa_exact)
{
	struct ose_sign_key key;
	char out[1024];
	const char *want =
		"eyJhbGciOiJFZERTQSIsImtpZCI6Im9yZ2FuaXphdGlvbnMvb3JnLTEvYXBpS2V5cy9rZXktMSIsIm5vbmNlIjoiMDAxMTIyMzM0NDU1NjY3Nzg4OTlhYWJiY2NkZGVlZmYiLCJ0eXAiOiJKV1QifQ"
		".eyJzdWIiOiJvcmdhbml6YXRpb25zL29yZy0xL2FwaUtleXMva2V5LTEiLCJpc3MiOiJjZHAiLCJuYmYiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMDEyMH0"
		".W7n3isSiHxwGIazhNtxo0IugSLEBPANsqN-ttjk-iZsni5wgbCBCH0xYUF6sG44khWlcRXJ4SQ3mjeU13y_GDA";
	cr_assert_eq(ose_sign_key_load(binance_fix_cdp64, strlen(binance_fix_cdp64), &key), 0);
	int n = ose_sign_jwt_cdp(&key, "organizations/org-1/apiKeys/key-1", 1700000000,
				 "00112233445566778899aabbccddeeff", NULL, out, sizeof(out));
	cr_assert_eq(n, (int)strlen(want));
	cr_assert_str_eq(out, want);
	cr_assert_eq(ose_sign_jwt_cdp(&key, "org", 1700000000, NULL, NULL, out, 40), -ENOSPC);
	cr_assert_eq(ose_sign_jwt_cdp(&key, "o\"rg", 1700000000, NULL, NULL, out, sizeof(out)), -EINVAL);
}

/* A throwaway P-256 test key (openssl ecparam -genkey), SEC1 PEM with
 * the literal "\n" escapes CDP JSON key files carry. */
static const char ec_pem_escaped[] =
	"-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEEIDMo12+kzYdwQBljRHXOPISkq8fd7+X3OytjCSgx2uaOoAoGCCqGSM49\\n"
	"AwEHoUQDQgAEuR9Rb+MV0p4YJD+Y3OStZlsDZvdhFCRkhm0y4j4OBTbHkKU+Kz6X\\n"
	"DRyWGJAZyoe7Hg7euSFSVQNxtH8XeZSVMg==\\n-----END EC PRIVATE KEY-----\\n";
static const char ec_pkcs8_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgMyjXb6TNh3BAGWNE\n"
	"dc48hKSrx93v5fc7K2MJKDHa5o6hRANCAAS5H1Fv4xXSnhgkP5jc5K1mWwNm92EU\n"
	"JGSGbTLiPg4FNseQpT4rPpcNHJYYkBnKh7seDt65IVJVA3G0fxd5lJUy\n"
	"-----END PRIVATE KEY-----\n";

static int b64url_dec(const char *s, size_t n, uint8_t *out, size_t cap)
{
	char tmp[2048];
	word32 olen = (word32)cap;
	size_t i;
	if (n + 4 > sizeof(tmp))
		return -1;
	for (i = 0; i < n; i++)
		tmp[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	while (i % 4)
		tmp[i++] = '=';
	if (Base64_Decode((const byte *)tmp, (word32)i, out, &olen) != 0)
		return -1;
	return (int)olen;
}

/* ES256: ECDSA is randomised, so check structure field by field and
 * verify the r||s signature with the public key. */
Test(sign, jwt_es256_verifies)
{
	struct ose_sign_key key, k2;
	char out[1024];
	cr_assert_eq(ose_sign_key_load(ec_pem_escaped, strlen(ec_pem_escaped), &key), 0);
	cr_assert_eq(key.kind, OSE_KEY_P256);
	cr_assert_eq(ose_sign_key_load(ec_pkcs8_pem, strlen(ec_pkcs8_pem), &k2), 0);
	cr_assert_eq(k2.kind, OSE_KEY_P256);
	cr_assert_eq(memcmp(key.d, k2.d, 32), 0);

	int n = ose_sign_jwt_cdp(&key, "organizations/o/apiKeys/k", 1700000000, NULL,
				 "GET api.coinbase.com/api/v3/brokerage/orders/historical/x", out, sizeof(out));
	cr_assert_gt(n, 0);
	char *d1 = strchr(out, '.');
	cr_assert_not_null(d1);
	char *d2 = strchr(d1 + 1, '.');
	cr_assert_not_null(d2);

	uint8_t buf[1024];
	int hl = b64url_dec(out, (size_t)(d1 - out), buf, sizeof(buf));
	cr_assert_gt(hl, 0);
	buf[hl] = 0;
	static const char hpre[] = "{\"alg\":\"ES256\",\"kid\":\"organizations/o/apiKeys/k\",\"nonce\":\"";
	cr_assert_eq(strncmp((char *)buf, hpre, sizeof(hpre) - 1), 0, "%s", buf);
	/* 32 hex nonce characters, then the type. */
	cr_assert_str_eq((char *)buf + sizeof(hpre) - 1 + 32, "\",\"typ\":\"JWT\"}");
	int cl = b64url_dec(d1 + 1, (size_t)(d2 - d1 - 1), buf, sizeof(buf));
	cr_assert_gt(cl, 0);
	buf[cl] = 0;
	cr_assert_str_eq((char *)buf, "{\"sub\":\"organizations/o/apiKeys/k\",\"iss\":\"cdp\",\"nbf\":1700000000,\"exp\":1700000120,"
				      "\"uri\":\"GET api.coinbase.com/api/v3/brokerage/orders/historical/x\"}");
	uint8_t sig[128];
	cr_assert_eq(b64url_dec(d2 + 1, strlen(d2 + 1), sig, sizeof(sig)), 64);

	uint8_t hash[32], der[128];
	word32 dlen = sizeof(der);
	int ok = 0;
	ecc_key ek;
	cr_assert_eq(wc_Sha256Hash((const byte *)out, (word32)(d2 - out), hash), 0);
	cr_assert_eq(wc_ecc_rs_raw_to_sig(sig, 32, sig + 32, 32, der, &dlen), 0);
	cr_assert_eq(wc_ecc_init(&ek), 0);
	cr_assert_eq(wc_ecc_import_private_key_ex(key.d, 32, NULL, 0, &ek, ECC_SECP256R1), 0);
	cr_assert_eq(wc_ecc_make_pub(&ek, NULL), 0);
	cr_assert_eq(wc_ecc_verify_hash(der, dlen, hash, 32, &ok, &ek), 0);
	cr_assert_eq(ok, 1);
	/* A flipped byte must not verify. */
	hash[0] ^= 1;
	cr_assert_eq(wc_ecc_verify_hash(der, dlen, hash, 32, &ok, &ek), 0);
	cr_assert_eq(ok, 0);
	wc_ecc_free(&ek);
}

/* Trap 27: the five signature encodings side by side, one message. */
Test(sign, trap27_encodings)
{
	char out[200];
	struct ose_sign_key key;
	cr_assert_eq(ose_sign_hmac_sha256_hex(S("k"), S("m"), out, sizeof(out)), 64);
	cr_assert_eq(strspn(out, "0123456789abcdef"), 64);
	cr_assert_eq(ose_sign_hmac_sha512_hex(S("k"), S("m"), out, sizeof(out)), 128);
	cr_assert_eq(strspn(out, "0123456789abcdef"), 128);
	cr_assert_eq(ose_sign_hmac_sha256_b64(S("k"), S("m"), out, sizeof(out)), 44);
	cr_assert_eq(out[43], '=');
	cr_assert_eq(ose_sign_key_load(binance_fix_key, strlen(binance_fix_key), &key), 0);
	cr_assert_eq(ose_sign_ed25519_b64(&key, "m", 1, out, sizeof(out)), 88);
	cr_assert_eq(strcmp(out + 86, "=="), 0);
}
