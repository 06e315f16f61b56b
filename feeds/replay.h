/* SPDX-License-Identifier: MIT */
/*
 * Replay/record line format (DESIGN §12): one WebSocket message payload
 * per line, in arrival order.  A text payload is the line itself; a binary
 * payload is "b64:" followed by its standard base64.  Blank lines and lines
 * starting with '#' are ignored; a trailing '\r' is dropped (files edited
 * on other systems).
 *
 * Recording writes text payloads verbatim unless they would not read back
 * as the same text (they contain '\n' or '\r', are empty, or start with
 * '#' or "b64:"): those are written as b64 lines and so replay as binary
 * messages.  No venue sends such text on the private streams; the rule
 * exists so a recording can never corrupt the line structure.
 */
#ifndef OSE_FEEDS_REPLAY_H
#define OSE_FEEDS_REPLAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

enum ose_replay_kind {
	OSE_REPLAY_SKIP = 0,   /* blank or comment */
	OSE_REPLAY_TEXT = 1,   /* *payload points into line */
	OSE_REPLAY_BINARY = 2, /* decoded into buf */
};

/*
 * Interpret line[0..len) (without its '\n').  For text, *payload points
 * into line; for binary, the base64 is decoded into buf[0..cap) and
 * *payload == buf.  Returns the kind, -EINVAL for bad base64, -ENOSPC if
 * the decoded payload does not fit in cap.
 */
int ose_replay_parse_line(const char *line, size_t len, uint8_t *buf, size_t cap,
			  const uint8_t **payload, size_t *plen);

/* Format one payload as a complete line including '\n' into out[0..cap).
 * Returns the line length or -ENOSPC. */
ssize_t ose_replay_format(char *out, size_t cap, const uint8_t *p, size_t len, int binary);

/* Append one payload as a line to f, of any size: base64 is produced in
 * pieces through scratch[0..cap) (cap >= 64).  Returns 0 or -EIO. */
int ose_replay_write(FILE *f, const uint8_t *p, size_t len, int binary, char *scratch,
		     size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* OSE_FEEDS_REPLAY_H */
