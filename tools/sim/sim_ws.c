/* SPDX-License-Identifier: MIT */
/*
 * RFC 6455, server side: the handshake key, unmasked frame headers for what
 * the server sends, and a parser for the masked frames a client sends.
 */
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hash.h>

#include "tools/sim/sim.h"

size_t sim_b64_encode(const uint8_t *in, size_t n, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0, i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = tab[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = 0;
	return o;
}

/* Sec-WebSocket-Accept = base64(SHA-1(key + GUID)), 28 chars + NUL. */
void sim_ws_accept_key(const char *key, size_t key_len, char out[29])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	uint8_t buf[128 + sizeof(guid)];
	uint8_t dig[WC_SHA_DIGEST_SIZE];

	if (key_len > 128)
		key_len = 128;
	memcpy(buf, key, key_len);
	memcpy(buf + key_len, guid, sizeof(guid) - 1);
	wc_ShaHash(buf, (word32)(key_len + sizeof(guid) - 1), dig);
	sim_b64_encode(dig, sizeof(dig), out);
}

size_t sim_ws_header(uint8_t *h, int fin, int opcode, uint64_t len)
{
	h[0] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 15));
	if (len < 126) {
		h[1] = (uint8_t)len;
		return 2;
	}
	if (len <= 0xffff) {
		h[1] = 126;
		h[2] = (uint8_t)(len >> 8);
		h[3] = (uint8_t)len;
		return 4;
	}
	h[1] = 127;
	for (int i = 0; i < 8; i++)
		h[2 + i] = (uint8_t)(len >> (56 - 8 * i));
	return 10;
}

long sim_ws_parse(uint8_t *buf, size_t len, size_t max, int *fin, int *opcode,
		  uint8_t **payload, size_t *plen)
{
	if (len < 2)
		return 0;
	if (buf[0] & 0x70)
		return -1; /* RSV bits: no extension was negotiated */
	if (!(buf[1] & 0x80))
		return -1; /* clients must mask (RFC 6455 5.1) */
	*fin = buf[0] >> 7;
	*opcode = buf[0] & 15;
	uint64_t n = buf[1] & 127;
	size_t hl = 2;
	if (n == 126) {
		if (len < 4)
			return 0;
		n = (uint64_t)buf[2] << 8 | buf[3];
		hl = 4;
	} else if (n == 127) {
		if (len < 10)
			return 0;
		n = 0;
		for (int i = 0; i < 8; i++)
			n = n << 8 | buf[2 + i];
		hl = 10;
	}
	if ((*opcode & 8) && (n > 125 || !*fin))
		return -1; /* control frames are short and never fragmented */
	if (n > max)
		return -1;
	if (len < hl + 4 + n)
		return 0;
	uint8_t *mask = buf + hl;
	uint8_t *p = buf + hl + 4;
	for (size_t i = 0; i < n; i++)
		p[i] ^= mask[i & 3];
	*payload = p;
	*plen = (size_t)n;
	return (long)(hl + 4 + n);
}
