/* SPDX-License-Identifier: MIT */
/*
 * feeds/tls.c over memory against a plain wolfSSL server (TLS 1.3, wolfSSL's
 * test certificate, verification off): the ciphertext stream is lent in
 * pieces of every awkward size and read with large and small buffers; every
 * plaintext byte must come out, in order, and each lent piece must be used
 * up before ose_tls_read says "need more" (the loop returns the io_uring
 * buffer to the kernel at that point).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#define USE_CERT_BUFFERS_2048
#define USE_CERT_BUFFERS_256
#include <wolfssl/certs_test.h>

#include "feeds/tls.h"

struct mq {
	uint8_t *b;
	size_t len, off, cap;
};

static int mq_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct mq *q = ctx;

	(void)ssl;
	if (q->len + (size_t)sz > q->cap)
		return WOLFSSL_CBIO_ERR_GENERAL;
	memcpy(q->b + q->len, buf, (size_t)sz);
	q->len += (size_t)sz;
	return sz;
}

static int mq_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct mq *q = ctx;
	size_t n = q->len - q->off;

	(void)ssl;
	if (!n)
		return WOLFSSL_CBIO_ERR_WANT_READ;
	if (n > (size_t)sz)
		n = (size_t)sz;
	memcpy(buf, q->b + q->off, n);
	q->off += n;
	return (int)n;
}

struct pair {
	struct WOLFSSL_CTX *cctx;
	WOLFSSL_CTX *sctx;
	WOLFSSL *srv;
	struct ose_tls cli;
	struct mq c2s, s2c;
	uint8_t cli_out[1 << 16];
};

/* Client (feeds/tls.c) and server connected over memory, handshake done,
 * post-handshake messages (session tickets) consumed. */
static void pair_open(struct pair *p)
{
	int err;
	uint8_t tmp[256];

	memset(p, 0, sizeof(*p));
	p->c2s.cap = p->s2c.cap = 1u << 20;
	p->c2s.b = malloc(p->c2s.cap);
	p->s2c.b = malloc(p->s2c.cap);
	cr_assert(p->c2s.b && p->s2c.b);
	p->cctx = ose_tls_ctx_new(NULL, 0, &err);
	cr_assert_not_null(p->cctx, "client ctx: %d", err);
	p->sctx = wolfSSL_CTX_new(wolfTLSv1_3_server_method());
	cr_assert_not_null(p->sctx);
	cr_assert_eq(wolfSSL_CTX_use_certificate_buffer(p->sctx, server_cert_der_2048,
							sizeof_server_cert_der_2048,
							WOLFSSL_FILETYPE_ASN1),
		     WOLFSSL_SUCCESS);
	cr_assert_eq(wolfSSL_CTX_use_PrivateKey_buffer(p->sctx, server_key_der_2048,
						       sizeof_server_key_der_2048,
						       WOLFSSL_FILETYPE_ASN1),
		     WOLFSSL_SUCCESS);
	p->srv = wolfSSL_new(p->sctx);
	cr_assert_not_null(p->srv);
	wolfSSL_SSLSetIORecv(p->srv, mq_recv);
	wolfSSL_SSLSetIOSend(p->srv, mq_send);
	wolfSSL_SetIOReadCtx(p->srv, &p->c2s);
	wolfSSL_SetIOWriteCtx(p->srv, &p->s2c);
	cr_assert_eq(ose_tls_open(&p->cli, p->cctx, "localhost", 0, p->cli_out,
				  sizeof(p->cli_out)), 0);

	int cdone = 0, sdone = 0;
	for (int i = 0; i < 50 && !(cdone && sdone); i++) {
		if (!cdone) {
			int c = ose_tls_handshake(&p->cli);
			cr_assert(c >= 0, "client handshake: %d", p->cli.err);
			cdone = c == 1;
			mq_send(NULL, (char *)p->cli.out, (int)p->cli.out_len, &p->c2s);
			ose_tls_sent(&p->cli, p->cli.out_len);
		}
		if (!sdone)
			sdone = wolfSSL_accept(p->srv) == WOLFSSL_SUCCESS;
		/* Lend the client whatever the server wrote. */
		ose_tls_input(&p->cli, p->s2c.b + p->s2c.off, p->s2c.len - p->s2c.off);
		p->s2c.off = p->s2c.len;
	}
	cr_assert(cdone && sdone, "handshake did not complete");
	while (ose_tls_read(&p->cli, tmp, sizeof(tmp)) > 0)
		;
	cr_assert_eq(p->cli.in_len, 0);
	p->s2c.len = p->s2c.off = 0;
}

static void pair_close(struct pair *p)
{
	ose_tls_close(&p->cli);
	wolfSSL_free(p->srv);
	wolfSSL_CTX_free(p->sctx);
	ose_tls_ctx_free(p->cctx);
	free(p->c2s.b);
	free(p->s2c.b);
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 8) * 13);
}

/* Server writes of these sizes: 1 byte, a typical message, one just under
 * and one over a TLS record (16384 bytes: two records), a run of small ones. */
