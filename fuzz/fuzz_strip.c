/*
 * fuzz_strip.c: SocketIOAuthStripCookie as mod_socketio_auth.c does it
 * (strip_session_cookie): the Cookie header is rewritten through
 * sc_cookie_remove into a buffer of 2 * strlen(header) + 1 bytes; on 0
 * the header is dropped, on (size_t)-1 it is left as it was.  (With
 * strlen(header) + 1, as before a2c2087, regressions/strip fails.)
 *
 * The property is the directive's promise: whatever the client sent, the
 * request that goes on to the backend holds no cookie of that name.
 * Keep strip_like_module in step with the module.
 *
 * Input: byte 0 picks the name (express.sid or connect.sid), the rest is
 * the header, cut at the first NUL.
 */
#include "session_cookie.h"
#include "fuzz_check.h"

/* The Cookie header after stripping, or NULL when it is unset. */
static char *strip_like_module(char *header, const char *name)
{
    size_t size = 2 * strlen(header) + 1, n;
    char *rest = malloc(size);

    n = sc_cookie_remove(header, name, rest, size);
    if (n == 0) {
        free(rest);
        return NULL;
    }
    if (n != (size_t)-1) {
        return rest;
    }
    free(rest);
    return header;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_input_t in = { data, size };
    const char *name = (fz_byte(&in) & 1) ? "connect.sid" : "express.sid";
    char *h = fz_dup(in.p, strnlen((const char *)in.p, in.n), 1);
    char *after = strip_like_module(h, name);
    const char *v;
    size_t n;

    FUZZ_ASSERT(after == NULL || !sc_cookie_find(after, name, &v, &n),
                "after stripping, the backend still gets %s=%.*s in "
                "Cookie: %s", name, (int)n, v, after);
    if (after != h) {
        free(after);
    }
    fz_free(h);
    return 0;
}
