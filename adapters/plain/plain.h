/* SPDX-License-Identifier: MIT */
/*
 * ose_plain: a fast path for "plain" JSON messages, in front of the full
 * scanner (adapters/json/json.h).  Internal to adapters/ (used by the Gate
 * and Coinbase parsers; venue-agnostic).
 *
 * Plain means what venues actually send on their private streams: one
 * compact line of printable ASCII with no backslash anywhere (no escapes,
 * no UTF-8, no tabs or newlines; spaces are allowed between tokens), at
 * most 64 KiB.  For such a message every '"' opens or closes a string, so
 * the walk finds the end of each string from a bitmap of quote positions
 * (computed for the whole message first: AVX2, SSE2 or scalar) instead of
 * scanning each string byte by byte, and the grammar between strings is
 * a few scalar compares.
 *
 * Same output as the scanner: ose_plain_obj_get_each() fills the same
 * struct ose_json_val views, from key arrays shared with the scanner's
 * key sets (so an adapter keeps one set of indices and one normaliser),
 * first occurrence of a key wins, and OSE_JSON_EACH arrays hand each
 * element to a callback in the same pass.  Unlike the scanner it also
 * follows OSE_JSON_EACH keys inside elements (each->inner: Coinbase's
 * events[].orders[]), so nested arrays are walked once.
 *
 * Everything it accepts is valid JSON and is validated as it goes
 * (grammar, numbers, literals, nesting; strings are valid by the plain
 * check).  Anything else - escapes, non-ASCII, control bytes, nesting
 * deeper than OSE_PLAIN_MAX_DEPTH, syntax errors, a callback refusing -
 * returns -1 and the caller starts over with the full scanner, which
 * handles the general case and names the error.  So this path decides
 * nothing on its own about bad input; it only has to agree with the
 * scanner on what it accepts (tests/adapters/v2/test_plain.c checks
 * both directions on fixtures and mutated messages).
 *
 * Padding contract: none.  Only p[0..len) is read; 16-byte loads happen
 * only inside a whole 64-byte block within the buffer, the tail is scalar.
 *
 * Thread safety: key sets are indexed on first use under a lock and are
 * read-only afterwards; everything else is pure.
 */
#ifndef OSE_ADAPTERS_PLAIN_PLAIN_H
#define OSE_ADAPTERS_PLAIN_PLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "adapters/json/json.h"

/* Most keys one plain key set may hold. */
#define OSE_PLAIN_KEYS_MAX 32
/* Deeper nesting is declined (the scanner then applies its own limit). */
#define OSE_PLAIN_MAX_DEPTH 32

/*
 * A key set over an array of struct ose_json_key (the same arrays the
 * scanner's key sets use; only the OSE_JSON_EACH flag means anything
 * here, other flags read as 0).  Declare static, initialise with
 * OSE_PLAIN_KEYSET(array).  The fields after n are private.
 */
struct ose_plain_keyset {
	const struct ose_json_key *keys;
	uint32_t n; /* <= OSE_PLAIN_KEYS_MAX */
	int ready;  /* private */
	uint64_t mult; /* hash multiplier: chosen so no two keys share a bucket */
	uint8_t bucket[256];
	uint8_t next[OSE_PLAIN_KEYS_MAX];
	struct {
		uint64_t word; /* first 8 key bytes, zero-padded */
		uint64_t tail; /* last 8 key bytes (keys of 9..16), else 0 */
		uint32_t len;
	} ent[OSE_PLAIN_KEYS_MAX];
};
#define OSE_PLAIN_KEYSET(arr) { .keys = (arr), .n = sizeof(arr) / sizeof((arr)[0]) }

/*
 * What to do with the elements of an OSE_JSON_EACH array (every element
 * must be an object).  When the array starts, pick(arg) (if set) chooses
 * the element key set, else ks is used; NULL declines the message.  Each
 * element is walked with that set into vals (ks->n entries; big enough
 * for any set pick returns) and then fn(arg, vals, why) runs: 0 goes on,
 * anything else declines.  OSE_JSON_EACH keys inside an element follow
 * inner (NULL: they are plain values).  count is not kept: the caller's
 * fn counts what it produced.
 */
struct ose_plain_each {
	struct ose_plain_keyset *ks;
	struct ose_plain_keyset *(*pick)(void *arg);
	struct ose_json_val *vals;
	int (*fn)(void *arg, const struct ose_json_val *vals, const char **why);
	void *arg;
	const struct ose_plain_each *inner;
};

/*
 * Walk the plain JSON object in p[0..len) (spaces may surround it,
 * nothing else may follow) and fill vals[i] for each key ks->keys[i]
 * found at the top level (views exactly as ose_json_obj_get gives them;
 * esc is always 0), handing OSE_JSON_EACH arrays to each (NULL: they are
 * plain values).
 * Returns 0, or -1 when the message is not plain, not valid, or a
 * callback declined: whatever the callbacks produced is then void, and
 * the caller starts over with the full scanner.
 */
int ose_plain_obj_get_each(const char *p, size_t len, struct ose_plain_keyset *ks,
			   struct ose_json_val *vals, const struct ose_plain_each *each);

/* Tests: 1 makes the block classifier use its scalar twin, 0 the vector
 * path where there is one.  Not for production use (not synchronised). */
void ose_plain_force_scalar(int on);

#endif /* OSE_ADAPTERS_PLAIN_PLAIN_H */
