/*
 * t_json.c: sessions as connect-redis stores them (core/session_json.c):
 * what httpd writes, what every hostile value read back maps to.
 */
#include "../../core/session_json.h"
#include "tap.h"

#include <stdlib.h>

static sj_user_path_t passport_user;

static st_session_t sample(void)
{
    st_session_t s;
    int i;

    memset(&s, 0, sizeof(s));
    strcpy(s.id, "0123456789abcdefghijklmnopqrstuv");
    strcpy(s.user, "alice");
    strcpy(s.remote, "192.0.2.1");
    s.created = s.last_access = 1748779200123456LL;
    s.idle_timeout = 1800;
    s.max_age = 86400;
    for (i = 0; i < ST_REALM_LEN; i++) {
        s.realm[i] = (unsigned char)(i * 17);
    }
    return s;
}

static sj_status_t decode(const char *json, sj_session_t *out)
{
    return sj_decode(json, strlen(json), &passport_user, out, NULL);
}

static void test_paths(void)
{
    sj_user_path_t p;

    ok(sj_user_path_parse("passport.user", &p) == 0 && p.depth == 2
       && !strcmp(p.part[1], "user"), "passport.user");
    ok(sj_user_path_parse("passport.user.username", &p) == 0 && p.depth == 3,
       "three parts");
    ok(sj_user_path_parse("user", &p) == 0 && p.depth == 1, "one part");
    ok(sj_user_path_parse("", &p) != 0, "empty refused");
    ok(sj_user_path_parse("a..b", &p) != 0, "empty part refused");
    ok(sj_user_path_parse("a.", &p) != 0, "trailing dot refused");
    ok(sj_user_path_parse("a b", &p) != 0, "space refused");
    ok(sj_user_path_parse("a.b.c.d.e", &p) != 0, "five parts refused");
    ok(sj_user_path_parse("cookie.user", &p) != 0, "inside cookie refused");
    ok(sj_user_path_parse("httpd.user", &p) != 0, "inside httpd refused");
}

static void test_cookie_attributes(void)
{
    sj_cookie_t c;

    sj_cookie_from_attributes("Path=/; HttpOnly; SameSite=Lax", &c);
    ok(!strcmp(c.path, "/") && c.http_only && !c.secure
       && !strcmp(c.same_site, "lax") && !c.domain[0], "the default");
    sj_cookie_from_attributes(" path = /app ;secure;DOMAIN=example.org;"
                              "samesite=STRICT; Max-Age=5", &c);
    ok(!strcmp(c.path, "/app") && c.secure && !c.http_only
       && !strcmp(c.domain, "example.org")
       && !strcmp(c.same_site, "strict"), "spaces, case, unknown ones");
    sj_cookie_from_attributes("SameSite=Bogus", &c);
    ok(!c.same_site[0], "an unknown SameSite is left out");
    sj_cookie_from_attributes(NULL, &c);
    ok(!c.path[0] && !c.http_only, "none");
}

static void test_round_trip(void)
{
    st_session_t s = sample();
    sj_cookie_t c;
    sj_session_t out;
    char buf[SJ_ENCODED_MAX];
    size_t n;

    sj_cookie_from_attributes("Path=/; HttpOnly; SameSite=Lax", &c);
    n = sj_encode(&s, &passport_user, &c, s.created, 1800000, buf,
                  sizeof(buf));
    ok(n > 0 && n == strlen(buf), "encoded");
    is_str(buf, "{\"cookie\":{\"originalMaxAge\":1800000,\"expires\":"
           "\"2025-06-01T12:30:00.123Z\",\"httpOnly\":true,\"path\":\"/\","
           "\"sameSite\":\"lax\"},\"passport\":{\"user\":\"alice\"},"
           "\"httpd\":{\"v\":1,\"realm\":\"00112233445566778899aabbccddeeff\","
           "\"created\":1748779200123,\"idle\":1800,\"maxAge\":86400,"
           "\"remote\":\"192.0.2.1\"}}", "connect-redis's shape, exactly");
    is_int(sj_decode(buf, n, &passport_user, &out, NULL), SJ_OK, "decoded");
    is_str(out.user, "alice", "user back");
    ok(out.own && !memcmp(out.realm, s.realm, ST_REALM_LEN), "realm back");
    is_int(out.created, 1748779200123000LL, "created back (ms)");
    is_int(out.idle_timeout, 1800, "idle back");
    is_int(out.max_age, 86400, "max age back");
    is_str(out.remote, "192.0.2.1", "remote back");
    is_int(out.original_max_age, 1800000, "originalMaxAge back");

    n = sj_encode(&s, &passport_user, &c, s.created, 0, buf, sizeof(buf));
    ok(n && strstr(buf, "\"originalMaxAge\":null,\"expires\":null"),
       "no lifetime: nulls, as express-session writes them");
    ok(sj_encode(&s, &passport_user, &c, s.created, 1, buf, 40) == 0,
       "too small a buffer");
    strcpy(s.user, "caf\xc3");
    ok(sj_encode(&s, &passport_user, &c, s.created, 1, buf, sizeof(buf))
       == 0, "a user that is not UTF-8 is not written");
    s.user[0] = '\0';
    ok(sj_encode(&s, &passport_user, &c, s.created, 1, buf, sizeof(buf))
       == 0, "nor an empty one");
}

