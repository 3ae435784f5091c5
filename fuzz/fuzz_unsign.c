/*
 * fuzz_unsign.c: the check every handshake's cookie value goes through:
 * sc_parse (decode and split), sc_verify (one to three keys), sc_unsign
 * (both, as one call) and sc_sid_valid on the id.
 *
 * Input: byte 0: number of keys (1 + b % 3), bit 7 passes key_index as
 * NULL as the module does; bytes 1-3: which secret of fuzz_secrets.h each
 * key is; the rest: the cookie value, as sc_cookie_find would give it
 * (not NUL-terminated, still URI-encoded).
 *
 * Checked against ref_parse and ref_verify, the rules of the README's wire format and
 * session_cookie.h written out again over OpenSSL's HMAC: same status,
 * same id and signature (pointing into the value or the sc_signed_t), same
 * key, sc_unsign agreeing with sc_parse + sc_verify, and nothing read past
 * the value or written past the id buffer or the sc_signed_t.
 */
#define _GNU_SOURCE 1   /* memrchr */
#include "session_cookie.h"
#include "fuzz_check.h"
#include "fuzz_secrets.h"

static sc_key_t keys_by_secret[FZ_NSECRETS];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    size_t i;
    (void)argc;
    (void)argv;
    for (i = 0; i < FZ_NSECRETS; i++) {
        sc_key_init(&keys_by_secret[i], fz_secrets[i], strlen(fz_secrets[i]));
    }
    return 0;
}

typedef struct ref_signed {
    char text[SC_VALUE_MAX];   /* the value, decoded */
    size_t id_len;
    const char *id, *sig;      /* into text */
} ref_signed_t;

/* UTF-8 as decodeURIComponent accepts it, by code point ranges. */
static int ref_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned long cp;
        size_t k, extra;

        if (s[i] < 0x80) { i++; continue; }
        else if ((s[i] & 0xe0) == 0xc0) { extra = 1; cp = s[i] & 0x1f; }
        else if ((s[i] & 0xf0) == 0xe0) { extra = 2; cp = s[i] & 0x0f; }
        else if ((s[i] & 0xf8) == 0xf0) { extra = 3; cp = s[i] & 0x07; }
        else return 0;
        if (i + extra >= n) return 0;
        for (k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        /* The shortest form only, no surrogates, nothing past U+10FFFF. */
        if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800)
            || (extra == 3 && cp < 0x10000) || cp > 0x10ffff
            || (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
        i += extra + 1;
    }
    return 1;
}

/* npm cookie's decode: decodeURIComponent when the value holds a '%',
 * the value as it is when that throws (here also for a NUL, escaped or
 * not, which C strings cannot carry). */
static size_t ref_decode(const char *val, size_t len, char *text)
{
    size_t i, o = 0;

    if (memchr(val, '%', len) == NULL) {
        memcpy(text, val, len);
        return len;
    }
    for (i = 0; i < len; i++) {
        int c = (unsigned char)val[i];
        if (c == '%') {
            if (len - i < 3 || fz_hex_digit((unsigned char)val[i + 1]) < 0
                || fz_hex_digit((unsigned char)val[i + 2]) < 0) {
                goto as_is;
            }
            c = fz_hex_digit((unsigned char)val[i + 1]) * 16
                + fz_hex_digit((unsigned char)val[i + 2]);
            i += 2;
        }
        text[o++] = (char)c;
    }
    if (memchr(text, '\0', o) != NULL
        || !ref_utf8((const unsigned char *)text, o)) {
        goto as_is;
    }
    return o;
as_is:
    memcpy(text, val, len);
    return len;
}

static sc_status_t ref_parse(const char *val, size_t len, ref_signed_t *r)
{
    const char *dot;
    size_t o;

    if (len > SC_VALUE_MAX) {
        return SC_MALFORMED;
    }
    o = ref_decode(val, len, r->text);
    if (o < 2 || memcmp(r->text, "s:", 2) != 0) {
        return SC_MALFORMED;
    }
    dot = memrchr(r->text + 2, '.', o - 2);
    if (dot == NULL || (size_t)(r->text + o - (dot + 1)) != SC_SIG_LEN
        || (size_t)(dot - (r->text + 2)) > SC_ID_MAX) {
        return SC_MALFORMED;
    }
    r->id = r->text + 2;
    r->id_len = (size_t)(dot - r->id);
    r->sig = dot + 1;
    return SC_OK;
}

