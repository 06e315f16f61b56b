/* SPDX-License-Identifier: MIT */
/*
 * tls.decrypt.512.<tag>: ns to decrypt one 512-byte TLS 1.3 AES-128-GCM
 * application record with wolfSSL_read, client side, data already in
 * memory (no socket).  Built twice from this file: once against the local
 * AES-NI wolfSSL (wolfssl_dep, tag "aesni") and once against Debian's
 * system library (wolfssl_system_dep, tag "system"); meson runs both in the
 * same `meson test --benchmark` run.  Median of 41 rounds of 2000 records,
 * wall time and (.cpu.) thread CPU time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#define USE_CERT_BUFFERS_2048
#define USE_CERT_BUFFERS_256
#include <wolfssl/certs_test.h>

#ifndef BENCH_TAG
#define BENCH_TAG "unknown"
#endif

#define QCAP (8u << 20)
struct q {
	uint8_t *b;
	size_t head, tail;
};

static int q_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct q *q = ctx;
	size_t n = q->tail - q->head;

	(void)ssl;
	if (!n)
		return WOLFSSL_CBIO_ERR_WANT_READ;
	if (n > (size_t)sz)
		n = (size_t)sz;
	memcpy(buf, q->b + q->head, n);
	q->head += n;
	if (q->head == q->tail)
		q->head = q->tail = 0;
	return (int)n;
}

static int q_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct q *q = ctx;

	(void)ssl;
	if (q->tail + (size_t)sz > QCAP)
		return WOLFSSL_CBIO_ERR_WANT_WRITE;
	memcpy(q->b + q->tail, buf, (size_t)sz);
	q->tail += (size_t)sz;
	return sz;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(void)
{
	static struct q c2s, s2c;
	WOLFSSL_CTX *cctx, *sctx;
	WOLFSSL *cli, *srv;
	enum { ROUNDS = 41, K = 2000 };
	double res[ROUNDS], cres[ROUNDS];
	uint8_t rec[512], out[1024];

	c2s.b = malloc(QCAP);
	s2c.b = malloc(QCAP);
	wolfSSL_Init();
	cctx = wolfSSL_CTX_new(wolfTLSv1_3_client_method());
	sctx = wolfSSL_CTX_new(wolfTLSv1_3_server_method());
	if (!cctx || !sctx || !c2s.b || !s2c.b)
		return 1;
	wolfSSL_CTX_set_verify(cctx, WOLFSSL_VERIFY_NONE, NULL);
	if (wolfSSL_CTX_use_certificate_buffer(sctx, server_cert_der_2048,
					       sizeof_server_cert_der_2048,
					       WOLFSSL_FILETYPE_ASN1) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_use_PrivateKey_buffer(sctx, server_key_der_2048, sizeof_server_key_der_2048,
					      WOLFSSL_FILETYPE_ASN1) != WOLFSSL_SUCCESS) {
		fprintf(stderr, "bench_tls: cannot load test certificate\n");
		return 1;
	}
	wolfSSL_CTX_set_cipher_list(cctx, "TLS13-AES128-GCM-SHA256");
	wolfSSL_CTX_set_cipher_list(sctx, "TLS13-AES128-GCM-SHA256");
	cli = wolfSSL_new(cctx);
	srv = wolfSSL_new(sctx);
	wolfSSL_SSLSetIORecv(cli, q_recv);
	wolfSSL_SSLSetIOSend(cli, q_send);
	wolfSSL_SetIOReadCtx(cli, &s2c);
	wolfSSL_SetIOWriteCtx(cli, &c2s);
	wolfSSL_SSLSetIORecv(srv, q_recv);
	wolfSSL_SSLSetIOSend(srv, q_send);
	wolfSSL_SetIOReadCtx(srv, &c2s);
	wolfSSL_SetIOWriteCtx(srv, &s2c);
	int cdone = 0, sdone = 0;
	for (int i = 0; i < 100 && !(cdone && sdone); i++) {
		if (!cdone)
			cdone = wolfSSL_connect(cli) == WOLFSSL_SUCCESS;
		if (!sdone)
			sdone = wolfSSL_accept(srv) == WOLFSSL_SUCCESS;
	}
	if (!cdone || !sdone) {
		fprintf(stderr, "bench_tls: handshake failed\n");
		return 1;
	}
	memset(rec, 'x', sizeof(rec));
	/* Drain post-handshake messages (session tickets). */
	(void)wolfSSL_read(cli, out, sizeof(out));
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < K; i++)
			if (wolfSSL_write(srv, rec, sizeof(rec)) != (int)sizeof(rec))
				return 1;
		uint64_t t0 = now_ns(), c0 = cpu_ns();
		for (int i = 0; i < K; i++)
			if (wolfSSL_read(cli, out, sizeof(out)) != (int)sizeof(rec))
				return 1;
		res[r] = (double)(now_ns() - t0) / K;
		cres[r] = (double)(cpu_ns() - c0) / K;
	}
	qsort(res, ROUNDS, sizeof(res[0]), cmp_d);
	fprintf(stderr, "# %s, cipher %s, %d rounds x %d records, min %.0f max %.0f ns\n",
		LIBWOLFSSL_VERSION_STRING, wolfSSL_get_cipher_name(cli), ROUNDS, K, res[0],
		res[ROUNDS - 1]);
	qsort(cres, ROUNDS, sizeof(cres[0]), cmp_d);
	printf("BENCH tls.decrypt.512.%s %.1f ns\n", BENCH_TAG, res[ROUNDS / 2]);
	/* Thread CPU time: what the decrypt costs when the scheduler lets it
	 * run (this machine is shared; wall time includes others' slices). */
	printf("BENCH tls.decrypt.512.cpu.%s %.1f ns\n", BENCH_TAG, cres[ROUNDS / 2]);
	wolfSSL_free(cli);
	wolfSSL_free(srv);
	wolfSSL_CTX_free(cctx);
	wolfSSL_CTX_free(sctx);
	wolfSSL_Cleanup();
	return 0;
}
