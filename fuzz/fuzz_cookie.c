/*
 * fuzz_cookie.c: the Cookie header parser, sc_cookie_find and
 * sc_cookie_remove, on any header a client can send.
 *
 * Input: byte 0 picks the cookie name looked for, byte 1 a second name
 * (see pick_name); the rest is the header (cut at the first NUL, as httpd
 * hands it over as a C string).
 *
 * Checked:
 * - sc_cookie_find agrees, pointer for pointer, with ref_npm_find, npm
 *   cookie 0.7.2's parse() written out line for line (fuzz_cookie_ref.h);
 * - sc_cookie_remove never needs more than 2 * strlen(header) + 1 bytes,
 *   fills exactly what it returns, and fails cleanly one byte short;
 * - after a remove the name is gone for npm cookie and for a reader that
 *   also splits at ','; every other cookie reads as before (unless its
 *   pair went for holding the name after a ','), and a second remove
 *   changes nothing.
 */
#include "session_cookie.h"
#include "fuzz_check.h"
#include "fuzz_cookie_ref.h"

static const char *const fixed_names[] = {
    "express.sid", "connect.sid", "sid", "a"
};

/* A name from the table, or up to 15 bytes taken from the input (any
 * byte but NUL: the name comes from the configuration, but a parser must
 * not depend on it being sensible). */
static const char *pick_name(uint8_t sel, fz_input_t *in, char buf[16])
{
    size_t i, n;

    if (!(sel & 4)) {
        return fixed_names[sel & 3];
    }
    n = (size_t)(sel >> 3) & 15;
    for (i = 0; i < n; i++) {
        uint8_t c = fz_byte(in);
        buf[i] = c ? (char)c : 'x';
    }
    buf[n] = '\0';
    return buf;
}

static void check_find(const char *h, const char *name)
{
    const char *v = NULL, *rv = NULL;
    size_t n = 0, rn = 0;
    int found = sc_cookie_find(h, name, &v, &n);
    int rfound = ref_npm_find(h, name, &rv, &rn);

    FUZZ_ASSERT(found == rfound, "find '%s' in '%s': %d, reference %d",
                name, h, found, rfound);
    if (found) {
        FUZZ_ASSERT(v == rv && n == rn,
                    "find '%s' in '%s': value at %td len %zu, reference "
                    "at %td len %zu", name, h, v - h, n, rv - h, rn);
    }
}

/* The pair of h that npm cookie reads as name's went whole from out when
 * it held removed (the name stripped) after a ','. */
static int pair_dropped(const char *h, const char *name, const char *removed)
{
    const char *v, *s, *e;
    size_t n;
    char *pair;
    int dropped;

    if (!ref_npm_find(h, name, &v, &n)) {
        return 0;
    }
    for (s = v; s > h && s[-1] != ';'; s--)
        ;
    e = v + strcspn(v, ";");
    pair = fz_dup(s, (size_t)(e - s), 1);
    dropped = ref_comma_find(pair, removed);
    fz_free(pair);
    return dropped;
}

/* Same answer (found, and the same value bytes) in two headers. */
static void check_same_view(const char *a, const char *b, const char *name)
{
    const char *va = NULL, *vb = NULL;
    size_t na = 0, nb = 0;
    int fa = sc_cookie_find(a, name, &va, &na);
    int fb = sc_cookie_find(b, name, &vb, &nb);

    FUZZ_ASSERT(fa == fb && (!fa || (na == nb && memcmp(va, vb, na) == 0)),
                "cookie '%s' reads differently in '%s' and '%s'",
                name, a, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_input_t in = { data, size };
    char name_buf[16], other_buf[16];
    uint8_t sel = fz_byte(&in), sel2 = fz_byte(&in);
    const char *name = pick_name(sel, &in, name_buf);
    const char *other = pick_name(sel2, &in, other_buf);
    char *h = fz_dup(in.p, strnlen((const char *)in.p, in.n), 1);
    size_t len = strlen(h), bound = 2 * len + 1, n, n2;
    char *out, *again, *tight;

    check_find(h, name);
    check_find(h, other);

    out = malloc(bound);
    n = sc_cookie_remove(h, name, out, bound);
    FUZZ_ASSERT(n != (size_t)-1, "remove '%s' from '%s' needs more than "
                "%zu bytes", name, h, bound);
    FUZZ_ASSERT(strlen(out) == n, "remove returned %zu, wrote %zu", n,
                strlen(out));
    check_find(out, name);
    {
        const char *v;
        size_t vn;
        FUZZ_ASSERT(!sc_cookie_find(out, name, &v, &vn),
                    "'%s' still in '%s' (removed from '%s')", name, out, h);
    }
    FUZZ_ASSERT(!ref_comma_find(out, name), "'%s' still in '%s' for a "
                "reader that splits at ',' (removed from '%s')", name, out, h);
    /* npm cookie reads nothing from under two bytes, so a header cut that
     * short may lose a cookie of an empty name. */
    if (strcmp(name, other) != 0 && !pair_dropped(h, other, name)
        && strlen(out) >= 2) {
        check_same_view(h, out, other);
    }

    again = malloc(n + 1);
    n2 = sc_cookie_remove(out, name, again, n + 1);
    FUZZ_ASSERT(n2 == n && memcmp(again, out, n + 1) == 0,
                "second remove of '%s' changed '%s' into '%s'", name, out,
                n2 == (size_t)-1 ? "(error)" : again);
    free(again);

    /* Exactly the room it needs, then one byte less. */
    tight = malloc(n + 1);
    FUZZ_ASSERT(sc_cookie_remove(h, name, tight, n + 1) == n
                && memcmp(tight, out, n + 1) == 0,
                "remove into %zu bytes differs", n + 1);
    free(tight);
    if (n > 0) {
        tight = malloc(n);
        FUZZ_ASSERT(sc_cookie_remove(h, name, tight, n) == (size_t)-1,
                    "remove of %zu bytes into %zu did not fail", n, n);
        free(tight);
    }
    free(out);
    fz_free(h);
    return 0;
}
