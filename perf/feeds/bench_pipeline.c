/* SPDX-License-Identifier: MIT */
/*
 * feed.pipeline.500: ns per 507-byte Binance executionReport from TLS
 * ciphertext in memory to a record committed in the SPSC ring, through the
 * feed's own modules (feeds/tls.c memory I/O, feeds/ws.c, the Binance
 * adapter writing into a ring slot lent by feeds/out.c, as ose-feed does),
 * one TLS 1.3 AES-128-GCM record per message, no socket.  This is the
 * per-message CPU cost the loopback
 * benchmark adds the kernel and the sender to; the DESIGN floor is 1 us
 * median with the AES-NI wolfSSL.
 * Anchor in the same run: feed.pipeline.500.decrypt_only, the TLS part
 * alone.  Medians of 31 rounds of 2000 messages (mean per message in a
 * round); .p50 and .p99 are percentiles of the 62,000 messages timed one
 * by one (TSC), which a preemption on a shared machine moves far less.
 * The ring has 65536 slots, like ose-feed's default, on /dev/shm.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#define USE_CERT_BUFFERS_2048
#define USE_CERT_BUFFERS_256
#include <wolfssl/certs_test.h>

#include "adapters/adapter.h"
#include "feeds/out.h"
#include "feeds/tls.h"
#include "feeds/ws.h"
#include "shm/spsc.h"

static const char msg_tmpl[] =
	"{\"subscriptionId\":0,\"event\":{\"e\":\"executionReport\",\"E\":1499405658658,"
	"\"s\":\"ETHBTC\",\"c\":\"mUvoqJxFIILMdfAW5iGSOW\",\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":\"GTC\","
	"\"q\":\"1.00000000\",\"p\":\"0.10264410\",\"P\":\"0.00000000\",\"F\":\"0.00000000\",\"g\":-1,"
	"\"C\":\"\",\"x\":\"NEW\",\"X\":\"NEW\",\"r\":\"NONE\",\"i\":4293153,\"l\":\"0.00000000\","
	"\"z\":\"0.00000000\",\"L\":\"0.00000000\",\"n\":\"0\",\"N\":null,\"T\":1499405658657,\"t\":-1,"
	"\"v\":3,\"I\":8641984,\"w\":true,\"m\":false,\"M\":false,\"O\":1499405658657,"
	"\"Z\":\"0.00000000\",\"Y\":\"0.00000000\",\"Q\":\"0.00000000\",\"W\":1499405658657,"
	"\"V\":\"NONE\"}}";

#define QCAP (16u << 20)
struct q {
	uint8_t *b;
	size_t len;
};

static int q_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct q *q = ctx;

	(void)ssl;
	if (q->len + (size_t)sz > QCAP)
		return WOLFSSL_CBIO_ERR_WANT_WRITE;
	memcpy(q->b + q->len, buf, (size_t)sz);
	q->len += (size_t)sz;
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

/* The per-message clock: the TSC where there is one (a vDSO clock_gettime
 * per message would add ~20 ns to what it measures), else the monotonic
 * clock.  Converted to ns against CLOCK_MONOTONIC over the whole run. */
#if defined(__x86_64__) || defined(__i386__)
static inline uint64_t msg_clock(void)
{
	_mm_lfence(); /* no earlier work still in flight past the read */
	return __rdtsc();
}
#else
static inline uint64_t msg_clock(void)
{
	return now_ns();
}
#endif

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Server side fed from the client's t->out, writing into s2c. */
static struct q s2c;
static WOLFSSL *srv;
static struct ose_tls cli;

static uint8_t srv_in[1 << 16];
static size_t srv_in_len, srv_in_off;

/* Shuttle the handshake flights between the feed's client (ose_tls) and
 * a plain wolfSSL server until both are done. */
static int pump_handshake(void)
{
	static uint8_t hold[1 << 16];
	uint8_t tmp[256];

	for (int i = 0; i < 50; i++) {
		int c = ose_tls_handshake(&cli);
		if (c < 0)
			return -1;
		memcpy(srv_in + srv_in_len, cli.out, cli.out_len);
		srv_in_len += cli.out_len;
		ose_tls_sent(&cli, cli.out_len);
		int s = wolfSSL_accept(srv);
		memcpy(hold, s2c.b, s2c.len);
		ose_tls_input(&cli, hold, s2c.len);
		s2c.len = 0;
		if (c == 1 && s == WOLFSSL_SUCCESS) {
			/* Session tickets and the like. */
			while (ose_tls_read(&cli, tmp, sizeof(tmp)) > 0)
				;
			return 0;
		}
	}
	return -1;
}

