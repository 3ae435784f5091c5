/*
 * fuzz_form.c: sf_parse, the login form body as the client sent it.
 *
 * Input: byte 0: which field names (bits 0-1, name_sets) and how many of
 * them are asked for (1 + (b >> 2) % 3); bytes 1-3: the size of each
 * field's buffer (field_size); the rest: the body (not NUL-terminated).
 *
 * Checked against ref_parse, the rules of session_form.h written out a
 * second way (split first, then decode without bounds, then compare): the
 * same status, the same field blamed, the same values; buffers are heap
 * blocks of exactly the size given, so one byte too many is caught.
 */
#include "session_form.h"
#include "fuzz_check.h"

#define LONG_NAME_63 "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"

/* The defaults; SessionStoreLoginFields-like renames; names that need
 * escaping; and the longest name that can match (63 bytes) beside one
 * that cannot. */
static const char *const name_sets[4][3] = {
    { "username", "password", "redirect" },
    { "user", "pass", "next" },
    { "user name", "p%", "r&" },
    { LONG_NAME_63, LONG_NAME_63 "n", "x" },
};

static size_t field_size(uint8_t b)
{
    static const size_t big[4] = { 96, 1024, 2049, 4096 };
    return b < 200 ? 1 + (size_t)(b % 50) : big[b % 4];
}

typedef struct ref_field {
    int found;
    size_t len;
    char *value;
} ref_field_t;

/* Decodes in[0..len) into out (len bytes).  Returns how many bytes
 * decoded before the first bad one, and sets *bad if there is one. */
static size_t ref_decode(const uint8_t *in, size_t len, char *out, int *bad,
                         int allow_tab)
{
    size_t i = 0, o = 0;

    *bad = 0;
    while (i < len) {
        int c = in[i];
        if (c == '%') {
            if (len - i < 3 || fz_hex_digit(in[i + 1]) < 0
                || fz_hex_digit(in[i + 2]) < 0) {
                *bad = 1;
                break;
            }
            c = fz_hex_digit(in[i + 1]) * 16 + fz_hex_digit(in[i + 2]);
            i += 3;
        }
        else {
            c = c == '+' ? ' ' : c;
            i++;
        }
        if ((c < 0x20 && !(c == '\t' && allow_tab)) || c == 0x7f) {
            *bad = 1;
            break;
        }
        out[o++] = (char)c;
    }
    return o;
}

static sf_status_t ref_parse(const uint8_t *body, size_t len,
                             const char *const *names, const size_t *sizes,
                             int nfields, ref_field_t *rf, int *blamed)
{
    size_t start = 0;
    int k;

    *blamed = -1;
    for (k = 0; k < nfields; k++) {
        rf[k].found = 0;
        rf[k].len = 0;
    }
    while (start < len) {
        const uint8_t *pair = body + start;
        const uint8_t *amp = memchr(pair, '&', len - start);
        size_t plen = amp ? (size_t)(amp - pair) : len - start;
        const uint8_t *eq = memchr(pair, '=', plen);
        size_t nlen = eq ? (size_t)(eq - pair) : plen;
        char *name = malloc(nlen + 1);
        size_t dn;
        int bad, match = -1;

        if (memchr(pair, '\0', plen) != NULL) {
            free(name);
            return SF_BAD_ENCODING;
        }
        dn = ref_decode(pair, nlen, name, &bad, 0);
        for (k = 0; !bad && dn <= 63 && k < nfields && match < 0; k++) {
            if (strlen(names[k]) == dn && memcmp(names[k], name, dn) == 0) {
                match = k;
            }
        }
        free(name);
        if (match >= 0) {
            const uint8_t *val = eq ? eq + 1 : pair + plen;
            size_t vlen = (size_t)(pair + plen - val), good;

            *blamed = match;
            if (rf[match].found) {
                return SF_DUPLICATE;
            }
            /* TAB only in the second field, as the login asks for it in
             * the password alone. */
            good = ref_decode(val, vlen, rf[match].value, &bad, match == 1);
            if (good >= sizes[match]) {
                return SF_TOO_LONG;
            }
            if (bad) {
                return SF_BAD_ENCODING;
            }
            rf[match].found = 1;
            rf[match].len = good;
            *blamed = -1;
        }
        start += plen + 1;
    }
    return SF_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_input_t in = { data, size };
    uint8_t sel = fz_byte(&in);
    const char *const *names = name_sets[sel & 3];
    int nfields = 1 + (sel >> 2) % 3, k, blamed;
    size_t sizes[3];
    sf_field_t fields[3];
    ref_field_t rf[3];
    const char *bad_field = "unset";
    char *body;
    sf_status_t st, want;

    for (k = 0; k < 3; k++) {
        sizes[k] = field_size(fz_byte(&in));
    }
    body = fz_dup(in.p, in.n, 0);
    for (k = 0; k < nfields; k++) {
        fields[k].name = names[k];
        fields[k].value = malloc(sizes[k]);
        fields[k].size = sizes[k];
        fields[k].found = -1;
        fields[k].allow_tab = (k == 1);
        rf[k].value = malloc(in.n + 1);
    }
    st = sf_parse(body, in.n, fields, nfields, &bad_field);
    want = ref_parse((const uint8_t *)body, in.n, names, sizes, nfields, rf,
                     &blamed);
    FUZZ_ASSERT(st == want, "status %s, reference %s", sf_status_reason(st),
                sf_status_reason(want));
    FUZZ_ASSERT(bad_field == (blamed < 0 ? NULL : names[blamed]),
                "blamed '%s', reference '%s'",
                bad_field ? bad_field : "(none)",
                blamed < 0 ? "(none)" : names[blamed]);
    if (st == SF_OK) {
        for (k = 0; k < nfields; k++) {
            FUZZ_ASSERT(fields[k].found == rf[k].found,
                        "field %s found %d, reference %d", names[k],
                        fields[k].found, rf[k].found);
            FUZZ_ASSERT(rf[k].len < sizes[k]
                        && memcmp(fields[k].value, rf[k].value, rf[k].len) == 0
                        && fields[k].value[rf[k].len] == '\0',
                        "field %s differs from the reference (%zu bytes)",
                        names[k], rf[k].len);
        }
    }
    for (k = 0; k < nfields; k++) {
        free(fields[k].value);
        free(rf[k].value);
    }
    fz_free(body);
    return 0;
}
