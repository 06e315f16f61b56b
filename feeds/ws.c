/* SPDX-License-Identifier: MIT */
/*
 * RFC 6455 client codec.  See ws.h for the contract.
 *
 * The decoder is a small state machine: gather a frame header (fast path:
 * the whole header is in the input; slow path: byte by byte across
 * inputs), validate it, then gather the payload.  A complete unfragmented
 * data frame that sits wholly in the input is returned in place (zero
 * copy: the common case once TLS hands over whole records); everything else
 * is copied into the caller's reassembly buffer, whose size is the maximum
 * message size.  Nothing here allocates.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/coding.h>
#include <wolfssl/wolfcrypt/hash.h>
#include <wolfssl/wolfcrypt/sha.h>

#include "feeds/ws.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Head of a handshake response must fit in this much. */
#define OSE_WS_HS_MAX 16384

void ose_ws_dec_init(struct ose_ws_dec *d, uint8_t *buf, size_t max_msg)
{
	memset(d, 0, sizeof(*d));
	d->msg = buf;
	d->max_msg = max_msg;
}

void ose_ws_dec_reset(struct ose_ws_dec *d)
{
	uint8_t *buf = d->msg;
	size_t max = d->max_msg;
	uint64_t frames = d->frames;
	uint8_t skip = d->skip_utf8;

	ose_ws_dec_init(d, buf, max);
	d->frames = frames;
	d->skip_utf8 = skip;
}

void ose_ws_dec_skip_utf8(struct ose_ws_dec *d, int skip)
{
	d->skip_utf8 = skip != 0;
}

/* Header length implied by its first two bytes: 2, 4 or 10, plus 4 if the
 * (forbidden, but still delimited) mask is present. */
static inline unsigned hdr_len(uint8_t b1)
{
	unsigned n = 2;
	unsigned l7 = b1 & 0x7f;

	if (l7 == 126)
		n += 2;
	else if (l7 == 127)
		n += 8;
	if (b1 & 0x80)
		n += 4;
	return n;
}

static inline int fail(struct ose_ws_dec *d, enum ose_ws_err e, uint16_t code)
{
	d->err = e;
	d->close_code = code;
	return -EPROTO;
}

static int valid_close_code(unsigned code)
{
	if (code >= 3000 && code <= 4999)
		return 1;
	if (code < 1000 || code > 1014)
		return 0;
	/* 1004 reserved; 1005/1006 never on the wire. */
	return code != 1004 && code != 1005 && code != 1006;
}

/* Validate a complete header h and set up the frame.  0 or -EPROTO. */
static int parse_header(struct ose_ws_dec *d, const uint8_t *h)
{
	uint8_t b0 = h[0], b1 = h[1];
	unsigned l7 = b1 & 0x7f;
	uint64_t len;
	uint8_t op = b0 & 0x0f;

	if (unlikely(b0 & 0x70))
		return fail(d, OSE_WS_ERR_RSV, OSE_WS_CLOSE_PROTOCOL);
	switch (op) {
	case OSE_WS_OP_CONT:
	case OSE_WS_OP_TEXT:
	case OSE_WS_OP_BINARY:
	case OSE_WS_OP_CLOSE:
	case OSE_WS_OP_PING:
	case OSE_WS_OP_PONG:
		break;
	default:
		return fail(d, OSE_WS_ERR_OPCODE, OSE_WS_CLOSE_PROTOCOL);
	}
	if (unlikely(b1 & 0x80))
		return fail(d, OSE_WS_ERR_MASKED, OSE_WS_CLOSE_PROTOCOL);
	if (l7 < 126) {
		len = l7;
	} else if (l7 == 126) {
		len = (uint64_t)h[2] << 8 | h[3];
	} else {
		len = 0;
		for (int i = 0; i < 8; i++)
			len = len << 8 | h[2 + i];
		if (unlikely(len >> 63))
			return fail(d, OSE_WS_ERR_LEN, OSE_WS_CLOSE_PROTOCOL);
	}
	d->op = op;
	d->fin = b0 >> 7;
	d->remain = len;
	d->frame_len = len;
	d->ctrl_len = 0;
	d->frames++;

	if (op & 0x8) {
		if (unlikely(!d->fin))
			return fail(d, OSE_WS_ERR_CTRL_FRAG, OSE_WS_CLOSE_PROTOCOL);
		if (unlikely(len > OSE_WS_CTRL_MAX))
			return fail(d, OSE_WS_ERR_CTRL_LEN, OSE_WS_CLOSE_PROTOCOL);
		return 0;
	}
	if (op == OSE_WS_OP_CONT) {
		if (unlikely(!d->msg_op))
			return fail(d, OSE_WS_ERR_CONT, OSE_WS_CLOSE_PROTOCOL);
	} else {
		if (unlikely(d->msg_op))
			return fail(d, OSE_WS_ERR_CONT, OSE_WS_CLOSE_PROTOCOL);
		d->msg_op = op;
		d->msg_len = 0;
		d->msg_frames = 0;
	}
	/* Refuse before buffering a byte of it: the length is announced. */
	if (unlikely(len > d->max_msg - d->msg_len))
		return fail(d, OSE_WS_ERR_TOO_BIG, OSE_WS_CLOSE_TOO_BIG);
	return 0;
}

