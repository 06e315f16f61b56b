/* SPDX-License-Identifier: MIT */
/*
 * wolfSSL over lent memory; see tls.h.  The two callbacks below are the
 * whole I/O plumbing: recv copies from the io_uring buffer the loop lent
 * us (one memcpy into wolfSSL's record buffer; wolfSSL then decrypts in
 * place and copies plaintext out once), send appends to the loop's send
 * buffer, which the loop hands to an io_uring send.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "feeds/tls.h"

static int tls_recv_cb(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct ose_tls *t = ctx;
	size_t n;

	(void)ssl;
	if (t->in_len == 0)
		return WOLFSSL_CBIO_ERR_WANT_READ;
	n = (size_t)sz < t->in_len ? (size_t)sz : t->in_len;
	memcpy(buf, t->in, n);
	t->in += n;
	t->in_len -= n;
	return (int)n;
}

static int tls_send_cb(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
	struct ose_tls *t = ctx;

	(void)ssl;
	if ((size_t)sz > t->out_cap - t->out_len) {
		/* Cannot happen with a sane out_cap (a TLS flight is a few KiB);
		 * refusing is better than blocking the loop. */
		t->out_overflow = 1;
		return WOLFSSL_CBIO_ERR_GENERAL;
	}
	memcpy(t->out + t->out_len, buf, (size_t)sz);
	t->out_len += (size_t)sz;
	return sz;
}

struct WOLFSSL_CTX *ose_tls_ctx_new(const char *ca_file, int verify, int *err)
{
	WOLFSSL_CTX *ctx;

	*err = 0;
	if (wolfSSL_Init() != WOLFSSL_SUCCESS) {
		*err = -EIO;
		return NULL;
	}
	ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
	if (!ctx) {
		*err = -ENOMEM;
		return NULL;
	}
	if (wolfSSL_CTX_SetMinVersion(ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS)
		goto err;
	if (verify) {
		if (!ca_file)
			ca_file = OSE_TLS_DEFAULT_CA;
		if (access(ca_file, R_OK) != 0) {
			*err = -ENOENT;
			goto out;
		}
		if (wolfSSL_CTX_load_verify_locations(ctx, ca_file, NULL) != WOLFSSL_SUCCESS)
			goto err;
		wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);
	} else {
		wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);
	}
	return ctx;
err:
	*err = -EIO;
out:
	wolfSSL_CTX_free(ctx);
	return NULL;
}

void ose_tls_ctx_free(struct WOLFSSL_CTX *ctx)
{
	if (ctx)
		wolfSSL_CTX_free(ctx);
}

static int is_ip_literal(const char *host)
{
	struct in6_addr a6;

	return inet_pton(AF_INET, host, &a6) == 1 || inet_pton(AF_INET6, host, &a6) == 1;
}

int ose_tls_open(struct ose_tls *t, struct WOLFSSL_CTX *ctx, const char *host, int verify,
		 uint8_t *out, size_t out_cap)
{
	memset(t, 0, sizeof(*t));
	t->out = out;
	t->out_cap = out_cap;
	t->ssl = wolfSSL_new(ctx);
	if (!t->ssl)
		return -ENOMEM;
	wolfSSL_SSLSetIORecv(t->ssl, tls_recv_cb);
	wolfSSL_SSLSetIOSend(t->ssl, tls_send_cb);
	wolfSSL_SetIOReadCtx(t->ssl, t);
	wolfSSL_SetIOWriteCtx(t->ssl, t);
	if (host && *host && !is_ip_literal(host) &&
	    wolfSSL_UseSNI(t->ssl, WOLFSSL_SNI_HOST_NAME, host, (unsigned short)strlen(host)) !=
		    WOLFSSL_SUCCESS)
		goto err;
	if (verify && host && *host && wolfSSL_check_domain_name(t->ssl, host) != WOLFSSL_SUCCESS)
		goto err;
	return 0;
err:
	wolfSSL_free(t->ssl);
	t->ssl = NULL;
	return -EIO;
}

void ose_tls_close(struct ose_tls *t)
{
	if (t->ssl)
		wolfSSL_free(t->ssl);
	t->ssl = NULL;
	t->in = NULL;
	t->in_len = 0;
}

void ose_tls_shutdown(struct ose_tls *t)
{
	if (t->ssl)
		(void)wolfSSL_shutdown(t->ssl);
}

int ose_tls_handshake(struct ose_tls *t)
{
	int r = wolfSSL_connect(t->ssl);

	if (r == WOLFSSL_SUCCESS)
		return 1;
	t->err = wolfSSL_get_error(t->ssl, r);
	if (t->err == WOLFSSL_ERROR_WANT_READ || t->err == WOLFSSL_ERROR_WANT_WRITE) {
		if (t->out_overflow)
			return -EPROTO;
		return 0;
	}
	return -EPROTO;
}

ssize_t ose_tls_read(struct ose_tls *t, uint8_t *buf, size_t cap)
{
	/* wolfSSL's recv callback is asked for exactly the bytes the current
	 * record still lacks (GetInputData), so wolfSSL never holds a whole
	 * unprocessed record: with nothing lent and no decrypted bytes left
	 * over, wolfSSL_read could only end in WANT_READ.  Say so without
	 * calling it: its WANT_READ path formats an error string (snprintf,
	 * about 700 instructions) for a debug log that is off, once per recv
	 * completion. */
	if (t->in_len == 0 && wolfSSL_pending(t->ssl) == 0)
		return t->out_overflow ? -EPROTO : 0;

	int r = wolfSSL_read(t->ssl, buf, (int)(cap > 0x7fffffff ? 0x7fffffff : cap));

	if (r > 0)
		return r;
	t->err = wolfSSL_get_error(t->ssl, r);
	if (t->err == WOLFSSL_ERROR_WANT_READ || t->err == WOLFSSL_ERROR_WANT_WRITE)
		return t->out_overflow ? -EPROTO : 0;
	if (t->err == WOLFSSL_ERROR_ZERO_RETURN)
		return -EPIPE;
	return -EPROTO;
}

int ose_tls_write(struct ose_tls *t, const void *p, size_t len)
{
	int r = wolfSSL_write(t->ssl, p, (int)len);

	if (r == (int)len)
		return 0;
	t->err = wolfSSL_get_error(t->ssl, r);
	return t->out_overflow ? -ENOSPC : -EPROTO;
}

void ose_tls_sent(struct ose_tls *t, size_t n)
{
	if (n >= t->out_len) {
		t->out_len = 0;
		return;
	}
	memmove(t->out, t->out + n, t->out_len - n);
	t->out_len -= n;
}

const char *ose_tls_version(const struct ose_tls *t)
{
	return t->ssl ? wolfSSL_get_version(t->ssl) : "none";
}

const char *ose_tls_cipher(const struct ose_tls *t)
{
	return t->ssl ? wolfSSL_get_cipher_name(t->ssl) : "none";
}

const char *ose_tls_strerror(int err, char *buf, size_t cap)
{
	wolfSSL_ERR_error_string_n((unsigned long)(long)err, buf,
				   (unsigned long)cap);
	return buf;
}