static void test_nested_path(void)
{
    st_session_t s = sample();
    sj_user_path_t p;
    sj_cookie_t c;
    sj_session_t out;
    char buf[SJ_ENCODED_MAX];

    sj_user_path_parse("passport.user.username", &p);
    memset(&c, 0, sizeof(c));
    ok(sj_encode(&s, &p, &c, s.created, 1000, buf, sizeof(buf)) > 0
       && strstr(buf, "\"passport\":{\"user\":{\"username\":\"alice\"}}"),
       "passport.user.username nests objects");
    ok(sj_decode(buf, strlen(buf), &p, &out, NULL) == SJ_OK
       && !strcmp(out.user, "alice"), "and reads back");
    is_int(sj_decode(buf, strlen(buf), &passport_user, &out, NULL),
           SJ_BAD_USER, "read at passport.user it is an object");
}

/* What express and passport write, and what a hostile writer could. */
static void test_foreign_values(void)
{
    static const struct {
        const char *json;
        sj_status_t want;
        const char *user;
    } cases[] = {
        { "{\"cookie\":{\"originalMaxAge\":null,\"expires\":null,"
          "\"httpOnly\":true,\"path\":\"/\"},\"passport\":{\"user\":\"bob\"}}",
          SJ_OK, "bob" },
        { "{\"passport\":{\"user\":0}}", SJ_OK, "0" },
        { "{\"passport\":{\"user\":42}}", SJ_OK, "42" },
        { "{\"passport\":{\"user\":-7}}", SJ_OK, "-7" },
        { "{\"passport\":{\"user\":\"jos\xc3\xa9\"}}", SJ_OK, "jos\xc3\xa9" },
        { "{\"passport\":{\"user\":\"\"}}", SJ_NO_USER, NULL },
        { "{\"passport\":{\"user\":false}}", SJ_NO_USER, NULL },
        { "{\"passport\":{\"user\":null}}", SJ_NO_USER, NULL },
        { "{\"passport\":{}}", SJ_NO_USER, NULL },
        { "{\"passport\":\"alice\"}", SJ_NO_USER, NULL },
        { "{\"passport\":[\"alice\"]}", SJ_NO_USER, NULL },
        { "{\"cookie\":{}}", SJ_NO_USER, NULL },
        { "{}", SJ_NO_USER, NULL },
        { "{\"passport\":{\"user\":true}}", SJ_BAD_USER, NULL },
        { "{\"passport\":{\"user\":1.5}}", SJ_BAD_USER, NULL },
        { "{\"passport\":{\"user\":{\"id\":1}}}", SJ_BAD_USER, NULL },
        { "{\"passport\":{\"user\":[1]}}", SJ_BAD_USER, NULL },
        { "{\"passport\":{\"user\":\"a\\nb\"}}", SJ_BAD_USER, NULL },
        { "{\"passport\":{\"user\":\"a\\u007fb\"}}", SJ_BAD_USER, NULL },
        { "{\"passport\":{\"user\":\"a\\u0000b\"}}", SJ_BAD_JSON, NULL },
        { "{\"passport\":{\"user\":\"a\"},\"passport\":{\"user\":\"b\"}}",
          SJ_BAD_JSON, NULL },
        { "{\"passport\":{\"user\":99999999999999999999999}}", SJ_BAD_JSON,
          NULL },
        { "[\"alice\"]", SJ_BAD_JSON, NULL },
        { "\"alice\"", SJ_BAD_JSON, NULL },
        { "", SJ_BAD_JSON, NULL },
        { "{\"passport\":{\"user\":\"alice\"}", SJ_BAD_JSON, NULL },
        { "{\"passport\":{\"user\":\"alice\"}} trailing", SJ_BAD_JSON, NULL },
        { "{\"passport\":{\"user\":\"\xff\"}}", SJ_BAD_JSON, NULL },
        /* A forged or damaged "httpd" never passes for a foreign one. */
        { "{\"passport\":{\"user\":\"a\"},\"httpd\":{}}", SJ_BAD_JSON, NULL },
        { "{\"passport\":{\"user\":\"a\"},\"httpd\":{\"v\":2,\"realm\":"
          "\"00112233445566778899aabbccddeeff\",\"created\":1,\"idle\":1,"
          "\"maxAge\":1}}", SJ_BAD_JSON, NULL },
        { "{\"passport\":{\"user\":\"a\"},\"httpd\":{\"v\":1,\"realm\":"
          "\"0011223344556677889900aabbccddeeff\",\"created\":1,\"idle\":1,"
          "\"maxAge\":1}}", SJ_BAD_JSON, NULL },
        { "{\"passport\":{\"user\":\"a\"},\"httpd\":{\"v\":1,\"realm\":"
          "\"0011223344556677889g0aabbccddeef\",\"created\":1,\"idle\":1,"
          "\"maxAge\":1}}", SJ_BAD_JSON, NULL },
        { "{\"passport\":{\"user\":\"a\"},\"httpd\":{\"v\":1,\"realm\":"
          "\"00112233445566778899aabbccddeeff\",\"created\":-1,\"idle\":1,"
          "\"maxAge\":1}}", SJ_BAD_JSON, NULL },
        { "{\"passport\":{\"user\":\"a\"},\"httpd\":\"x\"}", SJ_BAD_JSON,
          NULL },
    };
    char longname[200];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sj_session_t out;
        sj_status_t st = decode(cases[i].json, &out);
        if (!ok(st == cases[i].want && (!cases[i].user
                                        || !strcmp(out.user, cases[i].user)),
                "%s -> %s", cases[i].json, sj_status_reason(cases[i].want))) {
            printf("#   got %s, user '%s'\n", sj_status_reason(st), out.user);
        }
        ok(!out.own || st != SJ_BAD_JSON, "  and not taken for ours");
    }
    snprintf(longname, sizeof(longname), "{\"passport\":{\"user\":\"%0*d\"}}",
             ST_USER_MAX - 1, 0);
    {
        sj_session_t out;
        is_int(decode(longname, &out), SJ_OK, "a name of 95 bytes fits");
    }
    snprintf(longname, sizeof(longname), "{\"passport\":{\"user\":\"%0*d\"}}",
             ST_USER_MAX, 0);
    {
        sj_session_t out;
        is_int(decode(longname, &out), SJ_BAD_USER, "96 bytes do not");
    }
}

