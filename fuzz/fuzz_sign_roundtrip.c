/*
 * fuzz_sign_roundtrip.c: sc_sign then sc_unsign give the id back, for any
 * id and any secret, with the signing key anywhere among one to three.
 *
 * Input: byte 0: number of keys (1 + b % 3), which of them signs
 * ((b >> 2) % keys), bit 6: the signer's secret comes from the input;
 * bytes 1-3: secrets (fuzz_secrets.h) of the keys; with bit 6, one byte of
 * length and that many bytes of secret; the rest: the id.
 *
 * Checked: the cookie-signature vector (at start-up); the signature equals
 * OpenSSL's HMAC-SHA256 in base64 without padding; sc_sign fills exactly
 * the buffer it asks for; the URI-encoded value unsigns to the same id and
 * the first key whose signature matches, unless it is longer than
 * SC_VALUE_MAX or the id holds a NUL (both refused as malformed); a
 * changed signature or id never verifies.
 */
#include "session_cookie.h"
#include "fuzz_check.h"
#include "fuzz_secrets.h"

#define VECTOR_WIRE "s%3Aabc.BpxCrWRpvZMh%2Fwk%2Fdjl34N%2Bm%2BVQEU7K%2F5WenLwJCgFU"
#define VECTOR_SIGNED "s:abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    sc_key_t keys[2];
    char out[128], id[SC_ID_MAX + 1];
    int idx = -1;

    (void)argc;
    (void)argv;
    sc_key_init(&keys[0], "new secret", 10);
    sc_key_init(&keys[1], "keyboard cat", 12);
    FUZZ_ASSERT(sc_sign(&keys[1], "abc", 3, out, sizeof(out))
                == strlen(VECTOR_SIGNED) && strcmp(out, VECTOR_SIGNED) == 0,
                "cookie-signature vector: signed '%s'", out);
    FUZZ_ASSERT(sc_unsign(keys, 2, VECTOR_WIRE, strlen(VECTOR_WIRE), id, &idx)
                == SC_OK && strcmp(id, "abc") == 0 && idx == 1,
                "cookie-signature vector does not verify with the older secret");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_input_t in = { data, size };
    uint8_t sel = fz_byte(&in);
    int nkeys = 1 + sel % 3, signer = (sel >> 2) % nkeys;
    const char *secret[3];
    size_t secret_len[3];
    char own_secret[256], sigs[3][SC_SIG_LEN + 2];
    sc_key_t keys[3];
    size_t len, want_len, slen, wlen;
    char *idb, *signed_val, *wire, *got_id;
    int k, expect_index = -1, idx = -1;
    sc_status_t st;

    for (k = 0; k < 3; k++) {
        secret[k] = fz_secrets[fz_byte(&in) % FZ_NSECRETS];
        secret_len[k] = strlen(secret[k]);
    }
    if (sel & 0x40) {
        size_t n = fz_byte(&in), i;
        for (i = 0; i < n; i++) {
            own_secret[i] = (char)fz_byte(&in);
        }
        secret[signer] = own_secret;
        secret_len[signer] = n;
    }
    for (k = 0; k < nkeys; k++) {
        sc_key_init(&keys[k], secret[k], secret_len[k]);
    }
    len = in.n;
    idb = fz_dup(in.p, len, 0);
    want_len = 2 + len + 1 + SC_SIG_LEN;

    if (len > SC_ID_MAX) {
        signed_val = malloc(want_len + 1);
        FUZZ_ASSERT(sc_sign(&keys[signer], idb, len, signed_val, want_len + 1)
                    == (size_t)-1, "signed an id of %zu bytes", len);
        free(signed_val);
        fz_free(idb);
        return 0;
    }

    for (k = 0; k < nkeys; k++) {
        fz_ref_signature(secret[k], secret_len[k], idb, len, sigs[k]);
    }
    for (k = 0; k < nkeys && expect_index < 0; k++) {
        if (memcmp(sigs[k], sigs[signer], SC_SIG_LEN) == 0) {
            expect_index = k;
        }
    }

    signed_val = malloc(want_len);
    FUZZ_ASSERT(sc_sign(&keys[signer], idb, len, signed_val, want_len)
                == (size_t)-1, "sign wrote %zu bytes into %zu", want_len + 1,
                want_len);
    free(signed_val);
    signed_val = malloc(want_len + 1);
    slen = sc_sign(&keys[signer], idb, len, signed_val, want_len + 1);
    FUZZ_ASSERT(slen == want_len && signed_val[slen] == '\0'
                && memcmp(signed_val, "s:", 2) == 0
                && memcmp(signed_val + 2, idb, len) == 0
                && signed_val[2 + len] == '.'
                && memcmp(signed_val + 3 + len, sigs[signer], SC_SIG_LEN) == 0,
                "sign of a %zu-byte id: %zu bytes, not s:<id>.%s", len, slen,
                sigs[signer]);

    wire = malloc(3 * slen + 1);
    wlen = sc_uri_encode(signed_val, slen, wire, 3 * slen + 1);
    FUZZ_ASSERT(wlen != (size_t)-1, "encode of the signed value failed");
    got_id = malloc(SC_ID_MAX + 1);
    st = sc_unsign(keys, nkeys, wire, wlen, got_id, &idx);
    if (wlen > SC_VALUE_MAX || memchr(idb, '\0', len) != NULL) {
        FUZZ_ASSERT(st == SC_MALFORMED, "%zu-byte wire value: status %s",
                    wlen, sc_status_reason(st));
    }
    else {
        FUZZ_ASSERT(st == SC_OK && memcmp(got_id, idb, len) == 0
                    && got_id[len] == '\0' && idx == expect_index,
                    "round trip of a %zu-byte id: %s, key %d (want %d)", len,
                    sc_status_reason(st), idx, expect_index);
    }

    /* Raw, as a client that skips encodeURIComponent would send it: no
     * '%' means no decoding, so the bytes are verified as they are. */
    if (slen <= SC_VALUE_MAX && memchr(signed_val, '%', slen) == NULL) {
        size_t pos;
        idx = -1;
        st = sc_unsign(keys, nkeys, signed_val, slen, got_id, &idx);
        FUZZ_ASSERT(st == SC_OK && memcmp(got_id, idb, len) == 0
                    && got_id[len] == '\0' && idx == expect_index,
                    "raw signed value of a %zu-byte id: %s", len,
                    sc_status_reason(st));

        pos = 3 + len + len % SC_SIG_LEN;
        signed_val[pos] = signed_val[pos] == 'A' ? 'B' : 'A';
        st = sc_unsign(keys, nkeys, signed_val, slen, got_id, &idx);
        FUZZ_ASSERT(st == SC_BAD_SIGNATURE,
                    "signature changed at %zu: %s", pos, sc_status_reason(st));
        signed_val[pos] = (char)sigs[signer][pos - 3 - len];

        if (len > 0) {
            signed_val[2] ^= 1;
            st = sc_unsign(keys, nkeys, signed_val, slen, got_id, &idx);
            FUZZ_ASSERT(st != SC_OK, "id changed, signature still verifies");
        }
    }
    free(got_id);
    free(wire);
    free(signed_val);
    fz_free(idb);
    return 0;
}
