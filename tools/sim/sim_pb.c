/* SPDX-License-Identifier: MIT */
/*
 * A minimal proto3 encoder for MEXC's PushDataV3ApiWrapper frames: varint
 * and length-delimited fields written into a caller's fixed buffer, no
 * allocation.  Sub-messages reserve a 2-byte length (enough for < 16 KiB,
 * which every push frame is) and are closed by sim_pb_end, which shrinks
 * the reservation to 1 byte when the body is under 128 bytes so the output
 * is the canonical encoding a protobuf library would produce.
 */
#include <string.h>

#include "tools/sim/sim.h"

static void put(struct sim_pb *pb, const void *s, size_t n)
{
	if (pb->len + n > pb->cap) {
		pb->overflow = true;
		return;
	}
	memcpy(pb->p + pb->len, s, n);
	pb->len += n;
}

static void varint(struct sim_pb *pb, uint64_t v)
{
	uint8_t t[10];
	size_t n = 0;
	while (v >= 0x80) {
		t[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	t[n++] = (uint8_t)v;
	put(pb, t, n);
}

void sim_pb_varint_field(struct sim_pb *pb, uint32_t field, uint64_t v)
{
	varint(pb, (uint64_t)field << 3 | 0);
	varint(pb, v);
}

void sim_pb_bytes_field(struct sim_pb *pb, uint32_t field, const void *s, size_t n)
{
	varint(pb, (uint64_t)field << 3 | 2);
	varint(pb, n);
	put(pb, s, n);
}

/* proto3 omits default values: an empty string is simply not written. */
void sim_pb_str_field(struct sim_pb *pb, uint32_t field, const char *s)
{
	size_t n = strlen(s);
	if (n)
		sim_pb_bytes_field(pb, field, s, n);
}

size_t sim_pb_begin(struct sim_pb *pb, uint32_t field)
{
	varint(pb, (uint64_t)field << 3 | 2);
	size_t mark = pb->len;
	put(pb, "\x80\x00", 2); /* placeholder, fixed up by sim_pb_end */
	return mark;
}

void sim_pb_end(struct sim_pb *pb, size_t mark)
{
	if (pb->overflow)
		return;
	size_t body = pb->len - mark - 2;
	if (body < 128) {
		pb->p[mark] = (uint8_t)body;
		memmove(pb->p + mark + 1, pb->p + mark + 2, body);
		pb->len--;
	} else if (body < 16384) {
		pb->p[mark] = (uint8_t)(body | 0x80);
		pb->p[mark + 1] = (uint8_t)(body >> 7);
	} else {
		pb->overflow = true;
	}
}
