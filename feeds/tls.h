/* SPDX-License-Identifier: MIT */
/*
 * TLS client over memory: wolfSSL with per-connection custom I/O callbacks
 * (wolfSSL_SSLSetIORecv / wolfSSL_SSLSetIOSend).  The event loop owns the
 * socket; it lends wolfSSL each ciphertext buffer the kernel filled
 * (ose_tls_input), and sends whatever ciphertext wolfSSL produced into
 * t->out.  wolfSSL never touches a file descriptor and never blocks: when
 * the lent bytes run out its recv callback says WANT_READ.
 *
 * Certificate and hostname verification are on unless the caller turns
 * them off explicitly (tests only).  TLS 1.2 and 1.3; SNI is sent for
 * names (not for IP literals, RFC 6066 §3).
 */
#ifndef OSE_FEEDS_TLS_H
#define OSE_FEEDS_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OSE_TLS_DEFAULT_CA "/etc/ssl/certs/ca-certificates.crt"

struct WOLFSSL_CTX;
struct WOLFSSL;

struct ose_tls {
	struct WOLFSSL *ssl;
	/* Ciphertext lent by the caller, not yet taken by wolfSSL. */
	const uint8_t *in;
	size_t in_len;
	/* Ciphertext wolfSSL wants sent; owned by the caller (t->out is the
	 * caller's buffer), drained by ose_tls_sent(). */
	uint8_t *out;
	size_t out_len;
	size_t out_cap;
	int err;          /* last wolfSSL error code (wolfSSL_get_error), for reports */
	int out_overflow; /* wolfSSL wanted to send more than out_cap: fatal */
};

/*
 * Create the client context shared by every connection of the process:
 * TLS 1.2 minimum, CAs from ca_file (NULL: OSE_TLS_DEFAULT_CA), peer
 * verification on unless verify == 0.  Returns the context or NULL (*err
 * gets a negative errno: -ENOENT for an unreadable CA file, -EIO else).
 * Release with ose_tls_ctx_free().
 */
struct WOLFSSL_CTX *ose_tls_ctx_new(const char *ca_file, int verify, int *err);
void ose_tls_ctx_free(struct WOLFSSL_CTX *ctx);

/*
 * Start a connection: a fresh WOLFSSL bound to this struct through the
 * I/O callbacks, SNI and hostname check for host (unless verify == 0).
 * out[0..out_cap) is the caller's ciphertext send buffer (it must hold a
 * full TLS flight: 32 KiB is ample).  Returns 0 or a negative errno.
 */
int ose_tls_open(struct ose_tls *t, struct WOLFSSL_CTX *ctx, const char *host, int verify,
		 uint8_t *out, size_t out_cap);
/* Free the connection's WOLFSSL (no close_notify is sent; see
 * ose_tls_shutdown). Safe on a closed or zeroed struct. */
void ose_tls_close(struct ose_tls *t);
/* Queue a close_notify into t->out. */
void ose_tls_shutdown(struct ose_tls *t);

/* Lend ciphertext; it must stay valid until t->in_len is 0 again, which
 * ose_tls_read/handshake guarantee once they return "need more". */
static inline void ose_tls_input(struct ose_tls *t, const uint8_t *in, size_t len)
{
	t->in = in;
	t->in_len = len;
}

/* Drive the handshake.  Returns 1 when complete, 0 when it needs more
 * input (send t->out first), or -EPROTO (t->err says why; certificate and
 * hostname failures included). */
int ose_tls_handshake(struct ose_tls *t);

/*
 * Decrypt into buf[0..cap).  Returns bytes (> 0), 0 when the lent input is
 * used up (call again after the next ose_tls_input), -EPIPE when the peer
 * sent close_notify, -EPROTO on any other TLS failure.
 */
ssize_t ose_tls_read(struct ose_tls *t, uint8_t *buf, size_t cap);

/* Encrypt p[0..len) into t->out.  0, or -ENOSPC if out is full, -EPROTO. */
int ose_tls_write(struct ose_tls *t, const void *p, size_t len);

/* The first n bytes of t->out were sent: drop them. */
void ose_tls_sent(struct ose_tls *t, size_t n);

/* Negotiated protocol ("TLSv1.3") and cipher names, for logs. */
const char *ose_tls_version(const struct ose_tls *t);
const char *ose_tls_cipher(const struct ose_tls *t);
/* Text for t->err into buf (NUL-terminated), returns buf. */
const char *ose_tls_strerror(int err, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* OSE_FEEDS_TLS_H */
