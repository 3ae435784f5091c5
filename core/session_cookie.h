/*
 * session_cookie.h: express-session compatible signed cookies.
 *
 * Plain C with OpenSSL, no httpd or APR, so that the unit tests and the
 * fuzzers link it alone.  Wire format (express-session 1.x with
 * cookie-signature 1.2, checked against the npm packages in tests/interop):
 *   value   = "s:" sid "." base64(HMAC-SHA256(secret, sid)) without '=' padding
 *   on wire = encodeURIComponent(value)
 */
#ifndef SESSION_COOKIE_H
#define SESSION_COOKIE_H

#include <stddef.h>
#include <openssl/sha.h>

#define SC_SID_RAW_LEN   24   /* CSPRNG bytes in a session id */
#define SC_SID_LEN       32   /* base64url of 24 bytes, no padding */
#define SC_SIG_LEN       43   /* base64 of 32 bytes, '=' removed */
#define SC_SIGNED_LEN    (2 + SC_SID_LEN + 1 + SC_SIG_LEN)
/* Longest cookie value we look at, before and after percent-decoding;
 * ours are 78 bytes decoded and about 90 encoded.  Anything longer is not
 * one of ours and is refused before any work is done on it. */
#define SC_VALUE_MAX     512
/* Longest signed id accepted by sc_sign (ids of other writers may differ). */
#define SC_ID_MAX        256

typedef enum {
    SC_OK = 0,
    SC_ABSENT,          /* no cookie of that name */
    SC_MALFORMED,       /* bad escapes, no "s:" prefix, no '.', wrong length */
    SC_BAD_SIGNATURE    /* well formed, but no secret signs it */
} sc_status_t;

/* An HMAC-SHA256 key with the inner and outer pads already absorbed, so a
 * signature costs two compressions per block of message, no allocation and
 * no locking: the same key is shared read-only by all threads. */
typedef struct sc_key {
    SHA256_CTX inner;
    SHA256_CTX outer;
} sc_key_t;

void sc_key_init(sc_key_t *key, const char *secret, size_t secret_len);
void sc_key_wipe(sc_key_t *key);

/* HMAC-SHA256 of msg. */
void sc_hmac(const sc_key_t *key, const void *msg, size_t len,
             unsigned char mac[SHA256_DIGEST_LENGTH]);

/* Base64 (standard alphabet, or URL-safe when url != 0) without padding.
 * out must hold 4*ceil(len/3) + 1 bytes; returns the length written. */
size_t sc_base64_encode(const unsigned char *in, size_t len, char *out, int url);

/* encodeURIComponent.  Returns the length written, or (size_t)-1 if out
 * (outsz bytes, NUL included) is too small. */
size_t sc_uri_encode(const char *in, size_t len, char *out, size_t outsz);

/* decodeURIComponent for the bytes we care about: %XX escapes become bytes.
 * Returns the decoded length, or (size_t)-1 for a malformed escape, a
 * decoded NUL, or an output that does not fit. */
size_t sc_percent_decode(const char *in, size_t len, char *out, size_t outsz);

/* Find the first cookie called name in a Cookie header exactly as the npm
 * "cookie" parser 0.7 (the one express-session 1.19 uses) does: pairs
 * split at ';' only, pairs without '=' skipped, names and values trimmed
 * of spaces and tabs, the first pair of a name wins, and a value that
 * starts and ends with a double quote loses both (a lone '"' leaves an
 * empty value).  Returns 1 and points *val (not NUL-terminated) into
 * header when found, 0 otherwise. */
int sc_cookie_find(const char *header, const char *name,
                   const char **val, size_t *val_len);

/* Copy header into out without any pair that names the cookie called
 * name, as sc_cookie_find reads names or as a parser that also splits at
 * ',' would (a pair "a=1,name=x" goes whole); the others are trimmed and
 * joined with "; ".  Returns the length written (0: nothing left), or
 * (size_t)-1 when out (outsz bytes, NUL included) is too small. */
