// SPDX-License-Identifier: MIT
/*
 * The build's crypto path, checked from inside a binary linked the way the
 * product binaries are (wolfssl_dep):
 *  - ose_config.h's OSE_CRYPTO_PATH says what options.h says (AES-NI or not);
 *  - the library decrypts an AES-256-GCM record correctly (McGrew-Viega test
 *    case 16, the vector wolfCrypt's own test uses), so the static link
 *    pulled in a working wolfCrypt, AES-NI code included;
 *  - a local build is linked statically: no libwolfssl.so is mapped, so the
 *    binary runs without LD_LIBRARY_PATH or rpath; the system build is the
 *    shared Debian library.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>

#include "ose_config.h"

Test(build, crypto_path_matches_options_h)
{
#ifdef WOLFSSL_AESNI
	cr_expect_eq(OSE_WOLFSSL_AESNI, 1);
	cr_expect(strstr(OSE_CRYPTO_PATH, "AES-NI") != NULL && strstr(OSE_CRYPTO_PATH, "no AES-NI") == NULL,
		"OSE_CRYPTO_PATH \"%s\" does not say AES-NI", OSE_CRYPTO_PATH);
#else
	cr_expect_eq(OSE_WOLFSSL_AESNI, 0);
	cr_expect(strstr(OSE_CRYPTO_PATH, "no AES-NI") != NULL,
		"OSE_CRYPTO_PATH \"%s\" does not say no AES-NI", OSE_CRYPTO_PATH);
#endif
	cr_expect(strstr(OSE_CRYPTO_PATH, OSE_WOLFSSL_VERSION) != NULL);
	cr_expect(strstr(OSE_CRYPTO_PATH, OSE_WOLFSSL_LOCAL ? "local build" : "Debian system library") != NULL);
}

static const unsigned char key[32] = {
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c, 0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c, 0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
};
static const unsigned char iv[12] = {
	0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88,
};
static const unsigned char aad[20] = {
	0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef,
	0xab, 0xad, 0xda, 0xd2,
};
static const unsigned char plain[60] = {
	0xd9, 0x31, 0x32, 0x25, 0xf8, 0x84, 0x06, 0xe5, 0xa5, 0x59, 0x09, 0xc5, 0xaf, 0xf5, 0x26, 0x9a,
	0x86, 0xa7, 0xa9, 0x53, 0x15, 0x34, 0xf7, 0xda, 0x2e, 0x4c, 0x30, 0x3d, 0x8a, 0x31, 0x8a, 0x72,
	0x1c, 0x3c, 0x0c, 0x95, 0x95, 0x68, 0x09, 0x53, 0x2f, 0xcf, 0x0e, 0x24, 0x49, 0xa6, 0xb5, 0x25,
	0xb1, 0x6a, 0xed, 0xf5, 0xaa, 0x0d, 0xe6, 0x57, 0xba, 0x63, 0x7b, 0x39,
};
static const unsigned char cipher[60] = {
	0x52, 0x2d, 0xc1, 0xf0, 0x99, 0x56, 0x7d, 0x07, 0xf4, 0x7f, 0x37, 0xa3, 0x2a, 0x84, 0x42, 0x7d,
	0x64, 0x3a, 0x8c, 0xdc, 0xbf, 0xe5, 0xc0, 0xc9, 0x75, 0x98, 0xa2, 0xbd, 0x25, 0x55, 0xd1, 0xaa,
	0x8c, 0xb0, 0x8e, 0x48, 0x59, 0x0d, 0xbb, 0x3d, 0xa7, 0xb0, 0x8b, 0x10, 0x56, 0x82, 0x88, 0x38,
	0xc5, 0xf6, 0x1e, 0x63, 0x93, 0xba, 0x7a, 0x0a, 0xbc, 0xc9, 0xf6, 0x62,
};
static const unsigned char tag[16] = {
	0x76, 0xfc, 0x6e, 0xce, 0x0f, 0x4e, 0x17, 0x68, 0xcd, 0xdf, 0x88, 0x53, 0xbb, 0x2d, 0x55, 0x1b,
};

Test(build, aes_gcm_known_answer)
{
	Aes aes;
	unsigned char out[sizeof(plain)];
	unsigned char bad[sizeof(tag)];

	cr_assert_eq(wc_AesInit(&aes, NULL, INVALID_DEVID), 0);
	cr_assert_eq(wc_AesGcmSetKey(&aes, key, sizeof(key)), 0);
	cr_assert_eq(wc_AesGcmDecrypt(&aes, out, cipher, sizeof(cipher), iv, sizeof(iv),
			     tag, sizeof(tag), aad, sizeof(aad)), 0);
	cr_expect_arr_eq(out, plain, sizeof(plain));

	/* A flipped tag bit must be refused: the check is not a no-op. */
	memcpy(bad, tag, sizeof(bad));
	bad[0] ^= 1;
	cr_expect_neq(wc_AesGcmDecrypt(&aes, out, cipher, sizeof(cipher), iv, sizeof(iv),
			      bad, sizeof(bad), aad, sizeof(aad)), 0);
	wc_AesFree(&aes);
}

/* Whether a shared object whose path contains NAME is mapped into us. */
static int mapped(const char *name)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	int found = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, name) != NULL)
			found = 1;
	fclose(f);
	return found;
}

Test(build, local_wolfssl_is_linked_statically)
{
	int m = mapped("libwolfssl.so");

	if (m < 0)
		cr_skip_test("no /proc/self/maps");
	if (OSE_WOLFSSL_LOCAL)
		cr_expect_eq(m, 0, "the local wolfSSL must be linked statically, but libwolfssl.so is mapped");
	else
		cr_expect_eq(m, 1, "the system wolfSSL is expected as Debian's shared library");
}
