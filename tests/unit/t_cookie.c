/*
 * t_cookie.c: the express-session cookie format, against the vectors of
 * npm cookie-signature 1.2.x (also checked live in tests/interop) and
 * every malformed value we could think of.
 */
#include "../../core/session_cookie.h"
#include "tap.h"

#include <stdlib.h>

#define VECTOR_SIGNED "s:abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU"
#define VECTOR_WIRE "s%3Aabc.BpxCrWRpvZMh%2Fwk%2Fdjl34N%2Bm%2BVQEU7K%2F5WenLwJCgFU"

static sc_key_t keys[3];

static sc_status_t unsign_str(const char *val, int nkeys, char *id, int *ki)
{
    return sc_unsign(keys, nkeys, val, strlen(val), id, ki);
}

static void test_vector(void)
{
    char out[256], wire[512], id[SC_ID_MAX + 1];
    int ki = -1;

    sc_key_init(&keys[0], "keyboard cat", 12);
    ok(sc_sign(&keys[0], "abc", 3, out, sizeof(out)) == strlen(VECTOR_SIGNED),
       "sign returns the length");
    is_str(out, VECTOR_SIGNED, "sign: the cookie-signature vector");
    sc_uri_encode(out, strlen(out), wire, sizeof(wire));
    is_str(wire, VECTOR_WIRE, "encodeURIComponent of the vector");

    is_int(unsign_str(VECTOR_WIRE, 1, id, &ki), SC_OK, "unsign wire form");
    is_str(id, "abc", "unsign yields the id");
    is_int(unsign_str(VECTOR_SIGNED, 1, id, &ki), SC_OK,
           "unsign the undecoded form too");
    ok(!sc_sid_valid("abc", 3), "abc is not one of our ids");

    sc_key_init(&keys[0], "new secret", 10);
    sc_key_init(&keys[1], "keyboard cat", 12);
    is_int(unsign_str(VECTOR_WIRE, 2, id, &ki), SC_OK,
           "rotation: an older secret still verifies");
    is_int(ki, 1, "and says which secret matched");
    is_int(unsign_str(VECTOR_WIRE, 1, id, &ki), SC_BAD_SIGNATURE,
           "without the old secret it does not");
    sc_sign(&keys[0], "abc", 3, out, sizeof(out));
    ok(strcmp(out, VECTOR_SIGNED) != 0, "the first secret signs");
    is_int(unsign_str(out, 2, id, &ki), SC_OK, "and verifies");
    is_int(ki, 0, "with index 0");
}

static void test_parse_verify(void)
{
    sc_signed_t sv;

    sc_key_init(&keys[0], "keyboard cat", 12);
    is_int(sc_parse(VECTOR_WIRE, strlen(VECTOR_WIRE), &sv), SC_OK,
           "parse the wire form");
    ok(sv.id_len == 3 && !memcmp(sv.id, "abc", 3), "id split out");
    ok(!memcmp(sv.sig, "BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU",
               SC_SIG_LEN), "signature split out, decoded");
    is_int(sc_verify(keys, 1, &sv, NULL), SC_OK, "and verified");
    is_int(sc_parse("s:abc", 5, &sv), SC_MALFORMED, "parse refuses no dot");
}

static void test_long_key(void)
{
    char longkey[200], out[256], id[SC_ID_MAX + 1];
    memset(longkey, 'k', sizeof(longkey));
    sc_key_init(&keys[2], longkey, sizeof(longkey));
    sc_sign(&keys[2], "xyz", 3, out, sizeof(out));
    ok(sc_unsign(&keys[2], 1, out, strlen(out), id, NULL) == SC_OK,
       "a secret longer than a block is hashed first, and still round-trips");
}

static void test_sid(void)
{
    char a[SC_SID_LEN + 1], b[SC_SID_LEN + 1], out[256], wire[512];
    char id[SC_ID_MAX + 1];

    ok(sc_sid_new(a) == 0 && sc_sid_new(b) == 0, "two new ids");
    is_int(strlen(a), 32, "32 characters");
    ok(sc_sid_valid(a, strlen(a)), "base64url alphabet");
    ok(strcmp(a, b) != 0, "different");
    sc_key_init(&keys[0], "keyboard cat", 12);
    sc_sign(&keys[0], a, SC_SID_LEN, out, sizeof(out));
    is_int(strlen(out), SC_SIGNED_LEN, "signed length");
    sc_uri_encode(out, strlen(out), wire, sizeof(wire));
    is_int(unsign_str(wire, 1, id, NULL), SC_OK, "round trip");
    is_str(id, a, "same id back");
    ok(!sc_sid_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa+", 32), "'+' is not url");
    ok(!sc_sid_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 33), "33 is too long");
}

