/* SPDX-License-Identifier: MIT */
/*
 * Request signing with wolfCrypt: see sign.h for the contract.
 *
 * Everything here is cold path (one call per login/subscribe or REST
 * request), so clarity beats speed: the HMAC context lives on the stack,
 * the JWT path creates its RNG per call.  Secrets are wiped with
 * explicit_bzero before every return, including the error paths.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <wolfssl/wolfcrypt/sha512.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/coding.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "adapters/sign/sign.h"

static const char hexdig[] = "0123456789abcdef";

static void to_hex(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdig[in[i] >> 4];
		out[2 * i + 1] = hexdig[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* HMAC of msg into mac[]; returns the digest size or -errno. */
static int hmac(int type, const void *key, size_t klen, const void *msg, size_t mlen,
		uint8_t mac[WC_SHA512_DIGEST_SIZE])
{
	Hmac h;
	int size = type == WC_SHA256 ? WC_SHA256_DIGEST_SIZE : WC_SHA512_DIGEST_SIZE;
	int rc = -EIO;

	if ((!key && klen) || (!msg && mlen) || klen > UINT32_MAX || mlen > UINT32_MAX)
		return -EINVAL;
	if (wc_HmacInit(&h, NULL, INVALID_DEVID) != 0)
		return -EIO;
	/* wolfCrypt wants a non-NULL key pointer even for an empty key. */
	if (wc_HmacSetKey(&h, type, key ? key : (const void *)"", (word32)klen) == 0 &&
	    wc_HmacUpdate(&h, msg ? msg : (const void *)"", (word32)mlen) == 0 &&
	    wc_HmacFinal(&h, mac) == 0)
		rc = size;
	wc_HmacFree(&h);
	/* The context holds the padded key (ipad/opad): wipe it. */
	explicit_bzero(&h, sizeof(h));
	return rc;
}

static int hmac_hex(int type, const void *key, size_t klen, const void *msg, size_t mlen,
		    char *out, size_t cap)
{
	uint8_t mac[WC_SHA512_DIGEST_SIZE];
	int n;

	if (!out)
		return -EINVAL;
	n = hmac(type, key, klen, msg, mlen, mac);
	if (n < 0)
		return n;
	if (cap < (size_t)n * 2 + 1) {
		explicit_bzero(mac, sizeof(mac));
		return -ENOSPC;
	}
	to_hex(mac, (size_t)n, out);
	explicit_bzero(mac, sizeof(mac));
	return n * 2;
}

int ose_sign_hmac_sha256_hex(const void *key, size_t klen, const void *msg, size_t mlen,
			     char *out, size_t cap)
{
	return hmac_hex(WC_SHA256, key, klen, msg, mlen, out, cap);
}

int ose_sign_hmac_sha512_hex(const void *key, size_t klen, const void *msg, size_t mlen,
			     char *out, size_t cap)
{
	return hmac_hex(WC_SHA512, key, klen, msg, mlen, out, cap);
}

int ose_sign_hmac_sha256_b64(const void *key, size_t klen, const void *msg, size_t mlen,
			     char *out, size_t cap)
{
	uint8_t mac[WC_SHA512_DIGEST_SIZE];
	int n, rc;

	if (!out)
		return -EINVAL;
	n = hmac(WC_SHA256, key, klen, msg, mlen, mac);
	if (n < 0)
		return n;
	rc = ose_sign_b64(mac, (size_t)n, 0, out, cap);
	explicit_bzero(mac, sizeof(mac));
	return rc;
}

int ose_sign_sha512_hex(const void *msg, size_t mlen, char *out, size_t cap)
{
	uint8_t dig[WC_SHA512_DIGEST_SIZE];

	if (!out || (!msg && mlen) || mlen > UINT32_MAX)
		return -EINVAL;
	if (cap < 2 * WC_SHA512_DIGEST_SIZE + 1)
		return -ENOSPC;
	if (wc_Sha512Hash(msg ? msg : (const void *)"", (word32)mlen, dig) != 0)
		return -EIO;
	to_hex(dig, sizeof(dig), out);
	return 2 * WC_SHA512_DIGEST_SIZE;
}

