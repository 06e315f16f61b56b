/* SPDX-License-Identifier: MIT */
/*
 * Small helpers the six venues' session builders share (adapters/<venue>/
 * session.c).  Internal to adapters/.
 */
#ifndef OSE_ADAPTERS_SIGN_SESS_H
#define OSE_ADAPTERS_SIGN_SESS_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * 1 if s can be pasted between JSON quotes as is: printable ASCII without
 * '"' and '\\'.  Keys, passphrases and listen keys are such strings; we
 * refuse (-EINVAL) rather than escape anything else, because a credential
 * that needs escaping is a configuration mistake worth hearing about.
 */
static inline int ose_sess_safe(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e || *s == '"' || *s == '\\')
			return 0;
	return 1;
}

/* snprintf into buf[cap]: the length, or -ENOSPC if it did not fit
 * (the contract wants the length strictly below cap). */
__attribute__((format(printf, 3, 4)))
static inline int ose_sess_fmt(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!buf || cap == 0)
		return -ENOSPC;
	va_start(ap, fmt);
	n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= cap) {
		buf[0] = '\0';
		return -ENOSPC;
	}
	return n;
}

/* Copy a literal message (pings). */
static inline int ose_sess_lit(char *buf, size_t cap, const char *lit)
{
	size_t n = strlen(lit);
	if (!buf || n >= cap)
		return -ENOSPC;
	memcpy(buf, lit, n + 1);
	return (int)n;
}

/* Set the out-parameters the way every builder starts. */
static inline void ose_sess_init(int *binary, int *wait_ack)
{
	if (binary)
		*binary = 0;
	if (wait_ack)
		*wait_ack = 0;
}

#endif /* OSE_ADAPTERS_SIGN_SESS_H */
