/*
 * syntax.c: shared syntax checks.
 */
#include "syntax.h"

#include <string.h>

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