static int srv_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx);

int main(void)
{
	enum { ROUNDS = 31, K = 2000 };
	double full[ROUNDS], dec_only[ROUNDS], cfull[ROUNDS], cdec[ROUNDS];
	static uint64_t per_msg[ROUNDS * K];
	size_t nper = 0;
	uint64_t cal_ns0 = now_ns(), cal_clk0 = msg_clock();
	uint8_t frame[600];
	size_t ml = strlen(msg_tmpl);
	/* The ring where ose-feed puts it, on tmpfs: in /tmp (ext4 here) every
	 * first write to a page of the MAP_SHARED ring took a write fault and
	 * the pages went to disk writeback, about 270 ns per message that
	 * production (/dev/shm) does not pay. */
	char shm_dir[] = "/dev/shm/ose-bench-pipe-XXXXXX", tmp_dir[] = "/tmp/ose-bench-pipe-XXXXXX";
	const char *dir;
	struct ose_feed_ring ring;
	struct ose_seg cseg;
	struct ose_spsc_cons cons;
	const struct ose_adapter *ad = ose_adapter_get(OSE_VENUE_BINANCE);
	static uint8_t tls_out[1 << 16], plain[1 << 16], msgbuf[1 << 16];

	dir = mkdtemp(shm_dir);
	if (!dir)
		dir = mkdtemp(tmp_dir); /* no /dev/shm: slower ring, still a result */
	if (!ad || !dir)
		return 1;
	setenv("OSE_SHM_DIR", dir, 1);
	if (ose_feed_ring_open(&ring, "bp", OSE_VENUE_BINANCE, "bp", 65536) < 0 ||
	    ose_spsc_attach(&cseg, "ose.bp.feed.binance.bp", OSE_SEG_F_WRITE) < 0 ||
	    ose_spsc_cons_init(&cons, &cseg) < 0)
		return 1;

	int err;
	struct WOLFSSL_CTX *cctx = ose_tls_ctx_new(NULL, 0, &err);
	WOLFSSL_CTX *sctx = wolfSSL_CTX_new(wolfTLSv1_3_server_method());
	s2c.b = malloc(QCAP);
	if (!cctx || !sctx || !s2c.b)
		return 1;
	wolfSSL_CTX_use_certificate_buffer(sctx, server_cert_der_2048, sizeof_server_cert_der_2048,
					   WOLFSSL_FILETYPE_ASN1);
	wolfSSL_CTX_use_PrivateKey_buffer(sctx, server_key_der_2048, sizeof_server_key_der_2048,
					  WOLFSSL_FILETYPE_ASN1);
	wolfSSL_CTX_set_cipher_list(sctx, "TLS13-AES128-GCM-SHA256");
	srv = wolfSSL_new(sctx);
	wolfSSL_SSLSetIORecv(srv, srv_recv);
	wolfSSL_SSLSetIOSend(srv, q_send);
	wolfSSL_SetIOWriteCtx(srv, &s2c);
	if (ose_tls_open(&cli, cctx, "bench", 0, tls_out, sizeof(tls_out)) < 0 ||
	    pump_handshake() < 0) {
		fprintf(stderr, "bench_pipeline: handshake failed\n");
		return 1;
	}
	frame[0] = 0x81;
	frame[1] = 126;
	frame[2] = (uint8_t)(ml >> 8);
	frame[3] = (uint8_t)ml;
	memcpy(frame + 4, msg_tmpl, ml);

	struct ose_ws_dec d;
	struct ose_parse_ctx pctx = { .account = "bp", .venue = OSE_VENUE_BINANCE };
	ose_ws_dec_init(&d, msgbuf, sizeof(msgbuf));
	/* As ose-feed: no second UTF-8 pass when the parser validates it. */
	ose_ws_dec_skip_utf8(&d, ad->validates_utf8);
	uint64_t stalls = 0, events = 0;

	for (int r = 0; r < ROUNDS; r++) {
		for (int mode = 0; mode < 2; mode++) {
			s2c.len = 0;
			for (int i = 0; i < K; i++)
				if (wolfSSL_write(srv, frame, (int)(ml + 4)) != (int)(ml + 4))
					return 1;
			/* One TLS record per message, lent one at a time as
			 * recv completions would deliver them. */
			size_t rec = s2c.len / K;
			uint64_t t0 = now_ns(), c0 = cpu_ns(), m0 = msg_clock();
			for (int i = 0; i < K; i++) {
				ose_tls_input(&cli, s2c.b + (size_t)i * rec, rec);
				ssize_t n;
				while ((n = ose_tls_read(&cli, plain, sizeof(plain))) > 0) {
					if (mode == 1)
						continue;
					size_t pos = 0;
					while (pos < (size_t)n) {
						struct ose_ws_ev ev;
						ssize_t k = ose_ws_decode(&d, plain + pos,
									  (size_t)n - pos, &ev);
						if (k < 0)
							return 2;
						pos += (size_t)k;
						if (ev.kind != OSE_WS_EV_TEXT)
							continue;
						/* As ose-feed: the adapter writes the event
						 * into the ring slot, one commit. */
						struct ose_event *slot;
						int got = ose_feed_ring_reserve(&ring, 64, &slot, &stalls);
						if (got < 1)
							return 5;
						struct ose_parse_out out = { .ev = slot, .cap = (uint32_t)got };
						if (ad->parse((const char *)ev.payload, ev.len, 0, &pctx,
							      &out) != OSE_PARSE_EVENTS || out.n != 1)
							return 3;
						slot->seq = ++events;
						ose_feed_ring_commit(&ring, out.n);
						uint32_t c = ose_spsc_peek(&cons, 64);
						ose_spsc_release(&cons, c);
					}
				}
				if (n < 0)
					return 4;
				if (mode == 0) {
					/* One clock read per message: its end is
					 * the next one's start. */
					uint64_t m1 = msg_clock();
					per_msg[nper++] = m1 - m0;
					m0 = m1;
				}
			}
			(mode ? dec_only : full)[r] = (double)(now_ns() - t0) / K;
			(mode ? cdec : cfull)[r] = (double)(cpu_ns() - c0) / K;
		}
	}
	/* Ticks per ns over the whole run (the TSC is constant-rate). */
	double tick_ns = (double)(now_ns() - cal_ns0) / (double)(msg_clock() - cal_clk0);
	qsort(per_msg, nper, sizeof(per_msg[0]), cmp_u64);
	qsort(full, ROUNDS, sizeof(double), cmp_d);
	qsort(dec_only, ROUNDS, sizeof(double), cmp_d);
	qsort(cfull, ROUNDS, sizeof(double), cmp_d);
	qsort(cdec, ROUNDS, sizeof(double), cmp_d);
	printf("BENCH feed.pipeline.500 %.1f ns\n", full[ROUNDS / 2]);
	printf("BENCH feed.pipeline.500.decrypt_only %.1f ns\n", dec_only[ROUNDS / 2]);
	/* Thread CPU time (see bench_tls.c). */
	printf("BENCH feed.pipeline.500.cpu %.1f ns\n", cfull[ROUNDS / 2]);
	printf("BENCH feed.pipeline.500.cpu.decrypt_only %.1f ns\n", cdec[ROUNDS / 2]);
	/* Per message, all rounds: a preemption spoils a few messages, not
	 * the median of a round. */
	printf("BENCH feed.pipeline.500.p50 %.1f ns\n", (double)per_msg[nper / 2] * tick_ns);
	printf("BENCH feed.pipeline.500.p99 %.1f ns\n", (double)per_msg[nper * 99 / 100] * tick_ns);
	fprintf(stderr, "# %s, %d rounds x %d messages, full min %.0f max %.0f ns\n",
		ose_tls_cipher(&cli), ROUNDS, K, full[0], full[ROUNDS - 1]);
	ose_spsc_cons_fini(&cons);
	ose_seg_close(&cseg);
	ose_feed_ring_close(&ring);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)system(cmd);
	return 0;
}

static int srv_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	(void)ssl, (void)ctx;
	if (srv_in_off == srv_in_len)
		return WOLFSSL_CBIO_ERR_WANT_READ;
	size_t n = srv_in_len - srv_in_off < (size_t)sz ? srv_in_len - srv_in_off : (size_t)sz;
	memcpy(buf, srv_in + srv_in_off, n);
	srv_in_off += n;
	return (int)n;
}
