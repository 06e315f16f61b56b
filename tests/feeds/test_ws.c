/* SPDX-License-Identifier: MIT */
/*
 * RFC 6455 codec unit tests: frames split at every byte boundary, inputs
 * placed against a PROT_NONE guard page (picohttpparser style) so any
 * over-read crashes, fragmentation with interleaved control frames, and
 * every protocol error mapped to its close code.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "feeds/ws.h"

#define MAXMSG 4096

static uint8_t msgbuf[MAXMSG];

static uint64_t ose_ws_rand_for_test(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A server frame (unmasked unless mask != 0). */
static size_t srv_frame(uint8_t *out, int fin, int rsv, int op, const void *p, size_t len,
			int mask)
{
	size_t h = 0;

	out[h++] = (uint8_t)((fin ? 0x80 : 0) | (rsv << 4) | op);
	uint8_t mb = mask ? 0x80 : 0;
	if (len < 126) {
		out[h++] = (uint8_t)(mb | len);
	} else if (len <= 0xffff) {
		out[h++] = mb | 126;
		out[h++] = (uint8_t)(len >> 8);
		out[h++] = (uint8_t)len;
	} else {
		out[h++] = mb | 127;
		for (int i = 0; i < 8; i++)
			out[h++] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	}
	if (mask) {
		memcpy(out + h, "\x12\x34\x56\x78", 4);
		h += 4;
	}
	memcpy(out + h, p, len);
	if (mask)
		ose_ws_mask(out + h, len, 0x12345678, 0);
	return h + len;
}

/* Copy buf to the end of a page followed by a PROT_NONE page. */
struct guarded {
	uint8_t *map;
	size_t maplen;
	uint8_t *p;
};

static struct guarded guard(const uint8_t *buf, size_t len)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t pages = (len + (size_t)pg - 1) / (size_t)pg + 1;
	struct guarded g;

	g.maplen = (pages + 1) * (size_t)pg;
	g.map = mmap(NULL, g.maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert(g.map != MAP_FAILED);
	cr_assert(mprotect(g.map + pages * (size_t)pg, (size_t)pg, PROT_NONE) == 0);
	g.p = g.map + pages * (size_t)pg - len;
	memcpy(g.p, buf, len);
	return g;
}

static void unguard(struct guarded *g)
{
	munmap(g->map, g->maplen);
}

struct collected {
	int n;
	int kinds[16];
	char payload[16][MAXMSG + 1];
	size_t len[16];
	uint16_t code[16];
	int err;
	enum ose_ws_err why;
	uint16_t close_code;
};

/* Feed stream in chunks of `chunk` bytes (each chunk guarded). */
static void run(const uint8_t *stream, size_t len, size_t chunk, struct collected *c)
{
	struct ose_ws_dec d;

	memset(c, 0, sizeof(*c));
	ose_ws_dec_init(&d, msgbuf, MAXMSG);
	for (size_t off = 0; off < len && !c->err; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		struct guarded g = guard(stream + off, n);
		size_t pos = 0;

		while (pos < n) {
			struct ose_ws_ev ev;
			ssize_t r = ose_ws_decode(&d, g.p + pos, n - pos, &ev);

			if (r < 0) {
				c->err = (int)r;
				c->why = d.err;
				c->close_code = d.close_code;
				break;
			}
			cr_assert(r > 0 || ev.kind != OSE_WS_EV_NONE || n - pos == 0,
				  "no progress");
			pos += (size_t)r;
			if (ev.kind == OSE_WS_EV_NONE) {
				cr_assert_eq(pos, n, "NONE must mean all consumed");
				continue;
			}
			cr_assert(c->n < 16);
			c->kinds[c->n] = ev.kind;
			memcpy(c->payload[c->n], ev.payload, ev.len);
			c->payload[c->n][ev.len] = 0;
			c->len[c->n] = ev.len;
			c->code[c->n] = ev.close_code;
			c->n++;
		}
		unguard(&g);
	}
}

Test(ws, single_text_every_split)
{
	uint8_t s[64];
	size_t n = srv_frame(s, 1, 0, OSE_WS_OP_TEXT, "hello", 5, 0);

	for (size_t chunk = 1; chunk <= n; chunk++) {
		struct collected c;
		run(s, n, chunk, &c);
		cr_assert_eq(c.err, 0);
		cr_assert_eq(c.n, 1);
		cr_assert_eq(c.kinds[0], OSE_WS_EV_TEXT);
		cr_assert_str_eq(c.payload[0], "hello");
	}
}