int ose_sign_b64(const void *in, size_t n, int url, char *out, size_t cap)
{
	word32 olen;
	size_t need = (n + 2) / 3 * 4; /* padded length */

	if (!out || (!in && n) || n > UINT32_MAX / 2)
		return -EINVAL;
	/* Base64_Encode_NoNl wants room for its own NUL. */
	if (cap < need + 1)
		return -ENOSPC;
	if (n == 0) {
		out[0] = '\0';
		return 0;
	}
	olen = (word32)cap;
	if (Base64_Encode_NoNl(in, (word32)n, (byte *)out, &olen) != 0 || olen > need)
		return -EIO;
	out[olen] = '\0';
	if (url) {
		/* RFC 7515 base64url: '+' -> '-', '/' -> '_', no padding. */
		while (olen && out[olen - 1] == '=')
			out[--olen] = '\0';
		for (word32 i = 0; i < olen; i++) {
			if (out[i] == '+')
				out[i] = '-';
			else if (out[i] == '/')
				out[i] = '_';
		}
	}
	return (int)olen;
}

/* ---- keys ---------------------------------------------------------- */

static const uint8_t pkcs8_ed25519_prefix[16] = {
	0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
	0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
};

static int is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=';
}

/*
 * Copy the base64 characters of text[0..len) into b64 (skipping
 * whitespace and literal "\n" escapes); with pem != 0 only the body
 * between the BEGIN and END lines.  Returns the count or -EINVAL.
 */
static int b64_body(const char *text, size_t len, int pem, char *b64, size_t cap)
{
	size_t i = 0, n = 0;

	if (pem) {
		/* Skip "-----BEGIN ...-----". */
		const char *p = memchr(text + 5, '-', len - 5);
		if (!p)
			return -EINVAL;
		i = (size_t)(p - text);
		while (i < len && text[i] == '-')
			i++;
	}
	for (; i < len; i++) {
		char c = text[i];
		if (c == '-')
			break; /* "-----END" */
		if (c == '\\' && i + 1 < len && text[i + 1] == 'n') {
			i++;
			continue;
		}
		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (!is_b64(c) || n + 1 >= cap)
			return -EINVAL;
		b64[n++] = c;
	}
	if (pem && i == len)
		return -EINVAL; /* no END line */
	return (int)n;
}

/* P-256 private scalar from SEC1 or PKCS#8 DER. */
static int load_p256(const uint8_t *der, word32 n, struct ose_sign_key *key)
{
	ecc_key k;
	word32 idx = 0, dlen = sizeof(key->d);
	int rc = -EINVAL;

	if (wc_ecc_init(&k) != 0)
		return -EIO;
	if (wc_EccPrivateKeyDecode(der, &idx, &k, n) == 0 && k.dp &&
	    k.dp->id == ECC_SECP256R1 && wc_ecc_export_private_only(&k, key->d, &dlen) == 0 &&
	    dlen <= sizeof(key->d)) {
		/* Left-pad a short scalar to 32 bytes. */
		if (dlen < sizeof(key->d)) {
			memmove(key->d + sizeof(key->d) - dlen, key->d, dlen);
			memset(key->d, 0, sizeof(key->d) - dlen);
		}
		key->kind = OSE_KEY_P256;
		rc = 0;
	}
	wc_ecc_free(&k);
	explicit_bzero(&k, sizeof(k));
	return rc;
}

