/*
 * fuzz_identity.c: the identity header's encoding (core/identity_header.c),
 * as mod_socketio_auth calls it, against its definition in
 * identity_header.h: a reference decoder must give the name back, and the
 * value must be one a header can carry and only one way to write it.
 *
 * Input: the name, cut at the first NUL.
 */
#include "identity_header.h"
#include "fuzz_check.h"

#include <strings.h>

#define FLAG_LEN (sizeof(IH_FLAG) - 1)

static int attr_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || (c && strchr("!#$&+-.^_`|~", c));
}

static int ref_plain(const char *name, size_t n)
{
    size_t i;

    if (n && (name[0] == ' ' || name[n - 1] == ' ')) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c > 0x7e) {
            return 0;
        }
    }
    return !(n >= 6 && strncasecmp(name, "utf-8'", 6) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = strnlen((const char *)data, size), size_out, i, o;
    char *name = fz_dup(data, n, 1), *value, *decoded;
    int plain = ref_plain(name, n);

    FUZZ_ASSERT(ih_is_plain(name) == plain, "ih_is_plain('%s')", name);
    size_out = ih_encoded_size(name);
    value = malloc(size_out);      /* exactly what it asked for */
    FUZZ_ASSERT(value != NULL, "out of memory");
    FUZZ_ASSERT(ih_encode(name, value) == value, "returns its buffer");
    FUZZ_ASSERT(strnlen(value, size_out) == size_out - 1,
                "wrote %zu bytes, said %zu", strnlen(value, size_out) + 1,
                size_out);

    for (i = 0; value[i]; i++) {
        unsigned char c = (unsigned char)value[i];
        FUZZ_ASSERT(c >= 0x20 && c <= 0x7e, "byte 0x%02x in the value", c);
    }
    FUZZ_ASSERT(size_out == 1 || (value[0] != ' ' && value[size_out - 2] != ' '),
                "a space at an end of '%s'", value);

    if (plain) {
        FUZZ_ASSERT(strcmp(value, name) == 0, "plain '%s' became '%s'",
                    name, value);
    }
    else {
        FUZZ_ASSERT(strncmp(value, IH_FLAG, FLAG_LEN) == 0,
                    "'%s' without the flag", value);
        /* Decode, and require the one canonical spelling: attr-chars as
         * they are, everything else as %XX in upper case. */
        decoded = malloc(size_out);
        FUZZ_ASSERT(decoded != NULL, "out of memory");
        for (i = FLAG_LEN, o = 0; value[i]; o++) {
            unsigned char c = (unsigned char)value[i];
            if (c == '%') {
                int hi = fz_hex_digit((unsigned char)value[i + 1]);
                int lo = hi < 0 ? -1 : fz_hex_digit((unsigned char)value[i + 2]);
                FUZZ_ASSERT(hi >= 0 && lo >= 0, "bad escape in '%s'", value);
                c = (unsigned char)(hi << 4 | lo);
                FUZZ_ASSERT(!attr_char(c), "attr-char escaped in '%s'", value);
                FUZZ_ASSERT(!(value[i + 1] >= 'a' && value[i + 1] <= 'f')
                            && !(value[i + 2] >= 'a' && value[i + 2] <= 'f'),
                            "lower-case hex in '%s'", value);
                i += 3;
            }
            else {
                FUZZ_ASSERT(attr_char(c), "0x%02x unescaped in '%s'", c, value);
                i++;
            }
            decoded[o] = (char)c;
        }
        FUZZ_ASSERT(o == n && memcmp(decoded, name, n) == 0,
                    "'%s' does not decode to the name", value);
        free(decoded);
    }
    free(value);
    fz_free(name);
    return 0;
}
