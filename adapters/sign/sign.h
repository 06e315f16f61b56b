/* SPDX-License-Identifier: MIT */
/*
 * Request signing for the six venues (wolfCrypt underneath).
 *
 *   hex HMAC-SHA256     Binance HMAC keys, Bybit, MEXC REST
 *   hex HMAC-SHA512     Gate (WS subscribe auth and REST)
 *   base64 HMAC-SHA256  OKX login and REST
 *   base64 Ed25519      Binance Ed25519 keys (WS API session.logon, FIX)
 *   JWT ES256 / EdDSA   Coinbase Advanced Trade (CDP keys), 2-minute life
 *
 * Every function writes into a caller-provided buffer, NUL-terminates it,
 * and returns the length written (excluding the NUL) or a negative errno:
 *   -EINVAL  a NULL argument, or key text that is not a key we read
 *   -ENOSPC  cap too small (nothing useful is left in out)
 *   -EIO     wolfCrypt refused (its error code is not exposed: it may
 *            describe key material)
 * Nothing here prints, logs or keeps a secret: key bytes that pass
 * through the stack are wiped before return.  The functions are
 * reentrant; the JWT signer creates a wolfCrypt RNG per call (cold path:
 * one call per subscribe message).
 */
#ifndef OSE_ADAPTERS_SIGN_SIGN_H
#define OSE_ADAPTERS_SIGN_SIGN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Output lengths, excluding the NUL. */
#define OSE_SIGN_HEX_SHA256_LEN 64
#define OSE_SIGN_HEX_SHA512_LEN 128
#define OSE_SIGN_B64_SHA256_LEN 44
#define OSE_SIGN_B64_ED25519_LEN 88

/* Lower-case hex HMAC-SHA256 / HMAC-SHA512 of msg under key. */
int ose_sign_hmac_sha256_hex(const void *key, size_t klen, const void *msg, size_t mlen,
			     char *out, size_t cap);
int ose_sign_hmac_sha512_hex(const void *key, size_t klen, const void *msg, size_t mlen,
			     char *out, size_t cap);
/* Standard base64 (with padding) of HMAC-SHA256: OKX. */
int ose_sign_hmac_sha256_b64(const void *key, size_t klen, const void *msg, size_t mlen,
			     char *out, size_t cap);
/* Lower-case hex SHA-512 of msg (Gate REST hashes the body). */
int ose_sign_sha512_hex(const void *msg, size_t mlen, char *out, size_t cap);

/* Base64 of in[0..n): standard alphabet with '=' padding, or base64url
 * without padding (url != 0, JWT). */
int ose_sign_b64(const void *in, size_t n, int url, char *out, size_t cap);

/*
 * A private key for asymmetric signing, decoded from text once.
 * kind says which algorithm; d holds the Ed25519 seed or the P-256
 * private scalar (big-endian).  Wipe it with ose_sign_key_wipe.
 */
enum ose_sign_key_kind { OSE_KEY_NONE = 0, OSE_KEY_ED25519 = 1, OSE_KEY_P256 = 2 };
struct ose_sign_key {
	enum ose_sign_key_kind kind;
	uint8_t d[32];
};

/*
 * Decode key text into *key.  Accepted forms:
 *   - PEM "-----BEGIN PRIVATE KEY-----" (PKCS#8) holding Ed25519 or
 *     P-256, or "-----BEGIN EC PRIVATE KEY-----" (SEC1, P-256; what
 *     Coinbase CDP hands out).  Literal "\n" escapes (keys pasted from
 *     JSON) are read as newlines.
 *   - base64 of the PKCS#8 Ed25519 DER (48 bytes; Binance's example key).
 *   - base64 of a raw 32-byte Ed25519 seed, or of 64 bytes seed||public
 *     (Coinbase CDP Ed25519 secrets): the first 32 bytes are the seed.
 * Returns 0, or -EINVAL (not a key we read; *key is then OSE_KEY_NONE).
 */
int ose_sign_key_load(const char *text, size_t len, struct ose_sign_key *key);
void ose_sign_key_wipe(struct ose_sign_key *key);

/* Base64 Ed25519 signature (88 characters) of msg. */
int ose_sign_ed25519_b64(const struct ose_sign_key *key, const void *msg, size_t mlen,
			 char *out, size_t cap);

/*
 * Coinbase CDP JWT: base64url(header).base64url(claims).base64url(sig)
 *   header {"alg":"ES256"|"EdDSA","kid":<key_name>,"nonce":<nonce>,"typ":"JWT"}
 *   claims {"sub":<key_name>,"iss":"cdp","nbf":<now_s>,"exp":<now_s+120>
 *           [,"uri":<uri>]}
 * (the cb-sdk's key order).  ES256 signatures are raw r||s (64 bytes), as
 * JWS wants, not DER.  nonce: NULL draws 16 random bytes as 32 hex
 * characters (what the venue expects per message); tests pass a fixed one.
 * key_name, nonce and uri must not contain '"' or '\\' (-EINVAL).
 */
int ose_sign_jwt_cdp(const struct ose_sign_key *key, const char *key_name, int64_t now_s,
		     const char *nonce, const char *uri, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* OSE_ADAPTERS_SIGN_SIGN_H */
