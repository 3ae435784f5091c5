/*
 * engineio.c: the sid of an Engine.IO request, and of a handshake answer.
 */
#include "engineio.h"
#include "syntax.h"

#include <string.h>

/* ---- the query ---- */

/* 1 if key[0..len), percent-decoded with '+' for a space, is "sid";
 * *escaped says whether it was spelled with '%' or '+'. */
static int key_is_sid(const char *key, size_t len, int *escaped)
{
    static const char want[] = "sid";
    size_t i = 0, o = 0;

    *escaped = 0;
    while (i < len) {
        int c = (unsigned char)key[i];
        if (c == '%' && i + 2 < len
            && sx_hex_value((unsigned char)key[i + 1]) >= 0
            && sx_hex_value((unsigned char)key[i + 2]) >= 0) {
            c = sx_hex_value((unsigned char)key[i + 1]) << 4
                | sx_hex_value((unsigned char)key[i + 2]);
            i += 3;
            *escaped = 1;
        }
        else {
            if (c == '+') {
                c = ' ';
                *escaped = 1;
            }
            i++;
        }
        if (o >= 3 || c != want[o]) {
            return 0;
        }
        o++;
    }
    return o == 3;
}

void eio_query_read(const char *query, eio_query_t *q)
{
    const char *p = query, *found = NULL;
    size_t found_len = 0;
    int count = 0, odd = 0;

    memset(q, 0, sizeof(*q));
    if (!query) {
        return;
    }
    for (;;) {
        size_t seg = strcspn(p, "&;");
        size_t klen = strcspn(p, "=&;");
        int escaped;

        /* Decoding only shortens a key: under three bytes, not "sid". */
        if (klen >= 3 && key_is_sid(p, klen, &escaped)) {
            count++;
            found = klen < seg ? p + klen + 1 : p + seg;
            found_len = klen < seg ? seg - klen - 1 : 0;
            odd = escaped || p[seg] == ';'
                  || memchr(found, '%', found_len) != NULL
                  || memchr(found, '+', found_len) != NULL;
        }
        else if (seg == sizeof("transport=polling") - 1
                 && memcmp(p, "transport=polling", seg) == 0) {
            q->polling = 1;
        }
        if (!p[seg]) {
            break;
        }
        p += seg + 1;
    }
    if (count == 0 || (count == 1 && found_len == 0 && !odd)) {
        q->sid_status = EIO_SID_NONE;
    }
    else if (count > 1 || odd) {
        q->sid_status = EIO_SID_AMBIGUOUS;
    }
    else {
        q->sid_status = EIO_SID_ONE;
        q->sid = found;
        q->sid_len = found_len;
    }
}

/* ---- the open packet ---- */

typedef struct {
    const char *p, *end;
} cursor;

/* Outcomes of the small JSON reader below: a value read, bytes missing,
 * or not JSON as engine.io writes it. */
enum { J_OK = 0, J_MORE, J_BAD };

/* Deep enough for any open packet ("upgrades" is an array of strings). */
#define JSON_MAX_DEPTH 8

static void skip_space(cursor *c)
{
    while (c->p < c->end
           && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n'
               || *c->p == '\r')) {
        c->p++;
    }
}

/* A string, its opening quote at c->p: *s and *n are its bytes between
 * the quotes, *escaped whether it holds a backslash. */
static int read_string(cursor *c, const char **s, size_t *n, int *escaped)
{
    const char *q = c->p + 1;

    *escaped = 0;
    while (q < c->end && *q != '"') {
        if ((unsigned char)*q < 0x20) {
            return J_BAD;
        }
        if (*q == '\\') {
            *escaped = 1;
            if (++q >= c->end) {
                return J_MORE;
            }
        }
        q++;
    }
    if (q >= c->end) {
        return J_MORE;
    }
    *s = c->p + 1;
    *n = (size_t)(q - *s);
    c->p = q + 1;
    return J_OK;
}

/* Any value, skipped: strings, numbers, literals, arrays, objects. */
static int skip_value(cursor *c, int depth)
{
    const char *s;
    size_t n;
    int escaped, rv;

    skip_space(c);
    if (c->p >= c->end) {
        return J_MORE;
    }
    if (*c->p == '"') {
        return read_string(c, &s, &n, &escaped);
    }
    if (*c->p == '[' || *c->p == '{') {
        char close = *c->p == '[' ? ']' : '}';
        int object = close == '}', first = 1;

        if (depth >= JSON_MAX_DEPTH) {
            return J_BAD;
        }
        c->p++;
        for (;;) {
            skip_space(c);
            if (c->p >= c->end) {
                return J_MORE;
            }
            if (*c->p == close && first) {
                c->p++;
                return J_OK;
            }
            if (object) {
                if (*c->p != '"') {
                    return J_BAD;
                }
                if ((rv = read_string(c, &s, &n, &escaped)) != J_OK) {
                    return rv;
                }
                skip_space(c);
                if (c->p >= c->end) {
                    return J_MORE;
                }
                if (*c->p++ != ':') {
                    return J_BAD;
                }
            }
            if ((rv = skip_value(c, depth + 1)) != J_OK) {
                return rv;
            }
            skip_space(c);
            if (c->p >= c->end) {
                return J_MORE;
            }
            if (*c->p == close) {
                c->p++;
                return J_OK;
            }
            if (*c->p++ != ',') {
                return J_BAD;
            }
            first = 0;
        }
    }
    /* A number or a literal: its bytes up to the next delimiter. */
    s = c->p;
    while (c->p < c->end
           && ((*c->p >= '0' && *c->p <= '9') || (*c->p >= 'a' && *c->p <= 'z')
               || *c->p == '-' || *c->p == '+' || *c->p == '.'
               || *c->p == 'E')) {
        c->p++;
    }
    if (c->p == s) {
        return J_BAD;
    }
    return c->p < c->end ? J_OK : J_MORE;
}

