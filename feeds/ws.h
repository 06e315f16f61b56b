/* SPDX-License-Identifier: MIT */
/*
 * RFC 6455 WebSocket client codec: no I/O, no allocation after init.
 *
 *  - ose_ws_decode(): incremental frame decoder and message assembler.  It
 *    is fed whatever plaintext the TLS layer produced (any split: a frame
 *    may span TLS records and TCP segments, a TLS record may hold many
 *    frames) and returns picohttpparser-style: bytes consumed >= 0 with an
 *    event (or OSE_WS_EV_NONE: everything consumed, need more), or a
 *    negative errno with the close code the connection must be failed with.
 *  - ose_ws_encode(): one masked client frame.
 *  - ose_ws_handshake_request() / ose_ws_handshake_response(): the opening
 *    handshake, with the Sec-WebSocket-Accept check (SHA-1 + base64 through
 *    wolfCrypt).  permessage-deflate is never offered, so a response that
 *    names an extension or a subprotocol fails the handshake.
 *  - ose_ws_utf8_valid(): UTF-8 validation with an SSE2 (16 bytes) or
 *    64-bit-word (8 bytes) ASCII fast path and a scalar twin.
 */
#ifndef OSE_FEEDS_WS_H
#define OSE_FEEDS_WS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

enum ose_ws_opcode {
	OSE_WS_OP_CONT = 0x0,
	OSE_WS_OP_TEXT = 0x1,
	OSE_WS_OP_BINARY = 0x2,
	OSE_WS_OP_CLOSE = 0x8,
	OSE_WS_OP_PING = 0x9,
	OSE_WS_OP_PONG = 0xA,
};

/* Close status codes (RFC 6455 §7.4.1) the client sends or checks. */
#define OSE_WS_CLOSE_NORMAL 1000
#define OSE_WS_CLOSE_GOING_AWAY 1001
#define OSE_WS_CLOSE_PROTOCOL 1002
#define OSE_WS_CLOSE_NO_STATUS 1005 /* never on the wire: "no code in the frame" */
#define OSE_WS_CLOSE_INVALID_DATA 1007
#define OSE_WS_CLOSE_TOO_BIG 1009

/* Longest header a server frame can have (no mask) and a client frame has. */
#define OSE_WS_MAX_HDR 14
#define OSE_WS_CTRL_MAX 125

/* Why the decoder failed a connection; the feed counts each separately. */
enum ose_ws_err {
	OSE_WS_ERR_NONE = 0,
	OSE_WS_ERR_RSV,          /* non-zero RSV bits (no extension negotiated) */
	OSE_WS_ERR_MASKED,       /* server frames must not be masked */
	OSE_WS_ERR_OPCODE,       /* reserved opcode */
	OSE_WS_ERR_CTRL_LEN,     /* control frame payload over 125 bytes */
	OSE_WS_ERR_CTRL_FRAG,    /* fragmented control frame */
	OSE_WS_ERR_CONT,         /* continuation without a message / new message inside one */
	OSE_WS_ERR_LEN,          /* 64-bit length with the top bit set */
	OSE_WS_ERR_TOO_BIG,      /* message larger than the configured maximum */
	OSE_WS_ERR_UTF8,         /* text message or close reason not UTF-8 */
	OSE_WS_ERR_CLOSE_PAYLOAD,/* close frame of 1 byte or with an invalid code */
	OSE_WS_ERR_COUNT
};

enum ose_ws_ev_kind {
	OSE_WS_EV_NONE = 0, /* input consumed, no complete item yet */
	OSE_WS_EV_TEXT,     /* complete text message (UTF-8 validated unless skip_utf8) */
	OSE_WS_EV_BINARY,   /* complete binary message */
	OSE_WS_EV_PING,     /* answer with a pong carrying the same payload */
	OSE_WS_EV_PONG,
	OSE_WS_EV_CLOSE,    /* peer's close; code in close_code */
};

/*
 * One decoded item.  payload points either into the caller's input (a
 * whole unfragmented frame was in it: zero copy) or into the decoder's
 * buffers; either way it is valid until the next ose_ws_decode() call or
 * until the caller's input buffer is reused, whichever is first.
 */
struct ose_ws_ev {
	enum ose_ws_ev_kind kind;
	const uint8_t *payload;
	size_t len;
	uint16_t close_code; /* OSE_WS_EV_CLOSE: code, or 1005 if none */
	uint32_t frames;     /* data frames that made this message */
};

struct ose_ws_dec {
	/* Message reassembly buffer, owned by the caller (allocated once). */
	uint8_t *msg;
	size_t max_msg;
	size_t msg_len;
	uint8_t msg_op; /* OSE_WS_OP_TEXT/BINARY while a fragmented message is open, else 0 */
	uint32_t msg_frames;

	/* Current frame. */
	uint8_t hdr[OSE_WS_MAX_HDR];
	uint8_t hdr_have;     /* header bytes gathered so far (0 when between frames) */
	uint8_t in_payload;   /* header parsed, payload bytes pending */
	uint8_t op, fin;
	uint64_t remain;      /* payload bytes of the current frame still to come */
	uint64_t frame_len;

