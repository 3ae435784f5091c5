/*
 * t_engineio.c: what mod_socketio_auth reads of Engine.IO (core/engineio.c):
 * the sid a query names, and the sid a handshake's open packet hands out.
 */
#include "../../core/engineio.h"
#include "tap.h"

#include <stdlib.h>

static eio_sid_t sid_of(const char *query, const char **sid, size_t *len)
{
    eio_query_t q;

    eio_query_read(query, &q);
    *sid = q.sid;
    *len = q.sid_len;
    return q.sid_status;
}

#define SID_IS(query, want, name) do { \
    const char *s_; size_t n_; \
    ok(sid_of(query, &s_, &n_) == EIO_SID_ONE && n_ == strlen(want) \
       && memcmp(s_, want, n_) == 0, name); } while (0)

static void test_query(void)
{
    const char *s;
    size_t n;
    eio_query_t q;

    is_int(sid_of(NULL, &s, &n), EIO_SID_NONE, "no query");
    is_int(sid_of("", &s, &n), EIO_SID_NONE, "empty query");
    is_int(sid_of("EIO=4&transport=polling&t=Pabc", &s, &n), EIO_SID_NONE,
           "a handshake");
    SID_IS("EIO=4&transport=polling&t=Pabc&sid=lv_VI97HAXpY6yYWAAAC",
           "lv_VI97HAXpY6yYWAAAC", "a poll");
    SID_IS("sid=abc", "abc", "first");
    SID_IS("EIO=4&sid=abc&transport=websocket", "abc", "in the middle");
    SID_IS("xsid=1&sidx=2&sid=abc&si=3", "abc", "only the key sid counts");
    SID_IS("sid=a.b~c-d_e", "a.b~c-d_e", "unreserved bytes");

    /* What no two servers would read the same way. */
    is_int(sid_of("sid=mine&sid=victim", &s, &n), EIO_SID_AMBIGUOUS,
           "repeated: Node takes the last, Python the first");
    is_int(sid_of("sid=&sid=victim", &s, &n), EIO_SID_AMBIGUOUS,
           "an empty one first: Python drops it, Node takes the last");
    is_int(sid_of("sid=mine;sid=victim", &s, &n), EIO_SID_AMBIGUOUS,
           "repeated after ';' (older Pythons split there)");
    is_int(sid_of("a=1;sid=victim&sid=mine", &s, &n), EIO_SID_AMBIGUOUS,
           "one behind ';', one behind '&'");
    is_int(sid_of("sid=mine;x=1", &s, &n), EIO_SID_AMBIGUOUS,
           "ends at ';': Node reads \"mine;x=1\"");
    is_int(sid_of("%73id=victim", &s, &n), EIO_SID_AMBIGUOUS,
           "the key percent-encoded (every server decodes keys)");
    is_int(sid_of("si%64=victim&sid=mine", &s, &n), EIO_SID_AMBIGUOUS,
           "an encoded key beside a plain one");
    is_int(sid_of("sid=vic%74im", &s, &n), EIO_SID_AMBIGUOUS,
           "an escape in the value");
    is_int(sid_of("sid=a+b", &s, &n), EIO_SID_AMBIGUOUS,
           "'+' in the value (a space once decoded)");
    is_int(sid_of("sid", &s, &n), EIO_SID_NONE,
           "a key alone is an empty sid: no server reads one");
    is_int(sid_of("sid=", &s, &n), EIO_SID_NONE, "empty value");
    is_int(sid_of("sid+=x", &s, &n), EIO_SID_NONE, "\"sid \" is not sid");
    is_int(sid_of("%73%69%64%00=x", &s, &n), EIO_SID_NONE,
           "nor \"sid\\0\"");
    is_int(sid_of("%zzsid=x", &s, &n), EIO_SID_NONE, "a bad escape stays");
    is_int(sid_of("SID=x", &s, &n), EIO_SID_NONE, "keys are case-sensitive");

    eio_query_read("EIO=4&transport=polling", &q);
    ok(q.polling, "transport=polling seen");
    eio_query_read("EIO=4&transport=websocket", &q);
    ok(!q.polling, "transport=websocket is not polling");
    eio_query_read("transport=pollingx", &q);
    ok(!q.polling, "nor transport=pollingx");
}

static eio_open_t open_of(const char *body, int complete, const char **sid,
                          size_t *len)
{
    *sid = NULL;
    *len = 0;
    return eio_open_sid(body, strlen(body), complete, sid, len);
}

#define V4_OPEN "0{\"sid\":\"lv_VI97HAXpY6yYWAAAC\",\"upgrades\":[\"websocket\"]," \
                "\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}"

