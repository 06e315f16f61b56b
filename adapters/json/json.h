/* SPDX-License-Identifier: MIT */
/*
 * ose_json: the schema-aware JSON scanner and field readers every JSON
 * venue adapter shares (DESIGN §8, issue 4).  See docs/adapters.md.
 *
 * Shape: no DOM, no allocation.  An adapter describes the keys it wants at
 * one object level in a key set, and ose_json_obj_get() walks that object
 * once, validating every byte it passes (nested values it does not want
 * are skipped *and* validated), and returns for each wanted key a view
 * (struct ose_json_val) into the caller's buffer.  Field readers then turn
 * views into exact decimals, ids, timestamps and booleans.
 *
 * Padding contract: none.  The scanner reads only msg[0..len); SIMD loads
 * happen only while a whole vector lies inside the buffer and the tail is
 * handled with scalar code.  Tests place every input right before a
 * PROT_NONE page to prove it.
 *
 * SIMD: AVX2, SSE4.2 and scalar builds of the scanner live in one binary;
 * the first call picks the best the CPU has (or what OSE_JSON_SIMD=scalar|
 * sse42|avx2 in the environment asks for), and ose_json_simd_force() lets
 * tests run every path.  Results are identical on every path.
 *
 * Errors: functions return 0 (or a documented positive value) on success
 * and -(enum ose_parse_err) on failure, and set *why to a static string
 * naming the condition (never NULL after a failure, never pointing into
 * the message).
 *
 * Thread safety: key sets are prepared on first use under a lock and are
 * read-only afterwards; all other functions are pure.
 */
#ifndef OSE_ADAPTERS_JSON_JSON_H
#define OSE_ADAPTERS_JSON_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "adapters/adapter.h"
#include "shm/dec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Deepest nesting the scanner accepts; deeper input is OSE_PERR_TOO_DEEP.
 * Venue messages nest 4 levels at most. */
#define OSE_JSON_MAX_DEPTH 64
/* Most keys one key set may hold. */
#define OSE_JSON_KEYS_MAX 64
/* Largest message (the views hold 32-bit lengths). */
#define OSE_JSON_MAX_LEN 0x7fffffffu

enum ose_json_type {
	OSE_JSON_ABSENT = 0, /* key not present in the object */
	OSE_JSON_STRING,
	OSE_JSON_NUMBER,
	OSE_JSON_TRUE,
	OSE_JSON_FALSE,
	OSE_JSON_NULL,
	OSE_JSON_OBJECT,
	OSE_JSON_ARRAY,
};

/*
 * A view of one value inside the caller's buffer (valid as long as it is).
 *   string:         p = first byte after the opening quote, len = raw bytes
 *                   up to the closing quote (escapes NOT decoded; esc = 1
 *                   if any backslash occurs: use ose_json_str_copy()).
 *   number/true/false/null: p, len = the token text.
 *   object/array:   p = the '{' or '[', len = through the closing bracket.
 */
struct ose_json_val {
	const char *p;
	uint32_t len;
	uint8_t type; /* enum ose_json_type */
	uint8_t esc;
};

/* One wanted key.  Matching is exact on the key's bytes and length
 * (Binance "c" vs "C", "p" vs "pL"); a key written with escapes on the
 * wire is decoded first, so "\u0063" matches "c". */
struct ose_json_key {
	const char *name;
	uint32_t len;
	uint32_t flags; /* OSE_JSON_DESCEND, OSE_JSON_LAZY or 0 */
};
#define OSE_JSON_KEY(lit) { .name = (lit), .len = sizeof(lit) - 1, .flags = 0 }
#define OSE_JSON_KEY_F(lit, fl) { .name = (lit), .len = sizeof(lit) - 1, .flags = (fl) }

/*
 * Key flags.
 * OSE_JSON_DESCEND: when the value is an object, walk it in the same pass
 *   with the same key set into the same vals (first occurrence of a key
 *   wins, whichever level it is on), and still return its view.  For
 *   envelopes like Binance's {"subscriptionId":0,"event":{...}}: one pass
 *   instead of two.  Depth still counts.
 * OSE_JSON_LAZY: when the value is an array or object, only find its
 *   extent here (strings and brackets, no grammar check) and return the
 *   view; the caller MUST then walk it completely with ose_json_iter_next
 *   / ose_json_iter_next_obj / ose_json_obj_get_val, which validate.  For
 *   data[] arrays that the adapter iterates anyway: one pass, not two.
 */