int ose_sign_key_load(const char *text, size_t len, struct ose_sign_key *key)
{
	char b64[1024];
	uint8_t der[768];
	word32 dlen = sizeof(der);
	int pem, n, rc = -EINVAL;

	if (!key)
		return -EINVAL;
	memset(key, 0, sizeof(*key));
	if (!text || len == 0 || len > 4096)
		return -EINVAL;
	pem = len > 10 && memcmp(text, "-----BEGIN", 10) == 0;
	n = b64_body(text, len, pem, b64, sizeof(b64));
	if (n <= 0 || n % 4 != 0)
		goto out;
	if (Base64_Decode((const byte *)b64, (word32)n, der, &dlen) != 0)
		goto out;
	if (dlen == 48 && memcmp(der, pkcs8_ed25519_prefix, 16) == 0) {
		memcpy(key->d, der + 16, 32);
		key->kind = OSE_KEY_ED25519;
		rc = 0;
	} else if (!pem && (dlen == 32 || dlen == 64)) {
		memcpy(key->d, der, 32);
		key->kind = OSE_KEY_ED25519;
		rc = 0;
	} else if (pem) {
		rc = load_p256(der, dlen, key);
	}
out:
	explicit_bzero(b64, sizeof(b64));
	explicit_bzero(der, sizeof(der));
	if (rc != 0)
		memset(key, 0, sizeof(*key));
	return rc;
}

void ose_sign_key_wipe(struct ose_sign_key *key)
{
	if (key)
		explicit_bzero(key, sizeof(*key));
}

/* Raw 64-byte Ed25519 signature. */
static int ed25519_sign(const struct ose_sign_key *key, const void *msg, size_t mlen,
			uint8_t sig[ED25519_SIG_SIZE])
{
	ed25519_key k;
	uint8_t pub[ED25519_PUB_KEY_SIZE];
	word32 slen = ED25519_SIG_SIZE;
	int rc = -EIO;

	if (mlen > UINT32_MAX)
		return -EINVAL;
	if (wc_ed25519_init(&k) != 0)
		return -EIO;
	/* Import the seed, derive the public half (signing hashes it in),
	 * then re-import both. */
	if (wc_ed25519_import_private_only(key->d, 32, &k) == 0 &&
	    wc_ed25519_make_public(&k, pub, sizeof(pub)) == 0 &&
	    wc_ed25519_import_private_key(key->d, 32, pub, sizeof(pub), &k) == 0 &&
	    wc_ed25519_sign_msg(msg ? msg : (const void *)"", (word32)mlen, sig, &slen, &k) == 0 &&
	    slen == ED25519_SIG_SIZE)
		rc = 0;
	wc_ed25519_free(&k);
	explicit_bzero(&k, sizeof(k));
	return rc;
}

int ose_sign_ed25519_b64(const struct ose_sign_key *key, const void *msg, size_t mlen,
			 char *out, size_t cap)
{
	uint8_t sig[ED25519_SIG_SIZE];
	int rc;

	if (!key || key->kind != OSE_KEY_ED25519 || !out || (!msg && mlen))
		return -EINVAL;
	if (cap < OSE_SIGN_B64_ED25519_LEN + 1)
		return -ENOSPC;
	rc = ed25519_sign(key, msg, mlen, sig);
	if (rc < 0)
		return rc;
	return ose_sign_b64(sig, sizeof(sig), 0, out, cap);
}

/* Raw r||s ES256 signature of msg. */
static int es256_sign(const struct ose_sign_key *key, const void *msg, size_t mlen,
		      uint8_t sig[64])
{
	uint8_t hash[WC_SHA256_DIGEST_SIZE], der[ECC_MAX_SIG_SIZE];
	uint8_t r[32], s[32];
	word32 dlen = sizeof(der), rlen = sizeof(r), slen = sizeof(s);
	ecc_key k;
	WC_RNG rng;
	int rc = -EIO;

	if (mlen > UINT32_MAX)
		return -EINVAL;
	if (wc_Sha256Hash(msg, (word32)mlen, hash) != 0)
		return -EIO;
	if (wc_InitRng(&rng) != 0)
		return -EIO;
	if (wc_ecc_init(&k) != 0) {
		wc_FreeRng(&rng);
		return -EIO;
	}
	if (wc_ecc_import_private_key_ex(key->d, 32, NULL, 0, &k, ECC_SECP256R1) == 0 &&
	    wc_ecc_set_rng(&k, &rng) == 0 &&
	    wc_ecc_sign_hash(hash, sizeof(hash), der, &dlen, &rng, &k) == 0 &&
	    wc_ecc_sig_to_rs(der, dlen, r, &rlen, s, &slen) == 0 && rlen <= 32 && slen <= 32) {
		/* JWS wants fixed-width big-endian halves. */
		memset(sig, 0, 64);
		memcpy(sig + 32 - rlen, r, rlen);
		memcpy(sig + 64 - slen, s, slen);
		rc = 0;
	}
	wc_ecc_free(&k);
	explicit_bzero(&k, sizeof(k));
	wc_FreeRng(&rng);
	return rc;
}