/* A control frame is complete: fill ev.  0 or -EPROTO. */
static int finish_control(struct ose_ws_dec *d, const uint8_t *p, size_t len,
			  struct ose_ws_ev *ev)
{
	ev->payload = p;
	ev->len = len;
	switch (d->op) {
	case OSE_WS_OP_PING:
		ev->kind = OSE_WS_EV_PING;
		return 0;
	case OSE_WS_OP_PONG:
		ev->kind = OSE_WS_EV_PONG;
		return 0;
	default: /* close */
		break;
	}
	if (len == 0) {
		ev->close_code = OSE_WS_CLOSE_NO_STATUS;
	} else if (len == 1) {
		return fail(d, OSE_WS_ERR_CLOSE_PAYLOAD, OSE_WS_CLOSE_PROTOCOL);
	} else {
		unsigned code = (unsigned)p[0] << 8 | p[1];

		if (!valid_close_code(code))
			return fail(d, OSE_WS_ERR_CLOSE_PAYLOAD, OSE_WS_CLOSE_PROTOCOL);
		if (!ose_ws_utf8_valid(p + 2, len - 2))
			return fail(d, OSE_WS_ERR_UTF8, OSE_WS_CLOSE_INVALID_DATA);
		ev->close_code = (uint16_t)code;
	}
	ev->kind = OSE_WS_EV_CLOSE;
	return 0;
}

ssize_t ose_ws_decode(struct ose_ws_dec *d, const uint8_t *in, size_t len, struct ose_ws_ev *ev)
{
	size_t off = 0;

	ev->kind = OSE_WS_EV_NONE;
	ev->payload = NULL;
	ev->len = 0;
	ev->close_code = 0;
	ev->frames = 0;

	for (;;) {
		if (!d->in_payload) {
			const uint8_t *h;

			if (likely(d->hdr_have == 0 && len - off >= 2 &&
				   len - off >= hdr_len(in[off + 1]))) {
				/* Fast path: the whole header is here. */
				h = in + off;
				off += hdr_len(in[off + 1]);
			} else {
				unsigned need = OSE_WS_MAX_HDR;

				while (off < len) {
					d->hdr[d->hdr_have++] = in[off++];
					if (d->hdr_have >= 2) {
						need = hdr_len(d->hdr[1]);
						if (d->hdr_have == need)
							break;
					}
				}
				if (d->hdr_have < 2 || d->hdr_have < need)
					return (ssize_t)off;
				h = d->hdr;
				d->hdr_have = 0;
			}
			if (parse_header(d, h) < 0)
				return -EPROTO;
			d->in_payload = 1;
		}

		size_t avail = len - off;
		const uint8_t *p;
		size_t plen;

		if (d->op & 0x8) {
			if (d->ctrl_len == 0 && avail >= d->remain) {
				p = in + off;
				plen = (size_t)d->remain;
				off += plen;
				d->remain = 0;
			} else {
				size_t n = avail < d->remain ? avail : (size_t)d->remain;

				memcpy(d->ctrl + d->ctrl_len, in + off, n);
				d->ctrl_len += (uint8_t)n;
				off += n;
				d->remain -= n;
				if (d->remain)
					return (ssize_t)off;
				p = d->ctrl;
				plen = d->ctrl_len;
			}
			d->in_payload = 0;
			if (finish_control(d, p, plen, ev) < 0)
				return -EPROTO;
			return (ssize_t)off;
		}

		/* Data frame. */
		if (d->msg_len == 0 && d->fin && avail >= d->remain) {
			p = in + off; /* zero copy */
			plen = (size_t)d->remain;
			off += plen;
			d->remain = 0;
		} else {
			size_t n = avail < d->remain ? avail : (size_t)d->remain;

			memcpy(d->msg + d->msg_len, in + off, n);
			d->msg_len += n;
			off += n;
			d->remain -= n;
			if (d->remain)
				return (ssize_t)off;
			p = d->msg;
			plen = d->msg_len;
		}
		d->in_payload = 0;
		d->msg_frames++;
		if (!d->fin)
			continue; /* more fragments (or interleaved control frames) */

		uint8_t op = d->msg_op;

		ev->frames = d->msg_frames;
		d->msg_op = 0;
		d->msg_len = 0;
		d->msg_frames = 0;
		if (op == OSE_WS_OP_TEXT && !d->skip_utf8 && !ose_ws_utf8_valid(p, plen))
			return fail(d, OSE_WS_ERR_UTF8, OSE_WS_CLOSE_INVALID_DATA);
		ev->kind = op == OSE_WS_OP_TEXT ? OSE_WS_EV_TEXT : OSE_WS_EV_BINARY;
		ev->payload = p;
		ev->len = plen;
		return (ssize_t)off;
	}
}