	/* Control frame payload being gathered (may straddle inputs). */
	uint8_t ctrl[OSE_WS_CTRL_MAX];
	uint8_t ctrl_len;

	/* Set on error: the close code to send and the reason. */
	enum ose_ws_err err;
	uint16_t close_code;
	uint64_t frames; /* every frame header decoded, data and control */

	/* 1: text messages are returned without the UTF-8 check (see
	 * ose_ws_dec_skip_utf8); kept across ose_ws_dec_reset. */
	uint8_t skip_utf8;
};

/*
 * Prepare d to decode one connection's server stream.  buf[0..max_msg) is
 * the caller's message reassembly buffer (DESIGN: preallocated once, no
 * allocation per message); it must outlive d.
 */
void ose_ws_dec_init(struct ose_ws_dec *d, uint8_t *buf, size_t max_msg);
/* Forget any partial frame/message (new connection). */
void ose_ws_dec_reset(struct ose_ws_dec *d);
/*
 * skip != 0: hand out complete text messages without validating their
 * UTF-8.  The caller takes over RFC 6455 §8.1: it must fail the connection
 * with OSE_WS_CLOSE_INVALID_DATA for a text message that is not UTF-8
 * (the feed does so when the venue's parser validates every byte anyway,
 * struct ose_adapter.validates_utf8).  Close reasons are always checked.
 */
void ose_ws_dec_skip_utf8(struct ose_ws_dec *d, int skip);

/*
 * Decode from in[0..len).  Returns the number of bytes consumed (0..len)
 * and sets *ev; ev->kind == OSE_WS_EV_NONE only when all len bytes were
 * consumed.  Call again with the rest after an event.  Returns -EPROTO
 * (d->err and d->close_code say why and which code to close with) on a
 * protocol violation; after that the decoder must be reset.
 */
ssize_t ose_ws_decode(struct ose_ws_dec *d, const uint8_t *in, size_t len, struct ose_ws_ev *ev);

/*
 * Write one client frame (FIN set, masked with mask_key) of opcode op and
 * payload p[0..len) into out[0..cap).  Returns the frame length, or
 * -ENOSPC if cap is too small, -EINVAL for a control frame over 125 bytes.
 */
ssize_t ose_ws_encode(uint8_t *out, size_t cap, enum ose_ws_opcode op, const void *p, size_t len,
		      uint32_t mask_key);

/* Frame a close with code and optional reason (reason <= 123 bytes). */
ssize_t ose_ws_encode_close(uint8_t *out, size_t cap, uint16_t code, const char *reason,
			    uint32_t mask_key);

/* Apply the 4-byte mask (network order in key) to p[0..len), starting at
 * mask offset off. Used by encode and by tests playing the server. */
void ose_ws_mask(uint8_t *p, size_t len, uint32_t key, size_t off);

/* 1 if s[0..len) is well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF).
 * SSE2 skips ASCII 16 bytes at a time where available. */
int ose_ws_utf8_valid(const uint8_t *s, size_t len);
/* The same check without SIMD (the scalar twin; tests compare the two). */
int ose_ws_utf8_valid_scalar(const uint8_t *s, size_t len);

/* Base64 of 16 random bytes: the Sec-WebSocket-Key.  key_out gets 24
 * chars + NUL.  Returns 0 or a negative errno. */
int ose_ws_make_key(const uint8_t nonce[16], char key_out[25]);
/* Sec-WebSocket-Accept for key: base64(SHA-1(key GUID)), 28 chars + NUL. */
int ose_ws_accept_for(const char *key, char accept_out[29]);

/*
 * Write the GET upgrade request.  host is the Host header value (with
 * ":port" when not the default), path the request target ("/ws?x=y").
 * Returns its length or -ENOSPC.
 */
ssize_t ose_ws_handshake_request(char *out, size_t cap, const char *host, const char *path,
				 const char *key);

enum ose_ws_hs_err {
	OSE_WS_HS_OK = 0,
	OSE_WS_HS_SYNTAX,     /* not an HTTP/1.1 response */
	OSE_WS_HS_STATUS,     /* status other than 101 (status holds it) */
	OSE_WS_HS_UPGRADE,    /* Upgrade: websocket / Connection: upgrade missing */
	OSE_WS_HS_ACCEPT,     /* Sec-WebSocket-Accept missing or wrong */
	OSE_WS_HS_EXTENSION,  /* an extension or subprotocol we did not offer */
	OSE_WS_HS_TOO_LONG,   /* response head larger than the buffer */
	OSE_WS_HS_COUNT
};

/*
 * Parse the server's handshake response from in[0..len).  Returns the
 * length of the response head (frames may follow in the same input) once
 * complete and valid, -EAGAIN if more bytes are needed, or -EPROTO with
 * *err (and *status for OSE_WS_HS_STATUS) set.
 */
ssize_t ose_ws_handshake_response(const char *in, size_t len, const char *accept,
				  enum ose_ws_hs_err *err, int *status);

const char *ose_ws_err_name(enum ose_ws_err e);
const char *ose_ws_hs_err_name(enum ose_ws_hs_err e);

#ifdef __cplusplus
}
#endif

#endif /* OSE_FEEDS_WS_H */
