/*
 * session_json.h: a session as connect-redis stores it, and back.
 *
 * Plain C on jansson, no httpd or APR, so that the unit tests and a fuzzer
 * drive it alone.  connect-redis (9.x, its default serializer) keeps an
 * express-session session under "sess:<sid>" as JSON:
 *
 *   {"cookie":{"originalMaxAge":1800000,"expires":"2025-06-01T12:30:00.000Z",
 *              "httpOnly":true,"path":"/","sameSite":"lax"},
 *    "passport":{"user":"alice"},
 *    "httpd":{"v":1,"realm":"<32 hex>","created":1748779200000,
 *             "idle":1800,"maxAge":86400,"remote":"192.0.2.1"}}
 *
 * The user sits where passport puts it (a configurable path, default
 * passport.user).  "httpd" is ours: express-session keeps unknown
 * top-level fields across its saves, and a session without it was written
 * by another application ("foreign").
 *
 * What a value read from Redis maps to (the README's table says the same):
 *   user a string of 1..ST_USER_MAX-1 bytes, no control character
 *                                        -> that user
 *   user an integer (0 included)         -> its decimal text
 *   user missing, null, false or ""      -> SJ_NO_USER (not logged in, as
 *                                           passport reads it)
 *   user true, a fraction, an object, an array, a string too long or with
 *   control characters                   -> SJ_BAD_USER
 *   not JSON, not an object, duplicate keys, a NUL in a string
 *                                        -> SJ_BAD_JSON
 *   longer than SJ_VALUE_MAX bytes       -> SJ_TOO_LARGE (never parsed)
 *   an "httpd" object that is not ours (bad realm, created, limits)
 *                                        -> SJ_BAD_JSON
 */
#ifndef SESSION_JSON_H
#define SESSION_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "session_table.h"

/* Longest session value parsed; a lookup reads at most one byte more. */
#define SJ_VALUE_MAX      (64 * 1024)
#define SJ_PATH_DEPTH_MAX 4
#define SJ_PATH_PART_MAX  32
#define SJ_COOKIE_STR_MAX 256

/* Where the user name is: object keys from the top, e.g. passport.user. */
typedef struct sj_user_path {
    int  depth;
    char part[SJ_PATH_DEPTH_MAX][SJ_PATH_PART_MAX + 1];
} sj_user_path_t;

/* The cookie attributes express-session keeps with a session (and uses
 * again when it sets the cookie for it). */
typedef struct sj_cookie {
    char path[SJ_COOKIE_STR_MAX];     /* "" : "/" */
    char domain[SJ_COOKIE_STR_MAX];   /* "" : none */
    char same_site[8];                /* "lax", "strict", "none" or "" */
    int  http_only;
    int  secure;
} sj_cookie_t;

typedef enum {
    SJ_OK = 0,
    SJ_NO_USER,       /* a session nobody is logged into */
    SJ_BAD_USER,      /* a user value we cannot take for a name */
    SJ_BAD_JSON,      /* not a session object (or a broken "httpd") */
    SJ_TOO_LARGE      /* longer than SJ_VALUE_MAX */
} sj_status_t;

/* A stored session as read. */
typedef struct sj_session {
    char     user[ST_USER_MAX];
    int      own;                     /* has our "httpd" object */
    unsigned char realm[ST_REALM_LEN]; /* own only */
    int64_t  created;                 /* microseconds; own only */
    uint32_t idle_timeout;            /* seconds, 0: none; own only */
    uint32_t max_age;                 /* seconds, 0: none; own only */
    char     remote[ST_ADDR_MAX];     /* own only, may be "" */
    int64_t  original_max_age;        /* cookie.originalMaxAge in ms, or
                                         -1 when absent or null */
} sj_session_t;

/* "a.b.c": 1..SJ_PATH_DEPTH_MAX parts of 1..SJ_PATH_PART_MAX characters
 * from [A-Za-z0-9_$-].  Returns 0, or -1. */
int sj_user_path_parse(const char *text, sj_user_path_t *out);

/* Cookie attributes as SessionStoreCookieAttributes spells them
 * ("Path=/; HttpOnly; SameSite=Lax"), for express-session's cookie
 * object.  Unknown attributes (Max-Age, Expires, Partitioned...) are left
 * out; values too long for the fields are cut off.  Never fails. */
void sj_cookie_from_attributes(const char *attrs, sj_cookie_t *out);

/* Room enough for any session sj_encode writes (every string at its
 * longest, escaped). */
#define SJ_ENCODED_MAX    8192

/* The session s (ours: user, realm, created, limits, remote) as JSON, with
 * the user at path and cookie.expires = now + ttl_ms (originalMaxAge =
 * ttl_ms; both null when ttl_ms is 0), written NUL-terminated into out
 * (outsz bytes; SJ_ENCODED_MAX is always enough).  Returns its length, or
 * 0 when s->user is empty or not UTF-8, or out is too small. */
size_t sj_encode(const st_session_t *s, const sj_user_path_t *path,
                 const sj_cookie_t *cookie, int64_t now, int64_t ttl_ms,
                 char *out, size_t outsz);

/* Read a stored value of len bytes (need not be NUL-terminated).  out is
 * filled on SJ_OK and SJ_NO_USER; *why (may be NULL) says what was wrong
 * otherwise, for a log line (a static string). */
sj_status_t sj_decode(const char *buf, size_t len, const sj_user_path_t *path,
                      sj_session_t *out, const char **why);

/* How long, in ms, the key of a session used at now should live:
 *   own:     its idle timeout, capped by what is left of its max age;
 *   foreign: its cookie's originalMaxAge, else default_idle seconds.
 * 0: no expiry at all (no limit anywhere); < 0: past its max age, so
 * ended. */
int64_t sj_ttl_ms(const sj_session_t *s, uint32_t default_idle, int64_t now);

/* A status's name for logs. */
const char *sj_status_reason(sj_status_t st);

#endif
