/*
 * Forced include (CGO_CFLAGS="-include <abs path>/openssl.h") that builds the
 * unmodified github.com/mutecomm/go-sqlcipher/v4 driver against OpenSSL's
 * libcrypto instead of its bundled libtomcrypt, which has no AES-NI.
 *
 * The driver's own #cgo flags define SQLCIPHER_CRYPTO_LIBTOMCRYPT; flags in
 * the environment come before those on the compile line and cannot undo
 * them, but a forced include is read after every -D and -U, so this header
 * has the last word. Link with CGO_LDFLAGS=-lcrypto (Debian: libssl-dev).
 *
 * The file format does not change (page 4096, PBKDF2-HMAC-SHA512 256,000,
 * HMAC-SHA512): databases written by either build open in the other.
 * The Makefile and .ci/run set both variables; see store/cipher.go.
 */
#undef SQLCIPHER_CRYPTO_LIBTOMCRYPT
#ifndef SQLCIPHER_CRYPTO_OPENSSL
#define SQLCIPHER_CRYPTO_OPENSSL 1
#endif

#ifdef SQLITE_HAS_CODEC
/*
 * SQLCipher's OpenSSL provider names its digest and cipher as EVP_sha512()
 * and EVP_aes_256_cbc() on every page it reads or writes. On OpenSSL 3
 * those are legacy handles that make each HMAC_Init_ex and
 * EVP_CipherInit_ex look the algorithm up again in the provider store
 * (three lookups a page, under a shared lock). These return the handle
 * fetched once instead; the algorithms, and so the file format, do not
 * change. Only the driver's compile (the one with SQLITE_HAS_CODEC) sees
 * this part. Its system headers come before the amalgamation's, so the
 * feature macros the amalgamation would set (large files, GNU: pread64,
 * mremap) are set here first, to the same values.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64
#endif
#define _LARGE_FILE 1
#define _LARGEFILE_SOURCE 1
#include <openssl/evp.h>

/*
 * TFTSR_FETCHED(T, name, alg, legacy) defines name(), the handle of type T
 * for algorithm alg, fetched on first use (two first uses at once: one
 * handle is kept, the other freed); legacy() if the fetch fails.
 */
#define TFTSR_FETCHED(T, name, alg, legacy)                                   \
	static inline const T *name(void) {                                       \
		static T *kept;                                                       \
		T *h = __atomic_load_n(&kept, __ATOMIC_ACQUIRE);                      \
		if (h == NULL) {                                                      \
			h = T##_fetch(NULL, alg, NULL);                                   \
			if (h == NULL)                                                    \
				return legacy();                                              \
			T *none = NULL;                                                   \
			if (!__atomic_compare_exchange_n(&kept, &none, h, 0,              \
			                                 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) { \
				T##_free(h);                                                  \
				h = none;                                                     \
			}                                                                 \
		}                                                                     \
		return h;                                                             \
	}

TFTSR_FETCHED(EVP_MD, tftsr_fetched_sha512, "SHA512", EVP_sha512)
TFTSR_FETCHED(EVP_CIPHER, tftsr_fetched_aes_256_cbc, "AES-256-CBC", EVP_aes_256_cbc)

#define EVP_sha512() tftsr_fetched_sha512()
#define EVP_aes_256_cbc() tftsr_fetched_aes_256_cbc()
#endif