static void test_malformed(void)
{
    static const struct { const char *val; sc_status_t want; const char *what; }
    cases[] = {
        { "", SC_MALFORMED, "empty" },
        { "s", SC_MALFORMED, "s alone" },
        { "s:", SC_MALFORMED, "s: alone" },
        { "abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU", SC_MALFORMED, "no s: prefix (unsigned cookie)" },
        { "s:abcBpxCrWRpvZMh", SC_MALFORMED, "no dot" },
        { "s:.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU", SC_BAD_SIGNATURE, "empty id" },
        { "s:abc.", SC_MALFORMED, "empty signature" },
        { "s:abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgF", SC_MALFORMED, "signature one short" },
        { "s:abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFUU", SC_MALFORMED, "signature one long" },
        { "s:abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU=", SC_MALFORMED, "padded signature" },
        { "s:abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFV", SC_BAD_SIGNATURE, "last char changed" },
        { "s:abd.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU", SC_BAD_SIGNATURE, "id changed" },
        { "s:abc.BpxCrWRpvZMh_wk_djl34N-m-VQEU7K_5WenLwJCgFU", SC_BAD_SIGNATURE, "url alphabet signature" },
        { "s:abc.Bpx!rWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU", SC_BAD_SIGNATURE, "non-base64 signature" },
        { "s:a.b.c.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU", SC_BAD_SIGNATURE, "many dots: split at the last" },
        { "s%3Aabc.BpxCrWRpvZMh%2Fwk%2Fdjl34N%2Bm%2BVQEU7K%2F5WenLwJCgF", SC_MALFORMED, "truncated wire form" },
        { "s%3Aabc.BpxCrWRpvZMh%2Fwk%2Fdjl34N%2Bm%2BVQEU7K%2F5WenLwJCgFU%", SC_MALFORMED, "dangling %" },
        { "s%3Aabc.BpxCrWRpvZMh%2Fwk%2Fdjl34N%2Bm%2BVQEU7K%2F5WenLwJCgF%4", SC_MALFORMED, "half escape" },
        { "s%3Aabc.BpxCrWRpvZMh%2Fwk%2Fdjl34N%2Bm%2BVQEU7K%2F5WenLwJCg%ZZ", SC_MALFORMED, "non-hex escape" },
        { "s%3Aab%00.BpxCrWRpvZMh%2Fwk%2Fdjl34N%2Bm%2BVQEU7K%2F5WenLwJCgFU", SC_MALFORMED, "escaped NUL" },
        { "s%3Aab%C0%AF.BpxCrWRpvZMh%2Fwk%2Fdjl34N%2Bm%2BVQEU7K%2F5WenLwJCgFU", SC_MALFORMED, "overlong UTF-8: not decoded (npm cookie), so no s:" },
        { "s%3Aab%ED%A0%80.BpxCrWRpvZMh%2Fwk%2Fdjl34N%2Bm%2BVQEU7K%2F5WenLwJCgFU", SC_MALFORMED, "a UTF-8 surrogate: not decoded" },
        { "s%3Aab%C3.BpxCrWRpvZMh%2Fwk%2Fdjl34N%2Bm%2BVQEU7K%2F5WenLwJCgFU", SC_MALFORMED, "a cut UTF-8 sequence: not decoded" },
        { "s%3Aab%C3%A9.BpxCrWRpvZMh%2Fwk%2Fdjl34N%2Bm%2BVQEU7K%2F5WenLwJCgFU", SC_BAD_SIGNATURE, "UTF-8 escapes are decoded" },
        { "s:ab%ZZ.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU", SC_BAD_SIGNATURE, "a bad escape leaves the value as it is" },
        { "S:abc.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU", SC_MALFORMED, "capital S" },
        { "s:abc\x01.BpxCrWRpvZMh/wk/djl34N+m+VQEU7K/5WenLwJCgFU", SC_BAD_SIGNATURE, "control byte in id" },
    };
    char id[SC_ID_MAX + 1];
    size_t i;

    sc_key_init(&keys[0], "keyboard cat", 12);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        is_int(unsign_str(cases[i].val, 1, id, NULL), cases[i].want,
               "malformed: %s", cases[i].what);
    }
    {
        char big[SC_VALUE_MAX + 10];
        memset(big, 'a', sizeof(big) - 1);
        big[0] = 's'; big[1] = ':';
        big[sizeof(big) - 1] = '\0';
        is_int(unsign_str(big, 1, id, NULL), SC_MALFORMED, "overlong value");
    }
    {
        /* What decodeURIComponent refuses is read as it is, as npm cookie
         * does: a signer's "s:ab%zz.<sig>" verifies over "ab%zz". */
        char signed_raw[128];
        ok(sc_sign(&keys[0], "ab%zz", 5, signed_raw, sizeof(signed_raw))
           != (size_t)-1, "sign an id with a bad escape");
        is_int(unsign_str(signed_raw, 1, id, NULL), SC_OK,
               "and it verifies as it is");
        is_str(id, "ab%zz", "with the id undecoded");
    }
    {
        /* A valid signature over an id longer than SC_ID_MAX is refused
         * before any HMAC is computed. */
        char idbuf[SC_ID_MAX + 2], out[1024];
        memset(idbuf, 'x', sizeof(idbuf) - 1);
        idbuf[sizeof(idbuf) - 1] = '\0';
        ok(sc_sign(&keys[0], idbuf, strlen(idbuf), out, sizeof(out))
           == (size_t)-1, "sign refuses an id over SC_ID_MAX");
    }
}

