/*
 * fuzz_secrets.h: the secrets the signature targets choose among: the
 * cookie-signature vector's pair, an empty one, and the lengths where HMAC changes course
 * (a key of exactly one SHA-256 block is used as it is, a longer one is
 * hashed first).
 */
#ifndef FUZZ_SECRETS_H
#define FUZZ_SECRETS_H

#include "session_cookie.h"

#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

static const char *const fz_secrets[] = {
    "keyboard cat",
    "new secret",
    "",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdefX",
    "a",
};
#define FZ_NSECRETS (sizeof(fz_secrets) / sizeof(fz_secrets[0]))

/* The cookie-signature signature of msg, computed by OpenSSL's one-shot
 * HMAC rather than by the precomputed pads under test: 43 characters and
 * a NUL. */
static inline void fz_ref_signature(const char *secret, size_t secret_len,
                                    const void *msg, size_t len,
                                    char sig[SC_SIG_LEN + 2])
{
    unsigned char mac[32], b64[45];
    unsigned int mac_len = 0;
    static const unsigned char empty[1];

    HMAC(EVP_sha256(), secret_len ? (const void *)secret : empty,
         (int)secret_len, len ? msg : (const void *)empty, len, mac, &mac_len);
    EVP_EncodeBlock(b64, mac, (int)mac_len);
    memcpy(sig, b64, SC_SIG_LEN);
    sig[SC_SIG_LEN] = '\0';
}

#endif
