/*
 * session_json.c: a session as connect-redis stores it, and back
 * (session_json.h says what each value maps to).
 *
 * jansson is used with its default allocator and never configured: it is
 * process-wide, and mod_md uses the same library in the same httpd.
 */
#include "session_json.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

/* Our "httpd" object's version: a reader refuses any other. */
#define SJ_HTTPD_VERSION 1
/* Bounds a stored lifetime must keep (ten years, as the directives). */
#define SJ_LIFETIME_MAX  (10LL * 365 * 86400)

const char *sj_status_reason(sj_status_t st)
{
    switch (st) {
    case SJ_OK:        return "ok";
    case SJ_NO_USER:   return "nobody is logged in";
    case SJ_BAD_USER:  return "the user is not a name";
    case SJ_BAD_JSON:  return "not a session";
    case SJ_TOO_LARGE: return "too large";
    }
    return "unknown";
}

static int path_char(int c)
{
    return isalnum(c) || c == '_' || c == '$' || c == '-';
}

int sj_user_path_parse(const char *text, sj_user_path_t *out)
{
    const char *p = text;

    memset(out, 0, sizeof(*out));
    for (;;) {
        size_t n = 0;

        if (out->depth == SJ_PATH_DEPTH_MAX) {
            return -1;
        }
        while (path_char((unsigned char)p[n])) {
            n++;
        }
        if (n == 0 || n > SJ_PATH_PART_MAX || (p[n] != '.' && p[n] != '\0')) {
            return -1;
        }
        memcpy(out->part[out->depth++], p, n);
        if (p[n] == '\0') {
            break;
        }
        p += n + 1;
    }
    /* The user may not live inside what express-session or we own. */
    if (!strcmp(out->part[0], "cookie") || !strcmp(out->part[0], "httpd")) {
        return -1;
    }
    return 0;
}

static void copy_value(char *dst, size_t size, const char *v, size_t n)
{
    if (n >= size) {
        n = size - 1;
    }
    memcpy(dst, v, n);
    dst[n] = '\0';
}

void sj_cookie_from_attributes(const char *attrs, sj_cookie_t *out)
{
    const char *p = attrs ? attrs : "";

    memset(out, 0, sizeof(*out));
    while (*p) {
        size_t len = strcspn(p, ";"), nlen;
        const char *name = p, *value = NULL, *end = p + len;
        size_t vlen = 0;

        while (name < end && (*name == ' ' || *name == '\t')) {
            name++;
        }
        nlen = (size_t)(end - name);
        while (nlen && (name[nlen - 1] == ' ' || name[nlen - 1] == '\t')) {
            nlen--;
        }
        if ((value = memchr(name, '=', nlen)) != NULL) {
            vlen = nlen - (size_t)(value - name) - 1;
            nlen = (size_t)(value - name);
            value++;
            while (vlen && (*value == ' ' || *value == '\t')) {
                value++;
                vlen--;
            }
            while (nlen && (name[nlen - 1] == ' ' || name[nlen - 1] == '\t')) {
                nlen--;
            }
        }
#define IS(s) (nlen == sizeof(s) - 1 && !strncasecmp(name, s, nlen))
        if (IS("path") && value) {
            copy_value(out->path, sizeof(out->path), value, vlen);
        }
        else if (IS("domain") && value) {
            copy_value(out->domain, sizeof(out->domain), value, vlen);
        }
        else if (IS("httponly")) {
            out->http_only = 1;
        }
        else if (IS("secure")) {
            out->secure = 1;
        }
        else if (IS("samesite") && value) {
            static const char *const kinds[] = { "lax", "strict", "none" };
            size_t i;
            for (i = 0; i < 3; i++) {
                if (vlen == strlen(kinds[i])
                    && !strncasecmp(value, kinds[i], vlen)) {
                    strcpy(out->same_site, kinds[i]);
                }
            }
        }
#undef IS
        p = *end ? end + 1 : end;
    }
}

/* express-session's Date#toJSON: "2025-06-01T12:30:00.000Z". */
static json_t *iso_time(int64_t us)
{
    time_t secs = (time_t)(us / 1000000);
    struct tm tm;
    char buf[80];

    if (!gmtime_r(&secs, &tm)) {
        return json_null();
    }
    snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, (int)((us / 1000) % 1000));
    return json_string(buf);
}