#define OSE_JSON_DESCEND 1u
#define OSE_JSON_LAZY 2u
/* OSE_JSON_EACH: the value must be an array of objects; each element is
 * walked in the same pass with each->ks and handed to each->fn (see
 * ose_json_obj_get_each; each->inner for EACH keys inside elements).
 * Without an each context it behaves like 0. */
#define OSE_JSON_EACH 4u

/*
 * A set of wanted keys; its index (a small hash table) is built on first
 * use.  Declare static and initialise with OSE_JSON_KEYSET(array).
 * The fields after n are private.
 */
struct ose_json_keyset {
	const struct ose_json_key *keys;
	uint32_t n; /* <= OSE_JSON_KEYS_MAX */
	int ready;  /* private */
	uint8_t bucket[256];
	uint8_t next[OSE_JSON_KEYS_MAX];
	uint64_t word[OSE_JSON_KEYS_MAX]; /* first 8 key bytes, zero-padded */
	uint64_t tail[OSE_JSON_KEYS_MAX]; /* last 8 key bytes (keys of 9..16) */
	uint8_t one[256]; /* one-byte keys: index + 1 by byte (Binance) */
};
#define OSE_JSON_KEYSET(arr) { .keys = (arr), .n = sizeof(arr) / sizeof((arr)[0]) }

/* Builds ks's index now rather than at its first use (which then costs a
 * message its time: adapters build all theirs before a feed connects,
 * struct ose_adapter.prepare).  Idempotent and thread-safe; no-fail. */
void ose_json_keyset_prepare(struct ose_json_keyset *ks);
/* How many key set indexes this process has built (tests: none may be
 * left for a message to build once its adapter is prepared). */
uint64_t ose_json_keyset_builds(void);

/*
 * Walk the JSON object in p[0..len) (leading/trailing whitespace allowed;
 * nothing else may follow the closing brace) and fill vals[i] for every
 * key ks->keys[i] found at this level; keys not found get OSE_JSON_ABSENT.
 * If a key occurs twice the first occurrence wins (as simdjson's DOM
 * find_field does).  Every byte of the object is validated: strings
 * (escapes, control characters, UTF-8), numbers (JSON grammar), literals,
 * nesting (at most OSE_JSON_MAX_DEPTH).
 * vals must hold ks->n entries.
 * Returns 0, or -OSE_PERR_SYNTAX / _TRUNCATED / _TOO_DEEP / _UTF8 /
 * _WRONG_TYPE (the value is valid JSON but not an object) / _TOO_LONG
 * (len > OSE_JSON_MAX_LEN).
 */
int ose_json_obj_get(const char *p, size_t len, struct ose_json_keyset *ks,
		     struct ose_json_val *vals, const char **why);

/*
 * Arrays of objects in one pass (OKX/Bybit data[]): for the key flagged
 * OSE_JSON_EACH, every element is walked with ks into vals and fn(arg,
 * vals, why) is called before the scan moves on.  fn returns 0 to go on
 * or a negative reason to stop the scan with it (fn sets *why).  count
 * says how many elements were handed over.  The array's view is also
 * returned in the outer vals.  A later syntax error still fails the whole
 * call, so callers must treat what fn produced as provisional until
 * ose_json_obj_get_each returns 0.
 */
typedef int (*ose_json_each_fn)(void *arg, const struct ose_json_val *vals, const char **why);
struct ose_json_each {
	struct ose_json_keyset *ks;
	struct ose_json_val *vals; /* ks->n entries, refilled per element */
	ose_json_each_fn fn;
	void *arg;
	uint32_t count; /* out */
	/* Nested EACH (Coinbase events[].orders[]): an OSE_JSON_EACH key of
	 * ks inside an element is walked in the same pass with inner (its
	 * elements handed to inner->fn, before fn sees the element that
	 * holds them), and so on down; NULL: such keys read as flag 0.
	 * Every level's count is reset by ose_json_obj_get_each. */
	struct ose_json_each *inner;
};
int ose_json_obj_get_each(const char *p, size_t len, struct ose_json_keyset *ks,
			  struct ose_json_val *vals, struct ose_json_each *each, const char **why);

