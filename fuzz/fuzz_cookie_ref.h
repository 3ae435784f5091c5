/*
 * fuzz_cookie_ref.h: two readers of a Cookie header, written from their
 * definitions rather than from core/session_cookie.c, for fuzz_cookie and
 * fuzz_strip.
 *
 * ref_npm_find is npm "cookie" 0.7.2's parse() (the one express-session
 * 1.19 uses), line for line, for one name: the same index arithmetic,
 * backtracking over pairs without '=', trimming and quote rule.
 * ref_comma_find is a reader that also splits at ',' (RFC 2965's), which
 * SocketIOAuthStripCookie must not leave a session cookie for either.
 */
#ifndef FUZZ_COOKIE_REF_H
#define FUZZ_COOKIE_REF_H

#include <string.h>

static inline int ref_is_space(const char *s, size_t len, size_t i)
{
    /* str.charCodeAt(i) past the end is NaN: never a space. */
    return i < len && (s[i] == ' ' || s[i] == '\t');
}

/* function startIndex(str, index, max) */
static inline size_t ref_start_index(const char *s, size_t len, size_t index,
                              size_t max)
{
    do {
        if (!ref_is_space(s, len, index)) {
            return index;
        }
    } while (++index < max);
    return max;
}

/* function endIndex(str, index, min) */
static inline size_t ref_end_index(const char *s, size_t len, size_t index,
                            size_t min)
{
    while (index > min) {
        if (!ref_is_space(s, len, --index)) {
            return index + 1;
        }
    }
    return min;
}

/* obj[name] of parse(h): 1 and the value's place in h, or 0.  A lone '"'
 * leaves str.slice(start + 1, end - 1) with start > end: "", here at
 * start + 1. */
static inline int ref_npm_find(const char *h, const char *name, const char **val,
                        size_t *val_len)
{
    size_t len = strlen(h), name_len = strlen(name), index = 0;

    if (len < 2) {
        return 0;
    }
    do {
        const char *eq = strchr(h + index, '='), *semi;
        size_t eq_idx, end_idx, ks, ke, vs, ve;

        if (eq == NULL) {
            break;
        }
        eq_idx = (size_t)(eq - h);
        semi = strchr(h + index, ';');
        if (semi == NULL) {
            end_idx = len;
        }
        else {
            end_idx = (size_t)(semi - h);
            if (eq_idx > end_idx) {
                /* index = str.lastIndexOf(';', eqIdx - 1) + 1 */
                size_t j = eq_idx - 1;
                while (h[j] != ';') {
                    j--;
                }
                index = j + 1;
                continue;
            }
        }
        ks = ref_start_index(h, len, index, eq_idx);
        ke = ref_end_index(h, len, eq_idx, ks);
        /* The first pair of a name is the one kept. */
        if (ke - ks == name_len && memcmp(h + ks, name, name_len) == 0) {
            vs = ref_start_index(h, len, eq_idx + 1, end_idx);
            ve = ref_end_index(h, len, end_idx, vs);
            if (vs < len && h[vs] == '"' && h[ve - 1] == '"') {
                vs++;
                ve--;
            }
            if (vs > ve) {
                ve = vs;
            }
            *val = h + vs;
            *val_len = ve - vs;
            return 1;
        }
        index = end_idx + 1;
    } while (index < len);
    return 0;
}

/* 1 if some part of h between ';' or ',' is a pair whose name, up to its
 * first '=' and trimmed of spaces and TABs, is name. */
static inline int ref_comma_find(const char *h, const char *name)
{
    size_t name_len = strlen(name);
    const char *p = h;

    for (;;) {
        size_t n = strcspn(p, ";,");
        const char *eq = memchr(p, '=', n);

        if (eq) {
            const char *ks = p, *ke = eq;
            while (ks < ke && (*ks == ' ' || *ks == '\t')) ks++;
            while (ke > ks && (ke[-1] == ' ' || ke[-1] == '\t')) ke--;
            if ((size_t)(ke - ks) == name_len
                && memcmp(ks, name, name_len) == 0) {
                return 1;
            }
        }
        if (!p[n]) {
            return 0;
        }
        p += n + 1;
    }
}

#endif