/* npm cookie 0.7.2 (express-session 1.19), cookie.parse(h)['express.sid']
 * for each header: NULL for undefined.  Made with node from the package. */
static const struct {
    const char *header, *want;
} npm_cases[] = {
    { "express.sid=one", "one" },
    { "a=1; express.sid=one; b=2", "one" },
    { "express.sid=one; express.sid=two", "one" },
    { "  express.sid \t=  \"one\"  ;x=y", "one" },
    { "express.sid=\"", "" },
    { "express.sid=\"\"", "" },
    { "express.sid=\"one", "\"one" },
    { "express.sid=one\"", "one\"" },
    { "a=1, express.sid=one", NULL },
    { "a=1,express.sid=X; express.sid=Y", "Y" },
    { "express.sid=A, express.sid=B", "A, express.sid=B" },
    { "xexpress.sid=one", NULL },
    { "express.sid", NULL },
    { "express.sid=", "" },
    { ";;;express.sid=a=b", "a=b" },
    { "express.sid; express.sid=one", "one" },
    { "foo; bar; express.sid=two", "two" },
    { "\"express.sid\"=one; express.sid=two", "two" },
    { "EXPRESS.SID=one; express.sid=two", "two" },
    { "express.sid =one", "one" },
    { "express .sid=one; express.sid=two", "two" },
    { "=x; express.sid=one", "one" },
    { "x=y=z; express.sid=one", "one" },
    { "express.sid=one;express.sid=two", "one" },
    { "express.sid=\t\"one\"\t", "one" },
    { "express.sid= ; express.sid=two", "" },
    { "e", NULL },
    { "express.sid=%", "%" },
    { ",express.sid=one", NULL },
    { "express.sid=one,two", "one,two" },
};

static void test_find(void)
{
    const char *v;
    size_t n, i;

    ok(!sc_cookie_find(NULL, "express.sid", &v, &n), "NULL header");
    ok(!sc_cookie_find("", "express.sid", &v, &n), "empty header");
    for (i = 0; i < sizeof(npm_cases) / sizeof(npm_cases[0]); i++) {
        const char *want = npm_cases[i].want;
        int found = sc_cookie_find(npm_cases[i].header, "express.sid", &v, &n);
        if (want) {
            ok(found && n == strlen(want) && memcmp(v, want, n) == 0,
               "as npm cookie: '%s' gives '%s'", npm_cases[i].header, want);
        }
        else {
            ok(!found, "as npm cookie: '%s' gives nothing",
               npm_cases[i].header);
        }
    }
    /* cookie.parse('=a') is {"": "a"}, cookie.parse('=') is {}. */
    ok(sc_cookie_find("=a", "", &v, &n) && n == 1, "an empty name");
    ok(!sc_cookie_find("=", "", &v, &n), "a header under two bytes");
    ok(!sc_cookie_find("a=1", "a=", &v, &n), "a name with '=' is never found");
    ok(!sc_cookie_find(" a=1", " a", &v, &n),
       "nor one that starts with a space");
}

