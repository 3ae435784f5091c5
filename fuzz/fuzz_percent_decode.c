/*
 * fuzz_percent_decode.c: sc_percent_decode, the first thing done to a
 * cookie value that holds a '%', and its partner sc_uri_encode; also
 * sc_base64_encode, which writes every signature compared.
 *
 * Input: byte 0 sizes the output buffer (from 1 byte to a little more
 * than the input, or, at 255, plenty); the rest is the text to decode.
 *
 * Checked against ref_decode (decodeURIComponent restricted as
 * session_cookie.h says: %XX to a byte, a bad escape or a NUL refused):
 * same result, same bytes, a clean (size_t)-1 when the buffer is short;
 * encode then decode gives any NUL-free input back, and the encoder emits
 * only encodeURIComponent's unreserved set and upper-case %XX; base64
 * agrees with OpenSSL's EVP_EncodeBlock less its '=' padding.
 */
#include "session_cookie.h"
#include "fuzz_check.h"

#include <openssl/evp.h>

/* Decoded length, or -1.  out must hold len bytes. */
static long ref_decode(const unsigned char *in, size_t len, unsigned char *out)
{
    size_t i = 0, o = 0;

    while (i < len) {
        unsigned char b;
        if (in[i] == '%') {
            int hi, lo;
            if (len - i < 3) {
                return -1;
            }
            hi = fz_hex_digit(in[i + 1]);
            lo = fz_hex_digit(in[i + 2]);
            if (hi < 0 || lo < 0) {
                return -1;
            }
            b = (unsigned char)(hi * 16 + lo);
            i += 3;
        }
        else {
            b = in[i++];
        }
        if (b == 0) {
            return -1;
        }
        out[o++] = b;
    }
    return (long)o;
}

static int encoded_char_ok(const char *e, size_t i, size_t n)
{
    unsigned char c = (unsigned char)e[i];
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9') || (c && strchr("-_.!~*'()", c))) {
        return 1;
    }
    return c == '%' && i + 2 < n
           && strchr("0123456789ABCDEF", e[i + 1]) && e[i + 1]
           && strchr("0123456789ABCDEF", e[i + 2]) && e[i + 2];
}

/* encode(src) must decode back to src, or fail to decode exactly when src
 * holds a NUL (which encodes as %00). */
static void check_round_trip(const unsigned char *src, size_t len)
{
    size_t esz = 3 * len + 1, elen, dlen, i;
    char *enc = malloc(esz), *dec, *tight;

    elen = sc_uri_encode((const char *)src, len, enc, esz);
    FUZZ_ASSERT(elen != (size_t)-1 && elen == strlen(enc) && elen <= 3 * len,
                "encoding %zu bytes into %zu failed or overran", len, esz);
    for (i = 0; i < elen; i += enc[i] == '%' ? 3 : 1) {
        FUZZ_ASSERT(encoded_char_ok(enc, i, elen),
                    "encoder wrote '%c' (0x%02x) at %zu of '%s'", enc[i],
                    (unsigned char)enc[i], i, enc);
    }
    tight = malloc(elen + 1);
    FUZZ_ASSERT(sc_uri_encode((const char *)src, len, tight, elen + 1) == elen
                && memcmp(tight, enc, elen + 1) == 0,
                "encode into exactly %zu bytes differs", elen + 1);
    free(tight);
    tight = malloc(elen);
    FUZZ_ASSERT(sc_uri_encode((const char *)src, len, tight, elen)
                == (size_t)-1, "encode into %zu bytes did not fail", elen);
    free(tight);

    dec = malloc(len + 1);
    dlen = sc_percent_decode(enc, elen, dec, len + 1);
    if (memchr(src, '\0', len) != NULL) {
        FUZZ_ASSERT(dlen == (size_t)-1, "an encoded NUL decoded");
    }
    else {
        FUZZ_ASSERT(dlen == len && memcmp(dec, src, len) == 0
                    && dec[len] == '\0',
                    "round trip of %zu bytes gave %zu", len, dlen);
    }
    free(dec);
    free(enc);
}

static void check_base64(const unsigned char *src, size_t len, int url)
{
    size_t cap = 4 * ((len + 2) / 3) + 1, n, want = (4 * len + 2) / 3, i;
    char *ours = malloc(cap);
    unsigned char *ref = malloc(cap);

    n = sc_base64_encode(src, len, ours, url);
    EVP_EncodeBlock(ref, src, (int)len);
    FUZZ_ASSERT(n == want && strlen(ours) == n,
                "base64 of %zu bytes: length %zu, want %zu", len, n, want);
    for (i = 0; i < n; i++) {
        char r = (char)ref[i];
        if (url) {
            r = r == '+' ? '-' : r == '/' ? '_' : r;
        }
        FUZZ_ASSERT(ours[i] == r, "base64%s of %zu bytes differs at %zu",
                    url ? "url" : "", len, i);
    }
    FUZZ_ASSERT(ref[n] == '\0' || ref[n] == '=',
                "OpenSSL has more than padding after %zu", n);
    free(ours);
    free(ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_input_t in = { data, size };
    uint8_t sel = fz_byte(&in);
    size_t len = in.n;
    unsigned char *src = (unsigned char *)fz_dup(in.p, len, 0);
    unsigned char *ref = malloc(len + 1);
    size_t outsz = sel == 255 ? len + 1 : 1 + (sel * (len + 2)) / 255;
    char *out = malloc(outsz);
    long rlen = ref_decode(src, len, ref);
    size_t got = sc_percent_decode((const char *)src, len, out, outsz);

    if (rlen < 0) {
        FUZZ_ASSERT(got == (size_t)-1, "decoded %zu bytes of what the "
                    "reference refuses", got);
    }
    else if ((size_t)rlen + 1 <= outsz) {
        FUZZ_ASSERT(got == (size_t)rlen && memcmp(out, ref, got) == 0
                    && out[got] == '\0',
                    "decoded %zu bytes, reference %ld (outsz %zu)", got, rlen,
                    outsz);
    }
    else {
        FUZZ_ASSERT(got == (size_t)-1, "%ld decoded bytes fitted in %zu",
                    rlen, outsz);
    }
    if (rlen >= 0) {
        check_round_trip(ref, (size_t)rlen);
    }
    check_round_trip(src, len);
    check_base64(src, len, sel & 1);

    free(out);
    free(ref);
    fz_free(src);
    return 0;
}
