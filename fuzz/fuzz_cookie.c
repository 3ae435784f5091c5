/*
 * fuzz_cookie.c: the Cookie header parser, sc_cookie_find and
 * sc_cookie_remove, on any header a client can send.
 *
 * Input: byte 0 picks the cookie name looked for, byte 1 a second name
 * (see pick_name); the rest is the header (cut at the first NUL, as httpd
 * hands it over as a C string).
 *
 * Checked:
 * - sc_cookie_find agrees, pointer for pointer, with ref_find, the
 *   grammar of session_cookie.h written out a second way;
 * - sc_cookie_remove never needs more than 2 * strlen(header) + 1 bytes,
 *   fills exactly what it returns, and fails cleanly one byte short;
 * - after a remove the name is gone, every other cookie reads as before,
 *   and a second remove changes nothing.
 */
#include "session_cookie.h"
#include "fuzz_check.h"

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

static int is_cookie_space(char c)
{
    return c == ' ' || c == '\t';
}

static void trim(const char **s, const char **e)
{
    while (*s < *e && is_cookie_space(**s)) (*s)++;
    while (*e > *s && is_cookie_space((*e)[-1])) (*e)--;
}

static int ref_find(const char *h, const char *name, const char **val,
                    size_t *val_len)
{
    size_t len = strlen(h), pos = 0, name_len = strlen(name);

    while (pos < len) {
        size_t seg = strcspn(h + pos, ";,");
        const char *s = h + pos, *e = s + seg;
        const char *eq = memchr(s, '=', seg);

        if (eq != NULL) {
            const char *ks = s, *ke = eq;
            trim(&ks, &ke);
            if ((size_t)(ke - ks) == name_len
                && strncmp(ks, name, name_len) == 0) {
                const char *vs = eq + 1, *ve = e;
                trim(&vs, &ve);
                if (ve - vs >= 2 && vs[0] == '"' && ve[-1] == '"') {
                    vs++;
                    ve--;
                }
                *val = vs;
                *val_len = (size_t)(ve - vs);
                return 1;
            }
        }
        pos += seg + 1;
    }
    return 0;
}

static void check_find(const char *h, const char *name)
{
    const char *v = NULL, *rv = NULL;
    size_t n = 0, rn = 0;
    int found = sc_cookie_find(h, name, &v, &n);
    int rfound = ref_find(h, name, &rv, &rn);

    FUZZ_ASSERT(found == rfound, "find '%s' in '%s': %d, reference %d",
                name, h, found, rfound);
    if (found) {
        FUZZ_ASSERT(v == rv && n == rn,
                    "find '%s' in '%s': value at %td len %zu, reference "
                    "at %td len %zu", name, h, v - h, n, rv - h, rn);
    }
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
    if (strcmp(name, other) != 0) {
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