void ose_ws_mask(uint8_t *p, size_t len, uint32_t key, size_t off)
{
	uint8_t k[4] = { (uint8_t)(key >> 24), (uint8_t)(key >> 16), (uint8_t)(key >> 8),
			 (uint8_t)key };
	size_t i = 0;

	/* Align the key to the start of p, then xor 8 bytes at a time. */
	uint8_t r[4];
	for (int j = 0; j < 4; j++)
		r[j] = k[(off + (size_t)j) & 3];
	uint64_t w8;
	uint8_t kb[8] = { r[0], r[1], r[2], r[3], r[0], r[1], r[2], r[3] };
	memcpy(&w8, kb, 8);
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		w ^= w8;
		memcpy(p + i, &w, 8);
	}
	for (; i < len; i++)
		p[i] ^= r[i & 3];
}

ssize_t ose_ws_encode(uint8_t *out, size_t cap, enum ose_ws_opcode op, const void *p, size_t len,
		      uint32_t mask_key)
{
	size_t h = 2;

	if ((op & 0x8) && len > OSE_WS_CTRL_MAX)
		return -EINVAL;
	if (len >= 126)
		h += len <= 0xffff ? 2 : 8;
	h += 4;
	if (cap < h || cap - h < len)
		return -ENOSPC;
	out[0] = (uint8_t)(0x80 | op);
	if (len < 126) {
		out[1] = (uint8_t)(0x80 | len);
	} else if (len <= 0xffff) {
		out[1] = 0x80 | 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
	} else {
		out[1] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			out[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	}
	out[h - 4] = (uint8_t)(mask_key >> 24);
	out[h - 3] = (uint8_t)(mask_key >> 16);
	out[h - 2] = (uint8_t)(mask_key >> 8);
	out[h - 1] = (uint8_t)mask_key;
	if (len)
		memcpy(out + h, p, len);
	ose_ws_mask(out + h, len, mask_key, 0);
	return (ssize_t)(h + len);
}

ssize_t ose_ws_encode_close(uint8_t *out, size_t cap, uint16_t code, const char *reason,
			    uint32_t mask_key)
{
	uint8_t pl[OSE_WS_CTRL_MAX];
	size_t rl = reason ? strlen(reason) : 0;

	if (rl > OSE_WS_CTRL_MAX - 2)
		rl = OSE_WS_CTRL_MAX - 2;
	pl[0] = (uint8_t)(code >> 8);
	pl[1] = (uint8_t)code;
	if (rl)
		memcpy(pl + 2, reason, rl);
	return ose_ws_encode(out, cap, OSE_WS_OP_CLOSE, pl, rl + 2, mask_key);
}

/*
 * UTF-8 check.  ASCII runs are skipped 16 bytes at a time with SSE2 where
 * the compiler targets it (every x86-64), 8 at a time with a 64-bit word
 * otherwise; multi-byte sequences are checked one by one against the
 * RFC 3629 table.  `simd` is a compile-time constant in each caller, so
 * the scalar twin (ose_ws_utf8_valid_scalar) is the same code without the
 * SSE2 loop and the tests compare the two.
 */
static inline int utf8_check(const uint8_t *s, size_t len, int simd)
{
	size_t i = 0;

	(void)simd;
	while (i < len) {
#ifdef __SSE2__
		if (simd) {
			/* 64 bytes per test: one movemask of four OR-ed loads
			 * halves the instructions of 16-byte steps on the
			 * all-ASCII JSON that is the common case. */
			while (i + 64 <= len) {
				const __m128i *q = (const __m128i *)(const void *)(s + i);
				__m128i v = _mm_or_si128(
					_mm_or_si128(_mm_loadu_si128(q), _mm_loadu_si128(q + 1)),
					_mm_or_si128(_mm_loadu_si128(q + 2), _mm_loadu_si128(q + 3)));
				if (_mm_movemask_epi8(v))
					break;
				i += 64;
			}
			while (i + 16 <= len) {
				__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
				if (_mm_movemask_epi8(v))
					break;
				i += 16;
			}
		}
#endif
		/* ASCII fast path: 8 bytes per step while no high bit is set. */
		while (i + 8 <= len) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i >= len)
			break;
		uint8_t c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c < 0xC2) /* stray continuation, or overlong 2-byte lead */
			return 0;
		if (c < 0xE0) {
			if (len - i < 2 || (s[i + 1] & 0xC0) != 0x80)
				return 0;
			i += 2;
			continue;
		}
		if (c < 0xF0) {
			uint8_t lo = c == 0xE0 ? 0xA0 : 0x80; /* overlong */
			uint8_t hi = c == 0xED ? 0x9F : 0xBF; /* surrogates */
			if (len - i < 3 || s[i + 1] < lo || s[i + 1] > hi ||
			    (s[i + 2] & 0xC0) != 0x80)
				return 0;
			i += 3;
			continue;
		}
		if (c < 0xF5) {
			uint8_t lo = c == 0xF0 ? 0x90 : 0x80; /* overlong */
			uint8_t hi = c == 0xF4 ? 0x8F : 0xBF; /* > U+10FFFF */
			if (len - i < 4 || s[i + 1] < lo || s[i + 1] > hi ||
			    (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80)
				return 0;
			i += 4;
			continue;
		}
		return 0;
	}
	return 1;
}

