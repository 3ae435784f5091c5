/*
 * fuzz_unsign.c: sc_unsign, the check every handshake's cookie value goes
 * through, with one to three keys.
 *
 * Input: byte 0: number of keys (1 + b % 3), bit 7 passes key_index as
 * NULL as the module does; bytes 1-3: which secret of fuzz_secrets.h each
 * key is; the rest: the cookie value, as sc_cookie_find would give it
 * (not NUL-terminated, still URI-encoded).
 *
 * Checked against ref_unsign, the rules of DESIGN.md and session_cookie.h
 * written out again over OpenSSL's HMAC: same status, same key, same id,
 * and nothing read past the value or written past the id buffer.
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

static sc_status_t ref_unsign(const int *secret_of, int nkeys,
                              const char *val, size_t len,
                              char *id, size_t *id_len, int *key_index)
{
    char buf[SC_VALUE_MAX];
    const char *text = val, *dot;
    size_t tlen = len, i, o = 0;
    int k;

    if (len > SC_VALUE_MAX) {
        return SC_MALFORMED;
    }
    if (memchr(val, '%', len) != NULL) {
        for (i = 0; i < len; i++) {
            int c = (unsigned char)val[i];
            if (c == '%') {
                if (len - i < 3 || fz_hex_digit((unsigned char)val[i + 1]) < 0
                    || fz_hex_digit((unsigned char)val[i + 2]) < 0) {
                    return SC_MALFORMED;
                }
                c = fz_hex_digit((unsigned char)val[i + 1]) * 16
                    + fz_hex_digit((unsigned char)val[i + 2]);
                i += 2;
            }
            if (c == 0) {
                return SC_MALFORMED;
            }
            buf[o++] = (char)c;
        }
        text = buf;
        tlen = o;
    }
    if (tlen < 2 || memcmp(text, "s:", 2) != 0) {
        return SC_MALFORMED;
    }
    dot = memrchr(text + 2, '.', tlen - 2);
    if (dot == NULL || (size_t)(text + tlen - (dot + 1)) != SC_SIG_LEN
        || (size_t)(dot - (text + 2)) > SC_ID_MAX) {
        return SC_MALFORMED;
    }
    *id_len = (size_t)(dot - (text + 2));
    for (k = 0; k < nkeys; k++) {
        const char *secret = fz_secrets[secret_of[k]];
        char sig[SC_SIG_LEN + 2];
        fz_ref_signature(secret, strlen(secret), text + 2, *id_len, sig);
        if (memcmp(sig, dot + 1, SC_SIG_LEN) == 0) {
            memcpy(id, text + 2, *id_len);
            *key_index = k;
            return SC_OK;
        }
    }
    return SC_BAD_SIGNATURE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_input_t in = { data, size };
    uint8_t sel = fz_byte(&in);
    int nkeys = 1 + sel % 3, no_index = sel & 0x80;
    int secret_of[3], k, key_index = -1, ref_index = -1;
    sc_key_t keys[3];
    char *val, *id = malloc(SC_ID_MAX + 1);
    char ref_id[SC_VALUE_MAX];
    size_t ref_id_len = 0;
    sc_status_t st, want;

    for (k = 0; k < 3; k++) {
        secret_of[k] = fz_byte(&in) % FZ_NSECRETS;
        keys[k] = keys_by_secret[secret_of[k]];
    }
    val = fz_dup(in.p, in.n, 0);
    st = sc_unsign(keys, nkeys, val, in.n, id, no_index ? NULL : &key_index);
    want = ref_unsign(secret_of, nkeys, val, in.n, ref_id, &ref_id_len,
                      &ref_index);
    FUZZ_ASSERT(st == want, "status %d (%s), reference %d (%s), %zu bytes",
                st, sc_status_reason(st), want, sc_status_reason(want), in.n);
    if (st == SC_OK) {
        FUZZ_ASSERT(memcmp(id, ref_id, ref_id_len) == 0
                    && id[ref_id_len] == '\0',
                    "id differs from the reference's (%zu bytes)",
                    ref_id_len);
        FUZZ_ASSERT(no_index || key_index == ref_index,
                    "matched key %d, reference %d", key_index, ref_index);
    }
    fz_free(val);
    free(id);
    return 0;
}