static int json_safe(const char *s)
{
	for (; *s; s++)
		if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
			return 0;
	return 1;
}

int ose_sign_jwt_cdp(const struct ose_sign_key *key, const char *key_name, int64_t now_s,
		     const char *nonce, const char *uri, char *out, size_t cap)
{
	char hdr[512], claims[768], nbuf[33];
	uint8_t sig[64];
	int hl, cl, n, pos, rc;
	const char *alg;

	if (!key || !key_name || !out || !json_safe(key_name) || (nonce && !json_safe(nonce)) ||
	    (uri && !json_safe(uri)))
		return -EINVAL;
	if (key->kind == OSE_KEY_P256)
		alg = "ES256";
	else if (key->kind == OSE_KEY_ED25519)
		alg = "EdDSA";
	else
		return -EINVAL;
	if (!nonce) {
		uint8_t rnd[16];
		WC_RNG rng;
		if (wc_InitRng(&rng) != 0)
			return -EIO;
		rc = wc_RNG_GenerateBlock(&rng, rnd, sizeof(rnd));
		wc_FreeRng(&rng);
		if (rc != 0)
			return -EIO;
		to_hex(rnd, sizeof(rnd), nbuf);
		nonce = nbuf;
	}
	hl = snprintf(hdr, sizeof(hdr), "{\"alg\":\"%s\",\"kid\":\"%s\",\"nonce\":\"%s\",\"typ\":\"JWT\"}",
		      alg, key_name, nonce);
	if (hl < 0 || (size_t)hl >= sizeof(hdr))
		return -EINVAL;
	if (uri)
		cl = snprintf(claims, sizeof(claims),
			      "{\"sub\":\"%s\",\"iss\":\"cdp\",\"nbf\":%" PRId64 ",\"exp\":%" PRId64
			      ",\"uri\":\"%s\"}",
			      key_name, now_s, now_s + 120, uri);
	else
		cl = snprintf(claims, sizeof(claims),
			      "{\"sub\":\"%s\",\"iss\":\"cdp\",\"nbf\":%" PRId64 ",\"exp\":%" PRId64 "}",
			      key_name, now_s, now_s + 120);
	if (cl < 0 || (size_t)cl >= sizeof(claims))
		return -EINVAL;

	/* header "." claims is the signing input; build it in out. */
	n = ose_sign_b64(hdr, (size_t)hl, 1, out, cap);
	if (n < 0)
		return n;
	pos = n;
	if ((size_t)pos + 1 >= cap)
		return -ENOSPC;
	out[pos++] = '.';
	n = ose_sign_b64(claims, (size_t)cl, 1, out + pos, cap - (size_t)pos);
	if (n < 0)
		return n;
	pos += n;

	if (key->kind == OSE_KEY_P256)
		rc = es256_sign(key, out, (size_t)pos, sig);
	else
		rc = ed25519_sign(key, out, (size_t)pos, sig);
	if (rc < 0)
		return rc;
	if ((size_t)pos + 1 >= cap)
		return -ENOSPC;
	out[pos++] = '.';
	n = ose_sign_b64(sig, sizeof(sig), 1, out + pos, cap - (size_t)pos);
	if (n < 0)
		return n;
	return pos + n;
}
