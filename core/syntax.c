/*
 * syntax.c: shared syntax checks.
 */
#include "syntax.h"

#include <string.h>
#include <strings.h>

static int is_tchar(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9')
           || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

int sx_is_token(const char *s)
{
    if (!s || !*s) {
        return 0;
    }
    for (; *s; s++) {
        if (!is_tchar((unsigned char)*s)) {
            return 0;
        }
    }
    return 1;
}

int sx_is_local_path(const char *p)
{
    size_t n;

    if (!p || p[0] != '/' || p[1] == '/' || p[1] == '\\') {
        return 0;
    }
    for (n = 0; p[n]; n++) {
        unsigned char c = (unsigned char)p[n];
        if (n >= SX_LOCAL_PATH_MAX || c == '\\' || c == ' ' || c < 0x20
            || c == 0x7f) {
            return 0;
        }
    }
    return 1;
}

/* 1 if the segment [s, e) is ".", ".." or one of them with a dot
 * written %2e (either case). */
static int dot_segment(const char *s, const char *e)
{
    int dots = 0;

    while (s < e) {
        if (*s == '.') {
            s++;
        }
        else if (e - s >= 3 && s[0] == '%' && s[1] == '2'
                 && (s[2] == 'e' || s[2] == 'E')) {
            s += 3;
        }
        else {
            return 0;
        }
        dots++;
    }
    return dots == 1 || dots == 2;
}

int sx_is_plain_local_path(const char *p)
{
    const char *seg;

    if (!sx_is_local_path(p)) {
        return 0;
    }
    for (seg = p + 1;; seg++) {
        const char *end = seg + strcspn(seg, "/?#");
        if (dot_segment(seg, end)) {
            return 0;
        }
        if (*end != '/') {
            return 1;
        }
        seg = end;
    }
}

/* The value of attribute name in a Set-Cookie attribute list ("" for a
 * flag), its length in *len; NULL when absent.  The last one counts, as
 * for browsers. */
static const char *cookie_attr(const char *attrs, const char *name,
                               size_t *len)
{
    size_t nlen = strlen(name);
    const char *p = attrs, *found = NULL;

    while (*p) {
        const char *end = p + strcspn(p, ";"), *v;
        while (p < end && (*p == ' ' || *p == '\t')) p++;
        v = p + nlen;
        if ((size_t)(end - p) >= nlen && strncasecmp(p, name, nlen) == 0) {
            while (v < end && (*v == ' ' || *v == '\t')) v++;
            if (v == end || *v == '=') {
                const char *e = end;
                if (v < end) v++;
                while (v < e && (*v == ' ' || *v == '\t')) v++;
                while (e > v && (e[-1] == ' ' || e[-1] == '\t')) e--;
                found = v;
                *len = (size_t)(e - v);
            }
        }
        p = *end ? end + 1 : end;
    }
    return found;
}

const char *sx_cookie_prefix_error(const char *name, const char *attrs)
{
    size_t len;
    const char *path;
    int host = strncasecmp(name, "__Host-", 7) == 0;

    if (!host && strncasecmp(name, "__Secure-", 9) != 0) {
        return NULL;
    }
    if (!cookie_attr(attrs, "Secure", &len)) {
        return host ? "a __Host- cookie needs Secure" : "a __Secure- cookie "
               "needs Secure";
    }
    if (!host) {
        return NULL;
    }
    path = cookie_attr(attrs, "Path", &len);
    if (!path || len != 1 || *path != '/') {
        return "a __Host- cookie needs Path=/";
    }
    if (cookie_attr(attrs, "Domain", &len)) {
        return "a __Host- cookie may not have a Domain";
    }
    return NULL;
}

int sx_same_header_name(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        /* CGI, WSGI, Rack and PHP turn each punctuation byte into '_',
         * so "X.Socketio.User" reaches them as X-Socketio-User does. */
        if (sx_header_fold((unsigned char)*a)
            != sx_header_fold((unsigned char)*b)) {
            return 0;
        }
    }
    return *a == *b;
}

int sx_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static const unsigned char b64url_char[256] = {
    ['-'] = 1, ['_'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
    ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};

int sx_is_base64url(const char *s, size_t len)
{
    unsigned int all = 1;
    size_t i;

    for (i = 0; i < len; i++) {
        all &= b64url_char[(unsigned char)s[i]];
    }
    return (int)all;
}