int ose_ws_utf8_valid(const uint8_t *s, size_t len)
{
	return utf8_check(s, len, 1);
}

int ose_ws_utf8_valid_scalar(const uint8_t *s, size_t len)
{
	return utf8_check(s, len, 0);
}

int ose_ws_make_key(const uint8_t nonce[16], char key_out[25])
{
	byte buf[32];
	word32 n = sizeof(buf);

	if (Base64_Encode_NoNl(nonce, 16, buf, &n) != 0 || n < 24)
		return -EINVAL;
	memcpy(key_out, buf, 24);
	key_out[24] = 0;
	return 0;
}

int ose_ws_accept_for(const char *key, char accept_out[29])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	char cat[128];
	size_t kl = strlen(key);
	byte sha[WC_SHA_DIGEST_SIZE];
	byte b64[40];
	word32 n = sizeof(b64);

	if (kl + sizeof(guid) > sizeof(cat))
		return -EINVAL;
	memcpy(cat, key, kl);
	memcpy(cat + kl, guid, sizeof(guid) - 1);
	if (wc_ShaHash((const byte *)cat, (word32)(kl + sizeof(guid) - 1), sha) != 0)
		return -EIO;
	if (Base64_Encode_NoNl(sha, sizeof(sha), b64, &n) != 0 || n < 28)
		return -EIO;
	memcpy(accept_out, b64, 28);
	accept_out[28] = 0;
	return 0;
}

ssize_t ose_ws_handshake_request(char *out, size_t cap, const char *host, const char *path,
				 const char *key)
{
	size_t n = 0;
	const char *parts[] = {
		"GET ", path, " HTTP/1.1\r\nHost: ", host,
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ", key,
		"\r\nSec-WebSocket-Version: 13\r\nUser-Agent: ose-feed\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		size_t l = strlen(parts[i]);
		if (cap - n <= l)
			return -ENOSPC;
		memcpy(out + n, parts[i], l);
		n += l;
	}
	out[n] = 0;
	return (ssize_t)n;
}

/* Does the comma-separated header value v[0..vl) contain token tok
 * (case-insensitive)? */
static int has_token(const char *v, size_t vl, const char *tok)
{
	size_t tl = strlen(tok);
	size_t i = 0;

	while (i < vl) {
		while (i < vl && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < vl && v[i] != ',')
			i++;
		size_t e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && strncasecmp(v + s, tok, tl) == 0)
			return 1;
	}
	return 0;
}

static ssize_t hs_fail(enum ose_ws_hs_err *err, enum ose_ws_hs_err e)
{
	*err = e;
	return -EPROTO;
}

ssize_t ose_ws_handshake_response(const char *in, size_t len, const char *accept,
				  enum ose_ws_hs_err *err, int *status)
{
	const char *end = NULL;
	size_t scan = len < OSE_WS_HS_MAX ? len : OSE_WS_HS_MAX;