static int sid_bytes_ok(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || n > EIO_SID_MAX) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')
              || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'
              || ch == '.' || ch == '~')) {
            return 0;
        }
    }
    return 1;
}

/* The top-level object of the open packet, its '{' at c->p. */
static eio_open_t read_open_object(cursor *c, int complete,
                                   const char **sid, size_t *sid_len)
{
    const char *found = NULL, *key, *val;
    size_t found_len = 0, klen, vlen;
    int escaped, rv, unreadable = 0, first = 1;

#define NEED(cond) do { if (!(cond)) return complete ? EIO_OPEN_UNREADABLE \
                                                     : EIO_OPEN_MORE; } while (0)
    c->p++;
    for (;;) {
        skip_space(c);
        NEED(c->p < c->end);
        if (*c->p == '}' && first) {
            c->p++;
            break;
        }
        if (*c->p != '"') {
            return EIO_OPEN_UNREADABLE;
        }
        rv = read_string(c, &key, &klen, &escaped);
        NEED(rv != J_MORE);
        if (rv == J_BAD) {
            return EIO_OPEN_UNREADABLE;
        }
        skip_space(c);
        NEED(c->p < c->end);
        if (*c->p++ != ':') {
            return EIO_OPEN_UNREADABLE;
        }
        skip_space(c);
        NEED(c->p < c->end);
        /* A key with escapes might be "sid" to JSON.parse. */
        if (escaped) {
            unreadable = 1;
        }
        if (!escaped && klen == 3 && memcmp(key, "sid", 3) == 0) {
            if (found || *c->p != '"') {
                unreadable = 1;
            }
            if (*c->p == '"') {
                rv = read_string(c, &val, &vlen, &escaped);
                NEED(rv != J_MORE);
                if (rv == J_BAD) {
                    return EIO_OPEN_UNREADABLE;
                }
                if (escaped || !sid_bytes_ok(val, vlen)) {
                    unreadable = 1;
                }
                found = val;
                found_len = vlen;
            }
            else {
                rv = skip_value(c, 1);
                NEED(rv != J_MORE);
                if (rv == J_BAD) {
                    return EIO_OPEN_UNREADABLE;
                }
            }
        }
        else {
            rv = skip_value(c, 1);
            NEED(rv != J_MORE);
            if (rv == J_BAD) {
                return EIO_OPEN_UNREADABLE;
            }
        }
        skip_space(c);
        NEED(c->p < c->end);
        if (*c->p == '}') {
            c->p++;
            break;
        }
        if (*c->p++ != ',') {
            return EIO_OPEN_UNREADABLE;
        }
        first = 0;
    }
#undef NEED
    if (!found || unreadable) {
        return EIO_OPEN_UNREADABLE;
    }
    *sid = found;
    *sid_len = found_len;
    return EIO_OPEN_SID;
}

eio_open_t eio_open_sid(const char *buf, size_t len, int complete,
                        const char **sid, size_t *sid_len)
{
    cursor c;
    size_t digits = 0;

    c.p = buf;
    c.end = buf + len;
    /* Engine.IO 3's text payload: the packet's length and ':' first. */
    while (digits < len && digits <= 10 && buf[digits] >= '0'
           && buf[digits] <= '9') {
        digits++;
    }
    if (digits > 0 && digits < len && buf[digits] == ':') {
        c.p += digits + 1;
    }
    else if (digits > 0 && digits == len && !complete) {
        /* "0" of Engine.IO 4, or a length whose ':' is still to come. */
        return EIO_OPEN_MORE;
    }
    if (c.p >= c.end) {
        return complete ? EIO_OPEN_NOT : EIO_OPEN_MORE;
    }
    if (*c.p++ != '0') {
        return EIO_OPEN_NOT;
    }
    if (c.p >= c.end) {
        return complete ? EIO_OPEN_NOT : EIO_OPEN_MORE;
    }
    if (*c.p != '{') {
        return EIO_OPEN_NOT;
    }
    return read_open_object(&c, complete, sid, sid_len);
}