/* Same for an object view returned by an earlier call (v->type must be
 * OSE_JSON_OBJECT, else -OSE_PERR_WRONG_TYPE). */
int ose_json_obj_get_val(const struct ose_json_val *v, struct ose_json_keyset *ks,
			 struct ose_json_val *vals, const char **why);

/*
 * Validate that p[0..len) is exactly one JSON value (with optional
 * surrounding whitespace) and describe it in *v.  Returns 0 or a negative
 * reason as above.
 */
int ose_json_value(const char *p, size_t len, struct ose_json_val *v, const char **why);

/* Iterate the elements of an array view (already validated by the call
 * that returned it).  Usage:
 *     struct ose_json_iter it; ose_json_iter_init(&it, &arr);
 *     while ((rc = ose_json_iter_next(&it, &elem, &why)) > 0) ...
 * Returns 1 with *elem set, 0 at the end, or a negative reason (only if
 * the view was not produced by this scanner). */
struct ose_json_iter {
	const char *p, *end;
	int first;
};
void ose_json_iter_init(struct ose_json_iter *it, const struct ose_json_val *arr);
int ose_json_iter_next(struct ose_json_iter *it, struct ose_json_val *elem, const char **why);

/* Next element, which must be an object, walked once with key set ks into
 * vals (as ose_json_obj_get).  Returns 1, 0 at the end, or a negative
 * reason (-OSE_PERR_WRONG_TYPE if the element is not an object). */
int ose_json_iter_next_obj(struct ose_json_iter *it, struct ose_json_keyset *ks,
			   struct ose_json_val *vals, const char **why);

/* ---- field readers -------------------------------------------------- */

/* What a field reader found; numeric fields accept strings and bare
 * numbers, and say which. */
enum ose_json_got {
	OSE_JGOT_ABSENT = 0, /* key not present */
	OSE_JGOT_STRING,     /* "1.5" */
	OSE_JGOT_NUMBER,     /* 1.5 */
	OSE_JGOT_EMPTY,      /* "" */
	OSE_JGOT_NULL,       /* null */
};

/*
 * Exact decimal from a string or bare number (via ose_dec_parse semantics,
 * no floating point).  "", null and absent are not errors: they return 0
 * with *got saying which and *out untouched (the caller leaves the
 * OSE_EVF_HAS_* flag clear).  *got may be NULL.
 * Returns 0, -OSE_PERR_NUMBER (does not fit / not a number), or
 * -OSE_PERR_WRONG_TYPE (object, array, boolean).
 */
int ose_json_read_dec(const struct ose_json_val *v, ose_dec *out, enum ose_json_got *got);

/*
 * Same semantics as ose_dec_parse(s, len, out) (tested against it), with a
 * fast path for plain "123.456" text; used by ose_json_read_dec.
 */
enum ose_dec_err ose_json_dec_parse(const char *s, size_t len, ose_dec *out);

/*
 * An identifier (order id, client id, trade id, symbol) into dst[cap],
 * NUL-terminated: a string (escapes decoded) or an integer number token
 * (Binance "i": 4293153, OKX "ordId": "2497956918703120384").
 * "" gives an empty dst and OSE_JGOT_EMPTY; null/absent give an empty dst
 * and return 0 with *got set.
 * Returns the length copied (>= 0), -OSE_PERR_TOO_LONG if it needs more
 * than cap - 1 bytes, -OSE_PERR_WRONG_TYPE for objects/arrays/booleans or
 * a non-integer number.
 */
int ose_json_read_id(const struct ose_json_val *v, char *dst, size_t cap, enum ose_json_got *got);

/* Strings only (a number is -OSE_PERR_WRONG_TYPE); otherwise as read_id. */
int ose_json_read_str(const struct ose_json_val *v, char *dst, size_t cap, enum ose_json_got *got);

/* Like read_str but truncates instead of failing (informational text such
 * as reject reasons).  Returns the length copied or -OSE_PERR_WRONG_TYPE. */
int ose_json_read_str_trunc(const struct ose_json_val *v, char *dst, size_t cap);

