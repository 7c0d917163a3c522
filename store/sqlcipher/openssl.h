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
