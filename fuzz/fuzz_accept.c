/*
 * fuzz_accept.c: mx_accepts_text_format of core/metrics.c, which reads a
 * client's Accept header on the status page to choose Prometheus's text
 * format, against a reference written from its definition: some media
 * range "text/plain" (blanks around it, any case) whose parameters hold
 * version=0.0.4 (or "0.0.4") and no q that is zero (a q without a digit
 * 1-9 before its first blank counts as zero); the last of a repeated
 * parameter wins.  The header is cut at its first NUL.
 */
#include "metrics.h"
#include "fuzz_check.h"

#include <strings.h>

/* [s, e) trimmed of blanks. */
static void trim(const char **s, const char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t')) {
        (*s)++;
    }
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t')) {
        (*e)--;
    }
}

static int same(const char *s, const char *e, const char *want)
{
    trim(&s, &e);
    return (size_t)(e - s) == strlen(want)
           && strncasecmp(s, want, (size_t)(e - s)) == 0;
}

static int ref_range(const char *s, const char *e)
{
    const char *cut[64];
    int n = 0, i, version = 0, q_zero = 0;
    const char *p;

    /* Every ';' of the range, then its end. */
    for (p = s; p < e && n < 63; p++) {
        if (*p == ';') {
            cut[n++] = p;
        }
    }
    if (p < e) {
        return -1;            /* too many parameters for this reference */
    }
    cut[n] = e;
    if (!same(s, cut[0], "text/plain")) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        const char *ps = cut[i] + 1, *pe = cut[i + 1], *eq = ps;

        while (eq < pe && *eq != '=') {
            eq++;
        }
        if (eq == pe) {
            continue;
        }
        if (same(ps, eq, "version")) {
            version = same(eq + 1, pe, "0.0.4") || same(eq + 1, pe, "\"0.0.4\"");
        }
        else if (same(ps, eq, "q")) {
            const char *v = eq + 1;
            while (v < pe && (*v == ' ' || *v == '\t')) {
                v++;
            }
            q_zero = 1;
            for (; v < pe && *v != ' ' && *v != '\t'; v++) {
                if (*v >= '1' && *v <= '9') {
                    q_zero = 0;
                }
            }
        }
    }
    return version && !q_zero;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *accept = fz_dup(data, size, 1);
    size_t len = strlen(accept);
    const char *s = accept, *end = accept + len;
    int want = 0, got;

    while (s <= end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *e = comma ? comma : end;
        int r = ref_range(s, e);

        if (r < 0) {
            fz_free(accept);
            return 0;
        }
        if (r) {
            want = 1;
            break;
        }
        if (!comma) {
            break;
        }
        s = comma + 1;
    }
    got = mx_accepts_text_format(accept);
    FUZZ_ASSERT(got == want, "Accept '%s': got %d, want %d", accept, got, want);
    fz_free(accept);
    return 0;
}
