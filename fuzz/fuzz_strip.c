/*
 * fuzz_strip.c: SocketIOAuthStripCookie, through the functions
 * mod_socketio_auth calls (sc_cookie_strip_size, sc_cookie_strip in
 * core/session_cookie.c): the Cookie header is rewritten into a buffer of
 * sc_cookie_strip_size bytes, and dropped when sc_cookie_strip says so.
 * (With strlen(header) + 1 bytes, as before a2c2087, regressions/strip
 * fails.)
 *
 * The property is the directive's promise: whatever the client sent, the
 * request that goes on to the backend holds no cookie of that name, read
 * as npm cookie reads it (sc_cookie_find) or as a reader that also splits
 * at ',' (ref_comma_find).
 *
 * Input: byte 0 picks the name (express.sid or connect.sid), the rest is
 * the header, cut at the first NUL.
 */
#include "session_cookie.h"
#include "fuzz_check.h"
#include "fuzz_cookie_ref.h"

/* The Cookie header after stripping, or NULL when it is unset: what
 * mod_socketio_auth.c's strip_session_cookie does with the same calls. */
static char *strip(const char *header, const char *name)
{
    size_t size = sc_cookie_strip_size(header);
    char *rest = malloc(size);

    if (!sc_cookie_strip(header, name, rest, size)) {
        free(rest);
        return NULL;
    }
    return rest;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_input_t in = { data, size };
    const char *name = (fz_byte(&in) & 1) ? "connect.sid" : "express.sid";
    char *h = fz_dup(in.p, strnlen((const char *)in.p, in.n), 1);
    char *after = strip(h, name);
    const char *v;
    size_t n;

    FUZZ_ASSERT(after == NULL || !sc_cookie_find(after, name, &v, &n),
                "after stripping, the backend still gets %s=%.*s in "
                "Cookie: %s", name, (int)n, v, after);
    FUZZ_ASSERT(after == NULL || !ref_comma_find(after, name),
                "after stripping, a reader that splits at ',' still finds "
                "%s in Cookie: %s", name, after);
    {
        /* Its device cookie goes too. */
        const char *device = (name[0] == 'c') ? "connect.sid" SC_DEVICE_SUFFIX
                                              : "express.sid" SC_DEVICE_SUFFIX;
        FUZZ_ASSERT(after == NULL || (!sc_cookie_find(after, device, &v, &n)
                                      && !ref_comma_find(after, device)),
                    "after stripping, the backend still gets %s in "
                    "Cookie: %s", device, after);
    }
    free(after);
    fz_free(h);
    return 0;
}