	*err = OSE_WS_HS_OK;
	*status = 0;
	for (size_t i = 3; i < scan; i++) {
		if (in[i] == '\n' && in[i - 1] == '\r' && in[i - 2] == '\n' && in[i - 3] == '\r') {
			end = in + i + 1;
			break;
		}
	}
	if (!end) {
		if (len >= OSE_WS_HS_MAX)
			return hs_fail(err, OSE_WS_HS_TOO_LONG);
		/* Reject garbage early rather than waiting for 16 KiB of it. */
		if (len >= 5 && memcmp(in, "HTTP/", 5) != 0)
			return hs_fail(err, OSE_WS_HS_SYNTAX);
		return -EAGAIN;
	}
	if (end - in < 12 || memcmp(in, "HTTP/1.", 7) != 0 || in[8] != ' ' ||
	    in[9] < '0' || in[9] > '9' || in[10] < '0' || in[10] > '9' || in[11] < '0' ||
	    in[11] > '9')
		return hs_fail(err, OSE_WS_HS_SYNTAX);
	*status = (in[9] - '0') * 100 + (in[10] - '0') * 10 + (in[11] - '0');
	if (*status != 101)
		return hs_fail(err, OSE_WS_HS_STATUS);

	int up = 0, conn = 0, acc = 0;
	const char *p = (const char *)memchr(in, '\n', (size_t)(end - in)) + 1;

	while (p < end - 2) {
		const char *eol = (const char *)memchr(p, '\n', (size_t)(end - p));
		const char *le = eol;
		if (le > p && le[-1] == '\r')
			le--;
		const char *colon = (const char *)memchr(p, ':', (size_t)(le - p));
		if (!colon)
			return hs_fail(err, OSE_WS_HS_SYNTAX);
		size_t nl = (size_t)(colon - p);
		const char *v = colon + 1;
		while (v < le && (*v == ' ' || *v == '\t'))
			v++;
		const char *ve = le;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		size_t vl = (size_t)(ve - v);

#define HDR_IS(name) (nl == sizeof(name) - 1 && strncasecmp(p, name, nl) == 0)
		if (HDR_IS("upgrade")) {
			up = has_token(v, vl, "websocket");
		} else if (HDR_IS("connection")) {
			conn = has_token(v, vl, "upgrade");
		} else if (HDR_IS("sec-websocket-accept")) {
			acc = vl == strlen(accept) && memcmp(v, accept, vl) == 0;
			if (!acc)
				return hs_fail(err, OSE_WS_HS_ACCEPT);
		} else if (HDR_IS("sec-websocket-extensions") || HDR_IS("sec-websocket-protocol")) {
			if (vl)
				return hs_fail(err, OSE_WS_HS_EXTENSION);
		}
#undef HDR_IS
		p = eol + 1;
	}
	if (!up || !conn)
		return hs_fail(err, OSE_WS_HS_UPGRADE);
	if (!acc)
		return hs_fail(err, OSE_WS_HS_ACCEPT);
	return end - in;
}

const char *ose_ws_err_name(enum ose_ws_err e)
{
	static const char *const names[OSE_WS_ERR_COUNT] = {
		[OSE_WS_ERR_NONE] = "none",
		[OSE_WS_ERR_RSV] = "rsv",
		[OSE_WS_ERR_MASKED] = "masked",
		[OSE_WS_ERR_OPCODE] = "opcode",
		[OSE_WS_ERR_CTRL_LEN] = "ctrl_len",
		[OSE_WS_ERR_CTRL_FRAG] = "ctrl_frag",
		[OSE_WS_ERR_CONT] = "continuation",
		[OSE_WS_ERR_LEN] = "length",
		[OSE_WS_ERR_TOO_BIG] = "too_big",
		[OSE_WS_ERR_UTF8] = "utf8",
		[OSE_WS_ERR_CLOSE_PAYLOAD] = "close_payload",
	};
	return (unsigned)e < OSE_WS_ERR_COUNT ? names[e] : "unknown";
}

const char *ose_ws_hs_err_name(enum ose_ws_hs_err e)
{
	static const char *const names[OSE_WS_HS_COUNT] = {
		[OSE_WS_HS_OK] = "ok",
		[OSE_WS_HS_SYNTAX] = "syntax",
		[OSE_WS_HS_STATUS] = "status",
		[OSE_WS_HS_UPGRADE] = "upgrade",
		[OSE_WS_HS_ACCEPT] = "accept",
		[OSE_WS_HS_EXTENSION] = "extension",
		[OSE_WS_HS_TOO_LONG] = "too_long",
	};
	return (unsigned)e < OSE_WS_HS_COUNT ? names[e] : "unknown";
}