/* Signed 64-bit integer from a number or a string holding one
 * ("lever": "0", "g": -1).  Returns 0 (absent/""/null: *got says, *out
 * untouched), -OSE_PERR_NUMBER (not an integer / out of range) or
 * -OSE_PERR_WRONG_TYPE. */
int ose_json_read_i64(const struct ose_json_val *v, int64_t *out, enum ose_json_got *got);

/* Boolean from true/false, the strings "true"/"false" (OKX, Coinbase) or
 * 0/1 as number or string (Bybit "isLeverage":"0", MEXC "m":0).
 * Returns 0 (absent/""/null: *got says, *out untouched),
 * -OSE_PERR_WRONG_TYPE otherwise. */
int ose_json_read_bool(const struct ose_json_val *v, int *out, enum ose_json_got *got);

/* 1 if v is a string whose raw bytes equal s[0..n) (no escapes), else 0. */
int ose_json_str_eq(const struct ose_json_val *v, const char *s, size_t n);
#define OSE_JSON_STR_EQ(v, lit) ose_json_str_eq((v), (lit), sizeof(lit) - 1)

/* Decode string view v (escapes, \uXXXX with surrogate pairs, to UTF-8)
 * into dst[cap] with a NUL.  Returns the length or -OSE_PERR_TOO_LONG /
 * -OSE_PERR_WRONG_TYPE (not a string). */
int ose_json_str_copy(const struct ose_json_val *v, char *dst, size_t cap);

/* ---- timestamps (reference trap 7) --------------------------------- */

enum ose_ts_unit { OSE_TS_S = 0, OSE_TS_MS, OSE_TS_US, OSE_TS_NS };

/*
 * An epoch timestamp counted in unit, given as a bare number or a string,
 * integral or with a fraction ("1605176741123.456" ms), to ns since the
 * epoch.  Covers ms ints (Binance), µs ints (Binance timeUnit=MICROSECOND),
 * ms strings (Bybit/OKX/Gate *_ms), seconds (Gate create_time) and
 * fractional-ms strings (Gate usertrades).  Exact integer arithmetic; a
 * fraction finer than 1 ns must be zeros.  Negative values are refused.
 * Returns 0 (absent/""/null: *got says, *ns untouched),
 * -OSE_PERR_TIMESTAMP or -OSE_PERR_WRONG_TYPE.
 */
int ose_json_read_ts(const struct ose_json_val *v, enum ose_ts_unit unit, int64_t *ns,
		     enum ose_json_got *got);

/*
 * RFC 3339 string ("2023-02-09T20:33:57.609931463Z", any fraction up to
 * 9 digits, 'Z' or +hh:mm/-hh:mm offsets) to ns since the epoch.  The
 * Coinbase "unset" sentinel "0001-01-01T00:00:00Z" gives 0 (unknown).
 * Same return values as ose_json_read_ts.
 */
int ose_json_read_rfc3339(const struct ose_json_val *v, int64_t *ns, enum ose_json_got *got);

/* The text forms of the two readers above, for raw buffers. */
int ose_ts_parse_epoch(const char *s, size_t len, enum ose_ts_unit unit, int64_t *ns);
int ose_ts_parse_rfc3339(const char *s, size_t len, int64_t *ns);

/* ---- SIMD dispatch --------------------------------------------------- */

enum ose_json_simd {
	OSE_JSON_SIMD_AUTO = 0, /* best the CPU supports */
	OSE_JSON_SIMD_SCALAR,
	OSE_JSON_SIMD_SSE42,
	OSE_JSON_SIMD_AVX2,
};

/* Force a path (tests, benchmarks).  Returns 0, or -ENOTSUP if this CPU
 * or build lacks it (nothing changes then). */
int ose_json_simd_force(enum ose_json_simd level);
/* The path in use (never AUTO). */
enum ose_json_simd ose_json_simd_active(void);
/* "scalar", "sse42", "avx2", "auto"; never NULL. */
const char *ose_json_simd_name(enum ose_json_simd level);
/* 1 if this CPU and build can run level. */
int ose_json_simd_supported(enum ose_json_simd level);

#ifdef __cplusplus
}
#endif

#endif /* OSE_ADAPTERS_JSON_JSON_H */