static void test_sizes(void)
{
    size_t n = SJ_VALUE_MAX + 1, i;
    char *big = malloc(n + 1);
    sj_session_t out;
    const char *why = NULL;
    char nested[4096];

    memset(big, ' ', n);
    memcpy(big, "{\"passport\":{\"user\":\"a\"}}", 25);
    big[n] = '\0';
    is_int(sj_decode(big, SJ_VALUE_MAX, &passport_user, &out, NULL), SJ_OK,
           "64 KiB exactly is read");
    is_int(sj_decode(big, n, &passport_user, &out, &why), SJ_TOO_LARGE,
           "one byte more is refused unread");
    ok(why != NULL, "with a reason");
    free(big);
    for (i = 0; i < 2000; i++) {
        nested[i] = '[';
    }
    nested[i] = '\0';
    is_int(decode(nested, &out), SJ_BAD_JSON, "2000 nested arrays");
}

static void test_ttl(void)
{
    sj_session_t s;
    int64_t created = 1000000000000000LL;

    memset(&s, 0, sizeof(s));
    s.own = 1;
    s.created = created;
    s.idle_timeout = 1800;
    s.max_age = 86400;
    is_int(sj_ttl_ms(&s, 60, created), 1800000, "own: the idle timeout");
    is_int(sj_ttl_ms(&s, 60, created + 86000000000LL), 400000,
           "own: capped by what is left of max age");
    ok(sj_ttl_ms(&s, 60, created + 86400000000LL) < 0, "own: past max age");
    s.idle_timeout = 0;
    is_int(sj_ttl_ms(&s, 60, created + 1000000), 86399000,
           "own, no idle limit: the rest of max age");
    s.max_age = 0;
    is_int(sj_ttl_ms(&s, 60, created), 0, "own, no limit at all: none");
    s.own = 0;
    s.original_max_age = -1;
    is_int(sj_ttl_ms(&s, 60, created), 60000,
           "foreign without originalMaxAge: the server's idle timeout");
    s.original_max_age = 3600000;
    is_int(sj_ttl_ms(&s, 60, created), 3600000,
           "foreign: its cookie's originalMaxAge, as express touches it");
}

int main(void)
{
    sj_user_path_parse("passport.user", &passport_user);
    test_paths();
    test_cookie_attributes();
    test_round_trip();
    test_nested_path();
    test_foreign_values();
    test_sizes();
    test_ttl();
    return done_testing();
}
