/*
 * identity_header.c: the user name as the identity header carries it
 * (the format is described in identity_header.h).
 */
#include "identity_header.h"

#include <string.h>

#define IH_FLAG_LEN (sizeof(IH_FLAG) - 1)

/* RFC 8187 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~". */
static int is_attr_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || (c && strchr("!#$&+-.^_`|~", c));
}

/* "utf-8'" in any case: the flag, as a lenient decoder would see it. */
static int starts_like_flag(const char *name)
{
    static const char lower[] = "utf-8'";
    size_t i;

    for (i = 0; i < sizeof(lower) - 1; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c >= 'A' && c <= 'Z') {
            c = (unsigned char)(c + ('a' - 'A'));
        }
        if (c != (unsigned char)lower[i]) {
            return 0;
        }
    }
    return 1;
}

int ih_is_plain(const char *name)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t n = strlen(name);

    /* A header parser drops spaces at either end of a value. */
    if (n > 0 && (p[0] == ' ' || p[n - 1] == ' ')) {
        return 0;
    }
    for (; *p; p++) {
        if (*p < 0x20 || *p > 0x7e) {
            return 0;
        }
    }
    return !starts_like_flag(name);
}

size_t ih_encoded_size(const char *name)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t n;

    if (ih_is_plain(name)) {
        return strlen(name) + 1;
    }
    for (n = IH_FLAG_LEN + 1; *p; p++) {
        n += is_attr_char(*p) ? 1 : 3;
    }
    return n;
}

char *ih_encode(const char *name, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)name;
    char *o = out;

    if (ih_is_plain(name)) {
        return strcpy(out, name);
    }
    memcpy(o, IH_FLAG, IH_FLAG_LEN);
    o += IH_FLAG_LEN;
    for (; *p; p++) {
        if (is_attr_char(*p)) {
            *o++ = (char)*p;
        }
        else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 0x0f];
        }
    }
    *o = '\0';
    return out;
}
