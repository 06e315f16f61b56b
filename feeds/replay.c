/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/coding.h>

#include "feeds/replay.h"

int ose_replay_parse_line(const char *line, size_t len, uint8_t *buf, size_t cap,
			  const uint8_t **payload, size_t *plen)
{
	if (len && line[len - 1] == '\r')
		len--;
	if (len == 0 || line[0] == '#')
		return OSE_REPLAY_SKIP;
	if (len >= 4 && memcmp(line, "b64:", 4) == 0) {
		size_t b64 = len - 4;
		word32 out = (word32)cap;

		if (b64 == 0) {
			*payload = buf;
			*plen = 0;
			return OSE_REPLAY_BINARY;
		}
		/* 3 bytes per 4 chars: refuse before decoding what cannot fit. */
		if (b64 / 4 * 3 > cap + 2)
			return -ENOSPC;
		if (b64 % 4 != 0 ||
		    Base64_Decode((const byte *)line + 4, (word32)b64, buf, &out) != 0)
			return -EINVAL;
		*payload = buf;
		*plen = out;
		return OSE_REPLAY_BINARY;
	}
	*payload = (const uint8_t *)line;
	*plen = len;
	return OSE_REPLAY_TEXT;
}

static int text_roundtrips(const uint8_t *p, size_t len)
{
	if (len == 0 || p[0] == '#' || (len >= 4 && memcmp(p, "b64:", 4) == 0))
		return 0;
	return !memchr(p, '\n', len) && !memchr(p, '\r', len);
}

ssize_t ose_replay_format(char *out, size_t cap, const uint8_t *p, size_t len, int binary)
{
	if (!binary && text_roundtrips(p, len)) {
		if (cap < len + 1)
			return -ENOSPC;
		memcpy(out, p, len);
		out[len] = '\n';
		return (ssize_t)(len + 1);
	}
	size_t need = 4 + (len + 2) / 3 * 4 + 1;
	word32 n;

	if (cap < need + 1)
		return -ENOSPC;
	memcpy(out, "b64:", 4);
	n = (word32)(cap - 4);
	if (len && Base64_Encode_NoNl(p, (word32)len, (byte *)out + 4, &n) != 0)
		return -ENOSPC;
	if (!len)
		n = 0;
	out[4 + n] = '\n';
	return (ssize_t)(4 + n + 1);
}

int ose_replay_write(FILE *f, const uint8_t *p, size_t len, int binary, char *scratch,
		     size_t cap)
{
	if (!binary && text_roundtrips(p, len)) {
		if (fwrite(p, 1, len, f) != len || fputc('\n', f) == EOF)
			return -EIO;
		return 0;
	}
	/* Whole groups of 3 input bytes per piece, so pieces concatenate
	 * into one valid base64 string. */
	size_t piece = (cap - 8) / 4 * 3;

	if (fputs("b64:", f) == EOF)
		return -EIO;
	for (size_t off = 0; off < len; off += piece) {
		size_t n = len - off < piece ? len - off : piece;
		word32 out = (word32)cap;

		if (Base64_Encode_NoNl(p + off, (word32)n, (byte *)scratch, &out) != 0 ||
		    fwrite(scratch, 1, out, f) != out)
			return -EIO;
	}
	return fputc('\n', f) == EOF ? -EIO : 0;
}