static json_t *cookie_object(const sj_cookie_t *c, int64_t now,
                             int64_t ttl_ms)
{
    json_t *o = json_object();

    if (!o) {
        return NULL;
    }
    /* Field order and presence as express-session's Cookie#data. */
    json_object_set_new(o, "originalMaxAge",
                        ttl_ms > 0 ? json_integer(ttl_ms) : json_null());
    json_object_set_new(o, "expires", ttl_ms > 0
                        ? iso_time(now + ttl_ms * 1000) : json_null());
    if (c->secure) {
        json_object_set_new(o, "secure", json_true());
    }
    json_object_set_new(o, "httpOnly", json_boolean(c->http_only));
    if (c->domain[0]) {
        json_object_set_new(o, "domain", json_string(c->domain));
    }
    json_object_set_new(o, "path", json_string(c->path[0] ? c->path : "/"));
    if (c->same_site[0]) {
        json_object_set_new(o, "sameSite", json_string(c->same_site));
    }
    return o;
}

static void realm_hex(const unsigned char *realm, char *out)
{
    static const char hex[] = "0123456789abcdef";
    int i;

    for (i = 0; i < ST_REALM_LEN; i++) {
        out[2 * i] = hex[realm[i] >> 4];
        out[2 * i + 1] = hex[realm[i] & 15];
    }
    out[2 * ST_REALM_LEN] = '\0';
}

static json_t *httpd_object(const st_session_t *s)
{
    char hex[2 * ST_REALM_LEN + 1];
    json_t *o = json_object();

    if (!o) {
        return NULL;
    }
    realm_hex(s->realm, hex);
    json_object_set_new(o, "v", json_integer(SJ_HTTPD_VERSION));
    json_object_set_new(o, "realm", json_string(hex));
    json_object_set_new(o, "created", json_integer(s->created / 1000));
    json_object_set_new(o, "idle", json_integer(s->idle_timeout));
    json_object_set_new(o, "maxAge", json_integer(s->max_age));
    json_object_set_new(o, "remote", json_string(s->remote));
    return o;
}

size_t sj_encode(const st_session_t *s, const sj_user_path_t *path,
                 const sj_cookie_t *cookie, int64_t now, int64_t ttl_ms,
                 char *out, size_t outsz)
{
    json_t *root, *at, *user;
    size_t n = 0;
    int i;

    if (!s->user[0] || !memchr(s->user, '\0', sizeof(s->user))
        || !memchr(s->remote, '\0', sizeof(s->remote)) || path->depth < 1
        || !(root = json_object())) {
        return 0;
    }
    json_object_set_new(root, "cookie", cookie_object(cookie, now, ttl_ms));
    /* The objects down the path, then the name (json_string checks it is
     * UTF-8: a name that is not gives no value at all). */
    at = root;
    for (i = 0; i < path->depth - 1 && at; i++) {
        json_t *next = json_object();
        json_object_set_new(at, path->part[i], next);
        at = next;
    }
    user = json_string(s->user);
    if (at && user) {
        json_object_set_new(at, path->part[path->depth - 1], user);
        json_object_set_new(root, "httpd", httpd_object(s));
        n = json_dumpb(root, out, outsz, JSON_COMPACT);
    }
    else {
        json_decref(user);
    }
    json_decref(root);
    if (n == 0 || n >= outsz) {
        return 0;
    }
    out[n] = '\0';
    return n;
}

/* ---- reading ---- */

static int is_name(const char *s, size_t len)
{
    size_t i;

    if (len == 0 || len >= ST_USER_MAX) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            return 0;
        }
    }
    return 1;
}