static const size_t writes[] = { 1, 507, 16000, 20000, 3, 3, 3, 100, 4096 };

static void run(size_t piece, size_t cap)
{
	struct pair *p = malloc(sizeof(*p));
	size_t total = 0, got = 0;
	uint8_t *plain = malloc(1 << 16), *out = malloc(1 << 17);

	cr_assert(p && plain && out);
	pair_open(p);
	for (size_t w = 0; w < sizeof(writes) / sizeof(writes[0]); w++) {
		for (size_t i = 0; i < writes[w]; i++)
			plain[i] = pattern(total + i);
		cr_assert_eq(wolfSSL_write(p->srv, plain, (int)writes[w]), (int)writes[w]);
		total += writes[w];
	}
	/* The peer's close_notify ends the stream. */
	wolfSSL_shutdown(p->srv);

	int eof = 0;
	for (size_t off = 0; off < p->s2c.len && !eof;) {
		size_t n = p->s2c.len - off < piece ? p->s2c.len - off : piece;
		ssize_t r;

		ose_tls_input(&p->cli, p->s2c.b + off, n);
		off += n;
		while ((r = ose_tls_read(&p->cli, out + got, cap)) > 0) {
			got += (size_t)r;
			cr_assert(got <= total, "more plaintext than was sent");
		}
		if (r == -EPIPE) {
			eof = 1;
			cr_assert_eq(off, p->s2c.len, "close_notify is the last record");
			break;
		}
		cr_assert_eq(r, 0, "piece %zu cap %zu: read %zd (wolfSSL error %d)", piece, cap, r,
			     p->cli.err);
		cr_assert_eq(p->cli.in_len, 0, "a lent piece is used up before 'need more'");
	}
	cr_assert(eof, "close_notify seen (piece %zu cap %zu)", piece, cap);
	cr_assert_eq(got, total, "piece %zu cap %zu: %zu of %zu bytes", piece, cap, got, total);
	for (size_t i = 0; i < total; i++)
		cr_assert_eq(out[i], pattern(i), "byte %zu (piece %zu cap %zu)", i, piece, cap);
	pair_close(p);
	free(p);
	free(plain);
	free(out);
}

Test(tls, whole_stream_large_buffer)
{
	run(SIZE_MAX, 1 << 16);
}

Test(tls, pieces_across_record_boundaries)
{
	/* 1: byte by byte; 5: the record header; 6: header plus one; 1448: a
	 * TCP segment; 16406: about one full record. */
	static const size_t pieces[] = { 1, 5, 6, 517, 1448, 16406 };

	for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++)
		run(pieces[i], 1 << 16);
}

/* A read buffer smaller than a record: the rest of the record's plaintext
 * stays in wolfSSL (wolfSSL_pending) after the lent bytes are used up, and
 * must still come out before "need more". */
Test(tls, small_read_buffer_drains_pending_plaintext)
{
	run(SIZE_MAX, 100);
	run(1448, 100);
	run(7, 333);
}

/* One whole record lent at a time, read 100 bytes at a time: before
 * ose_tls_read says "need more", all of that record's plaintext is out
 * (TLS 1.3 AES-GCM: record length - 16-byte tag - 1 content-type byte;
 * wolfSSL adds no padding), even though the lent bytes ran out after the
 * first 100 (the rest waits in wolfSSL: wolfSSL_pending). */
Test(tls, each_record_fully_delivered_before_need_more)
{
	struct pair *p = malloc(sizeof(*p));
	uint8_t *buf = malloc(1 << 15), out[100];
	size_t want = 0, got = 0, off = 0;
	int records = 0;

	cr_assert(p && buf);
	pair_open(p);
	memset(buf, 'x', 1 << 15);
	for (size_t w = 0; w < sizeof(writes) / sizeof(writes[0]); w++)
		cr_assert_eq(wolfSSL_write(p->srv, buf, (int)writes[w]), (int)writes[w]);
	while (off + 5 <= p->s2c.len) {
		const uint8_t *h = p->s2c.b + off;
		size_t rl = 5 + ((size_t)h[3] << 8 | h[4]);
		ssize_t r;

		cr_assert_eq(h[0], 23, "TLS 1.3 application_data record");
		cr_assert(off + rl <= p->s2c.len);
		ose_tls_input(&p->cli, h, rl);
		off += rl;
		want += rl - 5 - 16 - 1;
		while ((r = ose_tls_read(&p->cli, out, sizeof(out))) > 0) {
			for (ssize_t i = 0; i < r; i++)
				cr_assert_eq(out[i], 'x');
			got += (size_t)r;
		}
		cr_assert_eq(r, 0);
		cr_assert_eq(got, want, "record %d: %zu of %zu bytes before 'need more'", records,
			     got, want);
		records++;
	}
	cr_assert_eq(off, p->s2c.len);
	cr_assert(records > (int)(sizeof(writes) / sizeof(writes[0])), "some writes took two records");
	pair_close(p);
	free(p);
	free(buf);
}
