/*
 * session_form.c: the login form, application/x-www-form-urlencoded.
 */
#include "session_form.h"
#include "syntax.h"

#include <string.h>

/* Decode in[0..len) into out (size bytes).  Returns the decoded length, or
 * (size_t)-1 for a bad escape or a control byte (TAB allowed when
 * allow_tab), (size_t)-2 when it does not fit. */
static size_t form_decode(const char *in, size_t len, char *out, size_t size,
                          int allow_tab)
{
    size_t i, o = 0;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '+') {
            c = ' ';
        }
        else if (c == '%') {
            int hi, lo;
            if (i + 2 >= len) {
                return (size_t)-1;
            }
            hi = sx_hex_value((unsigned char)in[i + 1]);
            lo = sx_hex_value((unsigned char)in[i + 2]);
            if (hi < 0 || lo < 0) {
                return (size_t)-1;
            }
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        }
        if ((c < 0x20 && !(c == '\t' && allow_tab)) || c == 0x7f) {
            return (size_t)-1;
        }
        if (o + 1 >= size) {
            return (size_t)-2;
        }
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return o;
}

/* Field names are compared after decoding, as a browser may escape them. */
static int name_is(const char *in, size_t len, const char *name)
{
    char buf[SF_NAME_MAX + 1];
    size_t n = form_decode(in, len, buf, sizeof(buf), 0);
    return n != (size_t)-1 && n != (size_t)-2 && strcmp(buf, name) == 0;
}

sf_status_t sf_parse(const char *body, size_t len, sf_field_t *fields,
                     int nfields, const char **bad_field)
{
    const char *p = body, *end = body + len;
    int k;

    *bad_field = NULL;
    for (k = 0; k < nfields; k++) {
        fields[k].found = 0;
        if (fields[k].size) {
            fields[k].value[0] = '\0';
        }
    }
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pair_end = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(pair_end - p));
        const char *name_end = eq ? eq : pair_end;
        const char *val = eq ? eq + 1 : pair_end;

        if (memchr(p, '\0', (size_t)(pair_end - p)) != NULL) {
            return SF_BAD_ENCODING;
        }
        for (k = 0; k < nfields; k++) {
            if (name_is(p, (size_t)(name_end - p), fields[k].name)) {
                size_t n;
                *bad_field = fields[k].name;
                if (fields[k].found) {
                    return SF_DUPLICATE;
                }
                n = form_decode(val, (size_t)(pair_end - val),
                                fields[k].value, fields[k].size,
                                fields[k].allow_tab);
                if (n == (size_t)-1) {
                    return SF_BAD_ENCODING;
                }
                if (n == (size_t)-2) {
                    return SF_TOO_LONG;
                }
                fields[k].found = 1;
                *bad_field = NULL;
                break;
            }
        }
        p = amp ? amp + 1 : end;
    }
    return SF_OK;
}

const char *sf_status_reason(sf_status_t st)
{
    switch (st) {
    case SF_OK:           return "OK";
    case SF_BAD_ENCODING: return "badly encoded field";
    case SF_DUPLICATE:    return "repeated field";
    case SF_TOO_LONG:     return "field too long";
    }
    return "unknown";
}