Test(ws, lengths_16_and_64_bit)
{
	static uint8_t s[70000 + 64];
	static uint8_t p[70000];
	struct ose_ws_dec d;
	static uint8_t big[80000];

	memset(p, 'a', sizeof(p));
	size_t n = srv_frame(s, 1, 0, OSE_WS_OP_BINARY, p, 300, 0);
	cr_assert_eq(s[1], 126);
	struct collected c;
	run(s, n, 7, &c);
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.len[0], 300);
	cr_assert_eq(c.kinds[0], OSE_WS_EV_BINARY);

	n = srv_frame(s, 1, 0, OSE_WS_OP_BINARY, p, 70000, 0);
	cr_assert_eq(s[1], 127);
	ose_ws_dec_init(&d, big, sizeof(big));
	size_t pos = 0;
	int got = 0;
	while (pos < n) {
		struct ose_ws_ev ev;
		size_t step = n - pos < 1000 ? n - pos : 1000;
		ssize_t r = ose_ws_decode(&d, s + pos, step, &ev);
		cr_assert(r >= 0);
		pos += (size_t)r;
		if (ev.kind == OSE_WS_EV_BINARY) {
			cr_assert_eq(ev.len, 70000);
			cr_assert_eq(memcmp(ev.payload, p, 70000), 0);
			got++;
		}
	}
	cr_assert_eq(got, 1);
}

Test(ws, fragmented_with_interleaved_control)
{
	uint8_t s[256];
	size_t n = 0;

	n += srv_frame(s + n, 0, 0, OSE_WS_OP_TEXT, "Hel", 3, 0);
	n += srv_frame(s + n, 1, 0, OSE_WS_OP_PING, "p1", 2, 0);
	n += srv_frame(s + n, 0, 0, OSE_WS_OP_CONT, "lo, ", 4, 0);
	n += srv_frame(s + n, 1, 0, OSE_WS_OP_PONG, "", 0, 0);
	n += srv_frame(s + n, 1, 0, OSE_WS_OP_CONT, "w\xc3\xb6rld", 7, 0);
	n += srv_frame(s + n, 1, 0, OSE_WS_OP_BINARY, "\x00\x01\x02", 3, 0);
	n += srv_frame(s + n, 1, 0, OSE_WS_OP_CLOSE, "\x03\xe8" "bye", 5, 0);

	for (size_t chunk = 1; chunk <= n; chunk++) {
		struct collected c;
		run(s, n, chunk, &c);
		cr_assert_eq(c.err, 0, "chunk %zu", chunk);
		cr_assert_eq(c.n, 5);
		cr_assert_eq(c.kinds[0], OSE_WS_EV_PING);
		cr_assert_str_eq(c.payload[0], "p1");
		cr_assert_eq(c.kinds[1], OSE_WS_EV_PONG);
		cr_assert_eq(c.kinds[2], OSE_WS_EV_TEXT);
		cr_assert_str_eq(c.payload[2], "Hello, w\xc3\xb6rld");
		cr_assert_eq(c.kinds[3], OSE_WS_EV_BINARY);
		cr_assert_eq(c.len[3], 3);
		cr_assert_eq(c.kinds[4], OSE_WS_EV_CLOSE);
		cr_assert_eq(c.code[4], 1000);
	}
}

Test(ws, empty_close_is_1005)
{
	uint8_t s[8];
	size_t n = srv_frame(s, 1, 0, OSE_WS_OP_CLOSE, "", 0, 0);
	struct collected c;

	run(s, n, n, &c);
	cr_assert_eq(c.n, 1);
	cr_assert_eq(c.code[0], OSE_WS_CLOSE_NO_STATUS);
}

/* Protocol errors: each maps to its reason and close code. */
struct bad_case {
	int fin, rsv, op, mask;
	size_t len;
	char payload[160];
	int prefix_frag; /* send an unfinished text fragment first */
	enum ose_ws_err why;
	uint16_t code;
};