static sj_status_t read_user(json_t *root, const sj_user_path_t *path,
                             char user[ST_USER_MAX], const char **why)
{
    json_t *v = root;
    int i;

    for (i = 0; i < path->depth; i++) {
        /* As JavaScript reads a.b.c: through anything but an object,
         * undefined. */
        if (!json_is_object(v)) {
            return SJ_NO_USER;
        }
        v = json_object_get(v, path->part[i]);
    }
    if (!v || json_is_null(v) || json_is_false(v)) {
        return SJ_NO_USER;
    }
    if (json_is_string(v)) {
        size_t len = json_string_length(v);
        if (len == 0) {
            return SJ_NO_USER;
        }
        if (!is_name(json_string_value(v), len)) {
            *why = len >= ST_USER_MAX ? "the user name is too long"
                                      : "the user name has control characters";
            return SJ_BAD_USER;
        }
        memcpy(user, json_string_value(v), len + 1);
        return SJ_OK;
    }
    if (json_is_integer(v)) {
        snprintf(user, ST_USER_MAX, "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v));
        return SJ_OK;
    }
    *why = json_is_object(v) ? "the user is an object (set the user path "
                               "to the name inside it)"
         : json_is_array(v) ? "the user is an array"
         : json_is_true(v) ? "the user is true"
         : "the user is a fraction";
    return SJ_BAD_USER;
}

static int hex_value(int c)
{
    return c >= '0' && c <= '9' ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int read_int(json_t *o, const char *key, long long min, long long max,
                    long long *out)
{
    json_t *v = json_object_get(o, key);

    if (!json_is_integer(v) || json_integer_value(v) < min
        || json_integer_value(v) > max) {
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

/* Our own object: every field as we write it, or the session is refused
 * (a half-valid one must never pass for a foreign session). */
static int read_httpd(json_t *o, sj_session_t *out)
{
    json_t *realm = json_object_get(o, "realm");
    json_t *remote = json_object_get(o, "remote");
    long long v, created, idle, max_age;
    const char *hex;
    int i;

    if (!json_is_object(o) || read_int(o, "v", 0, 1LL << 30, &v) != 0
        || v != SJ_HTTPD_VERSION || !json_is_string(realm)
        || json_string_length(realm) != 2 * ST_REALM_LEN
        || read_int(o, "created", 0, 1LL << 50, &created) != 0
        || read_int(o, "idle", 0, SJ_LIFETIME_MAX, &idle) != 0
        || read_int(o, "maxAge", 0, SJ_LIFETIME_MAX, &max_age) != 0) {
        return -1;
    }
    hex = json_string_value(realm);
    for (i = 0; i < ST_REALM_LEN; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return -1;
        }
        out->realm[i] = (unsigned char)(hi << 4 | lo);
    }
    if (remote) {
        size_t len = json_is_string(remote) ? json_string_length(remote)
                                            : ST_ADDR_MAX;
        if (len >= ST_ADDR_MAX
            || (len && !is_name(json_string_value(remote), len))) {
            return -1;
        }
        memcpy(out->remote, json_string_value(remote), len + 1);
    }
    out->own = 1;
    out->created = created * 1000;
    out->idle_timeout = (uint32_t)idle;
    out->max_age = (uint32_t)max_age;
    return 0;
}

sj_status_t sj_decode(const char *buf, size_t len, const sj_user_path_t *path,
                      sj_session_t *out, const char **why)
{
    const char *dummy;
    json_error_t err;
    json_t *root, *cookie, *httpd, *oma;
    sj_status_t st;

    if (!why) {
        why = &dummy;
    }
    *why = NULL;
    memset(out, 0, sizeof(*out));
    out->original_max_age = -1;
    if (len > SJ_VALUE_MAX) {
        *why = "longer than 64 KiB";
        return SJ_TOO_LARGE;
    }
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
    if (!root) {
        *why = "not JSON (or a duplicate key, or a NUL in a string)";
        return SJ_BAD_JSON;
    }
    if (!json_is_object(root)) {
        *why = "not a JSON object";
        json_decref(root);
        return SJ_BAD_JSON;
    }
    if ((httpd = json_object_get(root, "httpd")) != NULL
        && read_httpd(httpd, out) != 0) {
        *why = "its \"httpd\" object is not one httpd wrote";
        json_decref(root);
        return SJ_BAD_JSON;
    }
    cookie = json_object_get(root, "cookie");
    oma = json_is_object(cookie) ? json_object_get(cookie, "originalMaxAge")
                                 : NULL;
    if (json_is_integer(oma) && json_integer_value(oma) > 0
        && json_integer_value(oma) <= SJ_LIFETIME_MAX * 1000) {
        out->original_max_age = json_integer_value(oma);
    }
    else if (json_is_real(oma) && json_real_value(oma) >= 1
             && json_real_value(oma) <= SJ_LIFETIME_MAX * 1000.0) {
        out->original_max_age = (int64_t)json_real_value(oma);
    }
    st = read_user(root, path, out->user, why);
    if (st == SJ_NO_USER) {
        *why = sj_status_reason(st);
    }
    json_decref(root);
    return st;
}

int64_t sj_ttl_ms(const sj_session_t *s, uint32_t default_idle, int64_t now)
{
    int64_t idle, left;

    if (!s->own) {
        return s->original_max_age > 0 ? s->original_max_age
                                       : (int64_t)default_idle * 1000;
    }
    idle = (int64_t)s->idle_timeout * 1000;
    if (!s->max_age) {
        return idle;
    }
    left = s->created / 1000 + (int64_t)s->max_age * 1000 - now / 1000;
    if (left <= 0) {
        return -1;
    }
    return idle && idle < left ? idle : left;
}
