/*
 * fuzz_syntax.c: the shared syntax checks of core/syntax.c, which both
 * modules' directive setters and the login's redirect check call, against
 * references written from their definitions.
 *
 * Input: byte 0 picks the check, byte 1 splits the rest in two for the
 * header-name comparison; strings are cut at the first NUL.
 */
#include "syntax.h"
#include "fuzz_check.h"

#include <ctype.h>

static int ref_token(const char *s)
{
    static const char tchar[] = "!#$%&'*+-.^_`|~";
    if (!*s) {
        return 0;
    }
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z');
        if (!alnum && !memchr(tchar, c, sizeof(tchar) - 1)) {
            return 0;
        }
    }
    return 1;
}

/* Local: one leading '/', then no second '/' or '\' right after it, no
 * backslash, space or control byte anywhere, and not too long. */
static int ref_local_path(const char *p)
{
    size_t n = strlen(p), i;
    if (n == 0 || n > SX_LOCAL_PATH_MAX || p[0] != '/') {
        return 0;
    }
    if (n > 1 && (p[1] == '/' || p[1] == '\\')) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\\' || c == ' ' || c < 0x20 || c == 0x7f) {
            return 0;
        }
    }
    return 1;
}

/* Letters without case, digits as they are, anything else one byte. */
static int fold(unsigned char c)
{
    if (isalnum(c) && c < 0x80) {
        return tolower(c);
    }
    return -1;
}

static int ref_same_header(const char *a, const char *b)
{
    size_t i, n = strlen(a);
    if (n != strlen(b)) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (fold((unsigned char)a[i]) != fold((unsigned char)b[i])) {
            return 0;
        }
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_input_t in = { data, size };
    uint8_t which = fz_byte(&in), split = fz_byte(&in);
    size_t n = strnlen((const char *)in.p, in.n), cut = n ? split % (n + 1) : 0;
    char *s = fz_dup(in.p, n, 1);
    char *a = fz_dup(in.p, cut, 1), *b = fz_dup(in.p + cut, n - cut, 1);

    switch (which % 3) {
    case 0:
        FUZZ_ASSERT(sx_is_token(s) == ref_token(s), "sx_is_token('%s')", s);
        break;
    case 1:
        FUZZ_ASSERT(sx_is_local_path(s) == ref_local_path(s),
                    "sx_is_local_path('%s')", s);
        break;
    default:
        FUZZ_ASSERT(sx_same_header_name(a, b) == ref_same_header(a, b),
                    "sx_same_header_name('%s', '%s')", a, b);
        FUZZ_ASSERT(sx_same_header_name(a, b) == sx_same_header_name(b, a),
                    "not symmetric for '%s', '%s'", a, b);
        break;
    }
    fz_free(s);
    fz_free(a);
    fz_free(b);
    return 0;
}