static struct bad_case bad_cases[] = {
	{ 1, 1, OSE_WS_OP_TEXT, 0, 1, "x", 0, OSE_WS_ERR_RSV, 1002 },
	{ 1, 4, OSE_WS_OP_BINARY, 0, 1, "x", 0, OSE_WS_ERR_RSV, 1002 },
	{ 1, 0, OSE_WS_OP_TEXT, 1, 2, "hi", 0, OSE_WS_ERR_MASKED, 1002 },
	{ 1, 0, 0x3, 0, 0, "", 0, OSE_WS_ERR_OPCODE, 1002 },
	{ 1, 0, 0xB, 0, 0, "", 0, OSE_WS_ERR_OPCODE, 1002 },
	{ 1, 0, OSE_WS_OP_PING, 0, 126, "", 0, OSE_WS_ERR_CTRL_LEN, 1002 },
	{ 0, 0, OSE_WS_OP_PING, 0, 1, "x", 0, OSE_WS_ERR_CTRL_FRAG, 1002 },
	{ 1, 0, OSE_WS_OP_CONT, 0, 1, "x", 0, OSE_WS_ERR_CONT, 1002 },
	{ 1, 0, OSE_WS_OP_TEXT, 0, 1, "x", 1, OSE_WS_ERR_CONT, 1002 },
	{ 1, 0, OSE_WS_OP_TEXT, 0, 2, "\xc3\x28", 0, OSE_WS_ERR_UTF8, 1007 },
	{ 1, 0, OSE_WS_OP_TEXT, 0, 3, "\xed\xa0\x80", 0, OSE_WS_ERR_UTF8, 1007 },
	{ 1, 0, OSE_WS_OP_CLOSE, 0, 1, "\x03", 0, OSE_WS_ERR_CLOSE_PAYLOAD, 1002 },
	{ 1, 0, OSE_WS_OP_CLOSE, 0, 2, "\x03\xed", 0, OSE_WS_ERR_CLOSE_PAYLOAD, 1002 },
	{ 1, 0, OSE_WS_OP_CLOSE, 0, 4, "\x03\xe8\xff\xfe", 0, OSE_WS_ERR_UTF8, 1007 },
};

ParameterizedTestParameters(ws, protocol_errors)
{
	return cr_make_param_array(struct bad_case, bad_cases,
				   sizeof(bad_cases) / sizeof(bad_cases[0]));
}

ParameterizedTest(struct bad_case *bc, ws, protocol_errors)
{
	uint8_t s[512];
	size_t n = 0;
	char pl[200];

	/* Clamped so the compiler sees the payload fits s (gcc 12's
	 * -Warray-bounds under ASan); the assert keeps the table honest. */
	size_t len = bc->len < sizeof(pl) ? bc->len : sizeof(pl);
	cr_assert_eq(len, bc->len, "case payload longer than %zu", sizeof(pl));
	memset(pl, 'z', sizeof(pl));
	memcpy(pl, bc->payload, strlen(bc->payload) < len ? strlen(bc->payload) : len);
	if (bc->prefix_frag)
		n += srv_frame(s, 0, 0, OSE_WS_OP_TEXT, "ab", 2, 0);
	n += srv_frame(s + n, bc->fin, bc->rsv, bc->op, pl, len, bc->mask);
	for (size_t chunk = 1; chunk <= n; chunk += (chunk < 16 ? 1 : 37)) {
		struct collected c;
		run(s, n, chunk, &c);
		cr_assert_eq(c.err, -EPROTO, "chunk %zu", chunk);
		cr_assert_eq(c.why, bc->why, "got %s", ose_ws_err_name(c.why));
		cr_assert_eq(c.close_code, bc->code);
	}
}

/* skip_utf8: invalid text (whole or fragmented) is handed over, the
 * caller checks it; close reasons are still validated; reset keeps it. */