static sc_status_t ref_verify(const int *secret_of, int nkeys,
                              const ref_signed_t *r, int *key_index)
{
    int k;

    for (k = 0; k < nkeys; k++) {
        const char *secret = fz_secrets[secret_of[k]];
        char sig[SC_SIG_LEN + 2];
        fz_ref_signature(secret, strlen(secret), r->id, r->id_len, sig);
        if (memcmp(sig, r->sig, SC_SIG_LEN) == 0) {
            *key_index = k;
            return SC_OK;
        }
    }
    return SC_BAD_SIGNATURE;
}

static int ref_sid_valid(const char *s, size_t len)
{
    return len == SC_SID_LEN && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "abcdefghijklmnopqrstuvwxyz"
                                          "0123456789-_") >= len;
}

static int points_into(const char *p, size_t n, const char *base, size_t size)
{
    return p >= base && p + n <= base + size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_input_t in = { data, size };
    uint8_t sel = fz_byte(&in);
    int nkeys = 1 + sel % 3, no_index = sel & 0x80;
    int secret_of[3], k, key_index = -1, ref_index = -1;
    sc_key_t keys[3];
    sc_signed_t *sv = malloc(sizeof(*sv));
    ref_signed_t ref;
    char *val, *id = malloc(SC_ID_MAX + 1);
    sc_status_t st, want_parse, want;

    for (k = 0; k < 3; k++) {
        secret_of[k] = fz_byte(&in) % FZ_NSECRETS;
        keys[k] = keys_by_secret[secret_of[k]];
    }
    val = fz_dup(in.p, in.n, 0);

    want_parse = ref_parse(val, in.n, &ref);
    st = sc_parse(val, in.n, sv);
    FUZZ_ASSERT(st == want_parse, "sc_parse: %s, reference %s, %zu bytes",
                sc_status_reason(st), sc_status_reason(want_parse), in.n);
    want = want_parse;
    if (st == SC_OK) {
        FUZZ_ASSERT(sv->id_len == ref.id_len
                    && memcmp(sv->id, ref.id, ref.id_len) == 0
                    && memcmp(sv->sig, ref.sig, SC_SIG_LEN) == 0,
                    "sc_parse split differs from the reference (id %zu "
                    "bytes, reference %zu)", sv->id_len, ref.id_len);
        FUZZ_ASSERT((points_into(sv->id, sv->id_len, val, in.n)
                     && points_into(sv->sig, SC_SIG_LEN, val, in.n))
                    || (points_into(sv->id, sv->id_len, sv->buf,
                                    sizeof(sv->buf))
                        && points_into(sv->sig, SC_SIG_LEN, sv->buf,
                                       sizeof(sv->buf))),
                    "sc_parse points outside the value and its buffer");
        FUZZ_ASSERT(sc_sid_valid(sv->id, sv->id_len)
                    == ref_sid_valid(ref.id, ref.id_len),
                    "sc_sid_valid on a %zu-byte id differs", ref.id_len);
        want = ref_verify(secret_of, nkeys, &ref, &ref_index);
        st = sc_verify(keys, nkeys, sv, no_index ? NULL : &key_index);
        FUZZ_ASSERT(st == want, "sc_verify: %s, reference %s",
                    sc_status_reason(st), sc_status_reason(want));
        FUZZ_ASSERT(st != SC_OK || no_index || key_index == ref_index,
                    "sc_verify matched key %d, reference %d", key_index,
                    ref_index);
    }

    key_index = -1;
    st = sc_unsign(keys, nkeys, val, in.n, id, no_index ? NULL : &key_index);
    FUZZ_ASSERT(st == want, "sc_unsign: %s, reference %s, %zu bytes",
                sc_status_reason(st), sc_status_reason(want), in.n);
    if (st == SC_OK) {
        FUZZ_ASSERT(memcmp(id, ref.id, ref.id_len) == 0
                    && id[ref.id_len] == '\0',
                    "sc_unsign id differs from the reference's (%zu bytes)",
                    ref.id_len);
        FUZZ_ASSERT(no_index || key_index == ref_index,
                    "sc_unsign matched key %d, reference %d", key_index,
                    ref_index);
    }
    fz_free(val);
    free(id);
    free(sv);
    return 0;
}
