/* SPDX-License-Identifier: MIT */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "v2_util.h"

char *v2_load(const char *rel, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", OSE_FIXTURE_DIR, rel);
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open fixture %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = 0;
	*len = (size_t)n;
	return buf;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

uint8_t *v2_unhex(const char *hex, size_t len, size_t *out_len)
{
	uint8_t *out = malloc(len / 2 + 1);
	size_t n = 0;
	int hi = -1;
	cr_assert_not_null(out);
	for (size_t i = 0; i < len; i++) {
		int v = hexval(hex[i]);
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	*out_len = n;
	return out;
}

size_t v2_chomp(const char *p, size_t len)
{
	if (len && p[len - 1] == '\n')
		len--;
	return len;
}

const char *v2_guard_put(struct v2_guard *g, const void *p, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t data_pages = (len + page - 1) / page;
	if (data_pages == 0)
		data_pages = 1;
	g->maplen = (data_pages + 1) * page;
	g->map = mmap(NULL, g->maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(g->map, MAP_FAILED);
	cr_assert_eq(mprotect(g->map + data_pages * page, page, PROT_NONE), 0);
	uint8_t *dst = g->map + data_pages * page - len;
	if (len)
		memcpy(dst, p, len);
	return (const char *)dst;
}

void v2_guard_free(struct v2_guard *g)
{
	munmap(g->map, g->maplen);
	g->map = NULL;
}

void v2_dec_str(ose_dec v, char *buf)
{
	ose_dec_format(v, buf);
}