Test(ws, skip_utf8_leaves_text_to_the_caller)
{
	uint8_t s[64], big[64];
	struct ose_ws_dec d;
	struct ose_ws_ev ev;
	size_t n = srv_frame(s, 1, 0, OSE_WS_OP_TEXT, "ev:\xc3\x28", 5, 0);
	size_t m = srv_frame(big, 0, 0, OSE_WS_OP_TEXT, "\xed\xa0", 2, 0);

	m += srv_frame(big + m, 1, 0, OSE_WS_OP_CONT, "\x80", 1, 0);
	ose_ws_dec_init(&d, msgbuf, MAXMSG);
	cr_assert_eq(ose_ws_decode(&d, s, n, &ev), -EPROTO, "checked by default");
	cr_assert_eq(d.close_code, OSE_WS_CLOSE_INVALID_DATA);

	ose_ws_dec_init(&d, msgbuf, MAXMSG);
	ose_ws_dec_skip_utf8(&d, 1);
	ose_ws_dec_reset(&d);
	cr_assert_eq(d.skip_utf8, 1, "kept across reset");
	cr_assert_eq(ose_ws_decode(&d, s, n, &ev), (ssize_t)n);
	cr_assert_eq(ev.kind, OSE_WS_EV_TEXT);
	cr_assert_eq(ev.len, 5);
	cr_assert_eq(memcmp(ev.payload, "ev:\xc3\x28", 5), 0);
	cr_assert_eq(ose_ws_decode(&d, big, m, &ev), (ssize_t)m);
	cr_assert_eq(ev.kind, OSE_WS_EV_TEXT);
	cr_assert_eq(ev.len, 3, "a surrogate split over two fragments");

	n = srv_frame(s, 1, 0, OSE_WS_OP_CLOSE, "\x03\xe8\xff\xfe", 4, 0);
	cr_assert_eq(ose_ws_decode(&d, s, n, &ev), -EPROTO, "close reasons still checked");
	cr_assert_eq(d.err, OSE_WS_ERR_UTF8);
}

Test(ws, oversized_refused_before_buffering)
{
	uint8_t hdr[16];
	struct ose_ws_dec d;
	struct ose_ws_ev ev;
	uint8_t small[100];

	/* Announce 1 MiB: refused from the header alone with 1009. */
	hdr[0] = 0x82;
	hdr[1] = 127;
	for (int i = 0; i < 8; i++)
		hdr[2 + i] = (uint8_t)((uint64_t)(1u << 20) >> (56 - 8 * i));
	ose_ws_dec_init(&d, small, sizeof(small));
	cr_assert_eq(ose_ws_decode(&d, hdr, 10, &ev), -EPROTO);
	cr_assert_eq(d.err, OSE_WS_ERR_TOO_BIG);
	cr_assert_eq(d.close_code, OSE_WS_CLOSE_TOO_BIG);

	/* Fragments that add up to more than the maximum. */
	uint8_t s[512];
	uint8_t p[60];
	size_t n;
	memset(p, 'q', sizeof(p));
	n = srv_frame(s, 0, 0, OSE_WS_OP_TEXT, p, 60, 0);
	n += srv_frame(s + n, 1, 0, OSE_WS_OP_CONT, p, 60, 0);
	ose_ws_dec_init(&d, small, sizeof(small));
	size_t pos = 0;
	ssize_t r = 0;
	while (pos < n && (r = ose_ws_decode(&d, s + pos, n - pos, &ev)) >= 0)
		pos += (size_t)r;
	cr_assert_eq(r, -EPROTO);
	cr_assert_eq(d.close_code, 1009);

	/* Top bit of the 64-bit length. */
	hdr[2] = 0x80;
	ose_ws_dec_init(&d, small, sizeof(small));
	cr_assert_eq(ose_ws_decode(&d, hdr, 10, &ev), -EPROTO);
	cr_assert_eq(d.err, OSE_WS_ERR_LEN);
}

Test(ws, encode_is_masked_and_decodable)
{
	uint8_t out[70100];
	static uint8_t p[70000];
	uint32_t key = 0xa1b2c3d4;

	for (size_t i = 0; i < sizeof(p); i++)
		p[i] = (uint8_t)(i * 7);
	size_t lens[] = { 0, 1, 125, 126, 65535, 65536, 70000 };
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		ssize_t n = ose_ws_encode(out, sizeof(out), OSE_WS_OP_BINARY, p, lens[k], key);
		cr_assert(n > 0);
		cr_assert_eq(out[0], 0x82);
		cr_assert(out[1] & 0x80, "client frames are masked");
		size_t h = (size_t)n - lens[k];
		cr_assert_eq(out[h - 4], 0xa1);
		cr_assert_eq(out[h - 1], 0xd4);
		ose_ws_mask(out + h, lens[k], key, 0);
		cr_assert_eq(memcmp(out + h, p, lens[k]), 0);
	}
	cr_assert_eq(ose_ws_encode(out, sizeof(out), OSE_WS_OP_PING, p, 126, key), -EINVAL);
	cr_assert_eq(ose_ws_encode(out, 10, OSE_WS_OP_TEXT, p, 100, key), -ENOSPC);
	ssize_t n = ose_ws_encode_close(out, sizeof(out), 1002, "rsv", key);
	cr_assert_eq(n, 2 + 4 + 5);
	ose_ws_mask(out + 6, 5, key, 0);
	cr_assert_eq(out[6], 0x03);
	cr_assert_eq(out[7], 0xea);
}