static void test_remove(void)
{
    char out[256];

    is_int(sc_cookie_remove("express.sid=x", "express.sid", out, sizeof(out)),
           0, "remove the only cookie");
    sc_cookie_remove("a=1; express.sid=x; b=2", "express.sid", out, sizeof(out));
    is_str(out, "a=1; b=2", "remove from the middle");
    sc_cookie_remove("express.sid=x;express.sid=y;c=3", "express.sid", out,
                     sizeof(out));
    is_str(out, "c=3", "remove every copy");
    sc_cookie_remove("a=1", "express.sid", out, sizeof(out));
    is_str(out, "a=1", "nothing to remove");
    sc_cookie_remove("a=1, express.sid=x; b=2", "express.sid", out,
                     sizeof(out));
    is_str(out, "b=2", "a pair that holds the name after a ',' goes whole");
    sc_cookie_remove("express.sid=x, a=1; b=2", "express.sid", out,
                     sizeof(out));
    is_str(out, "b=2", "and one that holds it before");
    sc_cookie_remove("a=x,y; express.sidx=1; b", "express.sid", out,
                     sizeof(out));
    is_str(out, "a=x,y; express.sidx=1; b",
           "other commas, other names, pairs without '=' stay");
    ok(sc_cookie_remove("a=1; b=2", "x", out, 4) == (size_t)-1,
       "too small an output");
    is_int(sc_cookie_remove("a=1;b=2;c=3", "x", out, sizeof(out)), 13,
           "rejoined with '; ', longer than the input");
    is_str(out, "a=1; b=2; c=3", "so callers size the output for that");
}

static void test_strip(void)
{
    char out[256];
    const char *h = "a=1;express.sid=x;b=2;c=3";

    ok(sc_cookie_strip_size(h) >= 2 * strlen(h) + 1,
       "strip size allows for a space after every ';'");
    ok(sc_cookie_strip(h, "express.sid", out, sc_cookie_strip_size(h)),
       "strip keeps the other cookies");
    is_str(out, "a=1; b=2; c=3", "without the session cookie");
    ok(!sc_cookie_strip("express.sid=x", "express.sid", out, sizeof(out)),
       "strip of the only cookie: no Cookie header at all");
    ok(!sc_cookie_strip("a=1; b=2", "x", out, 4),
       "strip without room: no Cookie header at all (fails closed)");
    h = "express.sid.device=d; a=1; express.sid=x; express.sidx=y";
    ok(sc_cookie_strip(h, "express.sid", out, sc_cookie_strip_size(h)),
       "strip with a device cookie");
    is_str(out, "a=1; express.sidx=y",
           "the device cookie goes with the session cookie, nothing else");
}

static void test_handle(void)
{
    char h1[SC_HANDLE_LEN + 1], h2[SC_HANDLE_LEN + 1];
    const char *id = "abcdefghijklmnopqrstuvwxyz012345";

    sc_session_handle(id, 32, h1);
    is_int(strlen(h1), SC_HANDLE_LEN, "a handle is 22 characters");
    ok(sc_sid_valid(h1, SC_HANDLE_LEN) == 0 && strstr(id, h1) == NULL,
       "and neither an id nor a part of one");
    sc_session_handle(id, 32, h2);
    is_str(h2, h1, "the same id, the same handle");
    sc_session_handle("bbcdefghijklmnopqrstuvwxyz012345", 32, h2);
    ok(strcmp(h1, h2) != 0, "another id, another handle");
    /* printf '%s' 'mod_session_store handle:abcdefghijklmnopqrstuvwxyz012345'
     *   | openssl dgst -sha256 -binary | head -c 16 | basenc --base64url */
    is_str(h1, "xEn2-9jcwEUrqVmTKzn_3w", "SHA-256 of the prefixed id, base64url");
}

static void test_codecs(void)
{
    char out[64];
    unsigned char all[3] = { 0xfb, 0xff, 0xfe };

    sc_base64_encode(all, 3, out, 0);
    is_str(out, "+//+", "base64 standard");
    sc_base64_encode(all, 3, out, 1);
    is_str(out, "-__-", "base64url");
    sc_base64_encode((const unsigned char *)"a", 1, out, 0);
    is_str(out, "YQ", "one byte, no padding");
    sc_base64_encode((const unsigned char *)"ab", 2, out, 0);
    is_str(out, "YWI", "two bytes, no padding");
    { const char *in = "a b!~*'()-_.;/?:@&=+$,#"; sc_uri_encode(in, strlen(in), out, sizeof(out)); }
    is_str(out, "a%20b!~*'()-_.%3B%2F%3F%3A%40%26%3D%2B%24%2C%23",
           "encodeURIComponent's unreserved set");
    ok(sc_uri_encode("////", 4, out, 12) == (size_t)-1, "encode overflow");
    is_int(sc_percent_decode("%41%62c", 7, out, sizeof(out)), 3, "decode");
    is_str(out, "Abc", "decoded");
    ok(sc_percent_decode("abc", 3, out, 3) == (size_t)-1, "decode overflow");
}

int main(void)
{
    test_vector();
    test_parse_verify();
    test_long_key();
    test_sid();
    test_malformed();
    test_find();
    test_remove();
    test_strip();
    test_handle();
    test_codecs();
    sc_key_wipe(&keys[0]);
    return done_testing();
}