static void test_open(void)
{
    const char *s;
    size_t n, i;
    eio_open_t st;
    const char *v4 = V4_OPEN;

    ok(open_of(v4, 1, &s, &n) == EIO_OPEN_SID && n == 20
       && memcmp(s, "lv_VI97HAXpY6yYWAAAC", 20) == 0,
       "Engine.IO 4 open packet");
    ok(open_of("96:0{\"sid\":\"abc\",\"upgrades\":[\"websocket\"],"
               "\"pingInterval\":25000,\"pingTimeout\":5000}2:40", 1, &s, &n)
       == EIO_OPEN_SID && n == 3 && memcmp(s, "abc", 3) == 0,
       "Engine.IO 3 text payload, a CONNECT packet after it");
    ok(open_of("0{\"upgrades\":[],\"sid\":\"xyz\"}", 1, &s, &n)
       == EIO_OPEN_SID && n == 3, "sid not first");
    ok(open_of("0{ \"sid\" : \"xyz\" , \"a\" : { \"b\" : [1, true, null, "
               "\"x\\\"y\"] } }", 1, &s, &n) == EIO_OPEN_SID && n == 3,
       "spaces, nesting, escapes in other values");

    /* Every prefix of an open packet asks for more, and with the last
     * byte gives the sid. */
    for (i = 0; i < strlen(v4); i++) {
        st = eio_open_sid(v4, i, 0, &s, &n);
        if (st != EIO_OPEN_MORE) {
            break;
        }
    }
    is_int(i, strlen(v4), "every prefix: more");
    for (i = 1; i < strlen(v4); i++) {
        st = eio_open_sid(v4, i, 1, &s, &n);
        if (st == EIO_OPEN_SID || st == EIO_OPEN_MORE) {
            break;
        }
    }
    is_int(i, strlen(v4), "a prefix that is all there is: never a sid");

    is_int(open_of("{\"message\":\"x\"}", 1, &s, &n), EIO_OPEN_NOT,
           "JSON is not an open packet");
    is_int(open_of("<html>", 1, &s, &n), EIO_OPEN_NOT, "HTML neither");
    is_int(open_of("", 1, &s, &n), EIO_OPEN_NOT, "nothing");
    is_int(open_of("", 0, &s, &n), EIO_OPEN_MORE, "nothing yet");
    is_int(open_of("40", 1, &s, &n), EIO_OPEN_NOT, "a CONNECT packet");
    is_int(open_of("0", 1, &s, &n), EIO_OPEN_NOT, "a lone 0");
    is_int(open_of("2:40", 1, &s, &n), EIO_OPEN_NOT, "v3, not an open");
    is_int(open_of("___eio[0](\"96:0{\\\"sid\\\":\\\"a\\\"}\");", 1, &s, &n),
           EIO_OPEN_NOT, "JSONP is not read");

    is_int(open_of("0{\"sid\":\"a\",\"sid\":\"b\"}", 1, &s, &n),
           EIO_OPEN_UNREADABLE, "two sids (JSON.parse takes the last)");
    is_int(open_of("0{\"s\\u0069d\":\"b\"}", 1, &s, &n),
           EIO_OPEN_UNREADABLE, "an escaped key that may be sid");
    is_int(open_of("0{\"sid\":\"a\\u0062\"}", 1, &s, &n),
           EIO_OPEN_UNREADABLE, "an escaped sid");
    is_int(open_of("0{\"sid\":\"a/b\"}", 1, &s, &n), EIO_OPEN_UNREADABLE,
           "a sid a client would escape");
    is_int(open_of("0{\"sid\":\"\"}", 1, &s, &n), EIO_OPEN_UNREADABLE,
           "an empty sid");
    is_int(open_of("0{\"sid\":42}", 1, &s, &n), EIO_OPEN_UNREADABLE,
           "a sid that is no string");
    is_int(open_of("0{\"upgrades\":[]}", 1, &s, &n), EIO_OPEN_UNREADABLE,
           "no sid");
    is_int(open_of("0{}", 1, &s, &n), EIO_OPEN_UNREADABLE, "empty object");
    is_int(open_of("0{\"sid\" \"x\"}", 1, &s, &n), EIO_OPEN_UNREADABLE,
           "no colon");
    is_int(open_of("0{\"sid\":\"x\"", 1, &s, &n), EIO_OPEN_UNREADABLE,
           "cut before the brace");
    is_int(open_of("0{\"sid\":\"x\"", 0, &s, &n), EIO_OPEN_MORE,
           "or waiting for it");
    {
        char longest[EIO_SID_MAX + 32], *p;
        p = longest + sprintf(longest, "0{\"sid\":\"");
        memset(p, 'a', EIO_SID_MAX);
        strcpy(p + EIO_SID_MAX, "\"}");
        is_int(open_of(longest, 1, &s, &n), EIO_OPEN_SID,
               "a sid of EIO_SID_MAX bytes");
        memset(p, 'a', EIO_SID_MAX + 1);
        strcpy(p + EIO_SID_MAX + 1, "\"}");
        is_int(open_of(longest, 1, &s, &n), EIO_OPEN_UNREADABLE,
               "one more is too long");
    }
    {
        /* Nesting past the reader's depth is refused, not recursed into. */
        char deep[256];
        size_t k;
        strcpy(deep, "0{\"sid\":\"a\",\"x\":");
        for (k = 0; k < 20; k++) strcat(deep, "[");
        is_int(open_of(deep, 1, &s, &n), EIO_OPEN_UNREADABLE, "too deep");
    }
}

int main(void)
{
    test_query();
    test_open();
    return done_testing();
}