Test(ws, mask_offsets)
{
	uint8_t a[37], b[37];

	for (int i = 0; i < 37; i++)
		a[i] = b[i] = (uint8_t)i;
	ose_ws_mask(a, 37, 0x01020304, 0);
	ose_ws_mask(b, 5, 0x01020304, 0);
	ose_ws_mask(b + 5, 32, 0x01020304, 5);
	cr_assert_eq(memcmp(a, b, 37), 0);
}

Test(ws, utf8)
{
	cr_assert(ose_ws_utf8_valid((const uint8_t *)"plain ascii text longer than 8", 30));
	cr_assert(ose_ws_utf8_valid((const uint8_t *)"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", 11));
	cr_assert(ose_ws_utf8_valid((const uint8_t *)"\xf0\x9f\x98\x80", 4));
	cr_assert(ose_ws_utf8_valid((const uint8_t *)"\xf4\x8f\xbf\xbf", 4));
	cr_assert_not(ose_ws_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	cr_assert_not(ose_ws_utf8_valid((const uint8_t *)"\xc0\xaf", 2));         /* overlong */
	cr_assert_not(ose_ws_utf8_valid((const uint8_t *)"\xe0\x80\xaf", 3));     /* overlong */
	cr_assert_not(ose_ws_utf8_valid((const uint8_t *)"\xed\xbf\xbf", 3));     /* surrogate */
	cr_assert_not(ose_ws_utf8_valid((const uint8_t *)"abcdefgh\x80", 9));
	cr_assert_not(ose_ws_utf8_valid((const uint8_t *)"abc\xe2\x82", 5)); /* truncated */
	cr_assert_not(ose_ws_utf8_valid((const uint8_t *)"\xff", 1));
	/* Truncated sequence at a guard page must not over-read. */
	struct guarded g = guard((const uint8_t *)"\xf0\x9f\x98", 3);
	cr_assert_not(ose_ws_utf8_valid(g.p, 3));
	unguard(&g);
}

Test(ws, accept_key_rfc_example)
{
	char acc[29];

	/* RFC 6455 §1.3 example. */
	cr_assert_eq(ose_ws_accept_for("dGhlIHNhbXBsZSBub25jZQ==", acc), 0);
	cr_assert_str_eq(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	uint8_t nonce[16] = "the sample nonce";
	char key[25];
	cr_assert_eq(ose_ws_make_key(nonce, key), 0);
	cr_assert_str_eq(key, "dGhlIHNhbXBsZSBub25jZQ==");
}

static const char good_resp[] =
	"HTTP/1.1 101 Switching Protocols\r\n"
	"Upgrade: WebSocket\r\n"
	"Connection: keep-alive, Upgrade\r\n"
	"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	"\r\n";

Test(ws, handshake_response_ok_and_partial)
{
	enum ose_ws_hs_err e;
	int st;
	char buf[512];
	size_t n = strlen(good_resp);

	memcpy(buf, good_resp, n);
	memcpy(buf + n, "\x81\x00", 2); /* a frame right behind the head */
	for (size_t l = 0; l < n; l++)
		cr_assert_eq(ose_ws_handshake_response(buf, l, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", &e,
						       &st), -EAGAIN, "len %zu", l);
	cr_assert_eq(ose_ws_handshake_response(buf, n + 2, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", &e, &st),
		     (ssize_t)n);
}

struct hs_case {
	char resp[400];
	enum ose_ws_hs_err err;
	int status;
};

static struct hs_case hs_cases[] = {
	{ "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", OSE_WS_HS_STATUS, 403 },
	{ "HTTP/1.1 200 OK\r\n\r\n", OSE_WS_HS_STATUS, 200 },
	{ "HTTP/1.1 101 Switching\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	  "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n", OSE_WS_HS_ACCEPT, 101 },
	{ "HTTP/1.1 101 Switching\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
	  OSE_WS_HS_ACCEPT, 101 },
	{ "HTTP/1.1 101 Switching\r\nConnection: Upgrade\r\n"
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", OSE_WS_HS_UPGRADE, 101 },
	{ "HTTP/1.1 101 Switching\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	  "Sec-WebSocket-Extensions: permessage-deflate\r\n"
	  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", OSE_WS_HS_EXTENSION, 101 },
	{ "SSH-2.0-OpenSSH\r\n\r\n", OSE_WS_HS_SYNTAX, 0 },
};

ParameterizedTestParameters(ws, handshake_failures)
{
	return cr_make_param_array(struct hs_case, hs_cases, sizeof(hs_cases) / sizeof(hs_cases[0]));
}

ParameterizedTest(struct hs_case *hc, ws, handshake_failures)
{
	enum ose_ws_hs_err e;
	int st;

	cr_assert_eq(ose_ws_handshake_response(hc->resp, strlen(hc->resp),
					       "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", &e, &st), -EPROTO);
	cr_assert_eq(e, hc->err, "got %s", ose_ws_hs_err_name(e));
	if (hc->err == OSE_WS_HS_STATUS)
		cr_assert_eq(st, hc->status);
}

Test(ws, handshake_request)
{
	char out[512];
	ssize_t n = ose_ws_handshake_request(out, sizeof(out), "example.com:8443", "/ws?x=1",
					     "dGhlIHNhbXBsZSBub25jZQ==");

	cr_assert(n > 0);
	cr_assert(strstr(out, "GET /ws?x=1 HTTP/1.1\r\n") == out);
	cr_assert(strstr(out, "\r\nHost: example.com:8443\r\n"));
	cr_assert(strstr(out, "\r\nSec-WebSocket-Version: 13\r\n"));
	cr_assert_null(strstr(out, "Extensions"), "permessage-deflate is never offered");
	cr_assert_eq(ose_ws_handshake_request(out, 20, "h", "/", "k"), -ENOSPC);
}

/* The SSE2 path and the scalar twin agree on random mixtures of ASCII runs,
 * valid multi-byte sequences and corruptions, at every alignment. */
Test(ws, utf8_simd_matches_scalar)
{
	static const char *const pieces[] = {
		"a", "0123456789abcdef0123", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
		"\xed\x9f\xbf", "\xef\xbb\xbf", "\x80", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"\xe2\x82", "\xff", "{\"e\":\"executionReport\",\"s\":\"BTCUSDT\"}",
	};
	uint64_t rng = 12345;
	uint8_t buf[512];
	int valid = 0, invalid = 0;

	for (int iter = 0; iter < 20000; iter++) {
		size_t len = 0;
		int npieces = (int)(ose_ws_rand_for_test(&rng) % 12);
		size_t off = ose_ws_rand_for_test(&rng) % 16;
		for (int k = 0; k < npieces; k++) {
			const char *p = pieces[ose_ws_rand_for_test(&rng) % (sizeof(pieces) / sizeof(pieces[0]))];
			size_t l = strlen(p);
			if (off + len + l > sizeof(buf))
				break;
			memcpy(buf + off + len, p, l);
			len += l;
		}
		int a = ose_ws_utf8_valid(buf + off, len);
		int b = ose_ws_utf8_valid_scalar(buf + off, len);
		cr_assert_eq(a, b, "iteration %d", iter);
		valid += a;
		invalid += !a;
	}
	cr_assert(valid > 1000 && invalid > 1000, "both outcomes exercised");
}

/* The 64-byte ASCII skip: one bad or good multi-byte sequence at every
 * position of a long ASCII run (inside, at and across 16- and 64-byte
 * boundaries), at several alignments, gives the exact verdict. */
Test(ws, utf8_long_ascii_runs)
{
	uint8_t buf[300 + 16];

	for (size_t off = 0; off < 16; off += 5) {
		for (size_t pos = 0; pos + 3 <= 300; pos++) {
			uint8_t *s = buf + off;

			memset(s, 'x', 300);
			s[pos] = 0x80; /* stray continuation byte */
			cr_assert_not(ose_ws_utf8_valid(s, 300), "off %zu pos %zu", off, pos);
			memcpy(s + pos, "\xe2\x82\xac", 3); /* U+20AC */
			cr_assert(ose_ws_utf8_valid(s, 300), "off %zu pos %zu", off, pos);
			cr_assert_not(ose_ws_utf8_valid(s, pos + 2), "truncated at %zu", pos);
		}
	}
}