size_t sc_cookie_remove(const char *header, const char *name,
                        char *out, size_t outsz);

/* The device cookie of the login throttle (session_store/throttle.c) is
 * the session cookie's name with this suffix: one place, so that
 * SocketIOAuthStripCookie strips both.  Names are at most
 * SC_COOKIE_NAME_MAX bytes (SessionStoreCookieName checks it). */
#define SC_DEVICE_SUFFIX   ".device"
#define SC_COOKIE_NAME_MAX 200

/* SocketIOAuthStripCookie: the Cookie header without the session cookie
 * and its device cookie, for a backend that must never see them.  Call with a buffer of
 * sc_cookie_strip_size(header) bytes.  Returns 1 when out holds the header
 * to send on, 0 when the request must go on with no Cookie header at all
 * (nothing else was left, or the header could not be rewritten: failing
 * closed never forwards the session's cookie). */
size_t sc_cookie_strip_size(const char *header);
int sc_cookie_strip(const char *header, const char *name, char *out,
                    size_t outsz);

/* Signed value "s:<id>.<sig>" (not URI-encoded) for id with key: writes
 * NUL-terminated text into out.  Returns its length, or (size_t)-1 when
 * out is too small or id is longer than SC_ID_MAX. */
size_t sc_sign(const sc_key_t *key, const char *id, size_t id_len,
               char *out, size_t outsz);

/* A signed value split into its parts.  id and sig point into the value
 * given to sc_parse or into buf (when it needed percent-decoding), so the
 * struct must not be copied while they are in use. */
typedef struct sc_signed {
    const char *id;
    size_t      id_len;
    const char *sig;                 /* SC_SIG_LEN characters */
    char        buf[SC_VALUE_MAX + 1];
} sc_signed_t;

/* Decode a raw cookie value (as found by sc_cookie_find) and split it
 * into id and signature, without checking the signature: SC_OK or
 * SC_MALFORMED.  Decoded as npm cookie does: decodeURIComponent when it
 * holds a '%', and taken as it is when that fails (a bad escape, escapes
 * that are not UTF-8, or here a decoded NUL).  Lets a caller start fetching the session while the
 * signature is being checked. */
sc_status_t sc_parse(const char *val, size_t val_len, sc_signed_t *sv);

/* Check sv's signature against each key in turn, in constant time per
 * key: SC_OK (with *key_index, may be NULL) or SC_BAD_SIGNATURE. */
sc_status_t sc_verify(const sc_key_t *keys, int nkeys, const sc_signed_t *sv,
                      int *key_index);

/* Verify a raw cookie value (as found by sc_cookie_find: still
 * URI-encoded) against each key in turn, in constant time per key, as
 * cookie-signature's unsign does.  On SC_OK the signed id (any id, not only
 * ours: check it with sc_sid_valid) is copied, NUL-terminated, into id
 * (SC_ID_MAX + 1 bytes) and *key_index (may be NULL) says which key
 * matched. */
sc_status_t sc_unsign(const sc_key_t *keys, int nkeys,
                      const char *val, size_t val_len,
                      char id[SC_ID_MAX + 1], int *key_index);

/* 1 if s is a session id of our format (32 base64url characters). */
int sc_sid_valid(const char *s, size_t len);

/* The handle an operator sees for a session: base64url of the first 16
 * bytes of SHA-256("mod_session_store handle:" id), SC_HANDLE_LEN
 * characters.  It names the session in listings and revocations but,
 * being a one-way function of the id, can never be turned into a cookie. */
#define SC_HANDLE_LEN 22
void sc_session_handle(const char *id, size_t id_len,
                       char handle[SC_HANDLE_LEN + 1]);

/* A fresh session id from OpenSSL's CSPRNG.  Returns 0, or -1 when the
 * generator fails (the caller must then refuse the login). */
int sc_sid_new(char sid[SC_SID_LEN + 1]);

/* A status's name for diagnostics (tests, fuzzers); clients are told
 * session_store_reason()'s words. */
const char *sc_status_reason(sc_status_t st);

#endif
