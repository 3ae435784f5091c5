/*
 * t_syntax.c: the syntax checks both modules share (core/syntax.c).
 */
#include "../../core/syntax.h"
#include "tap.h"

#include <stdlib.h>

static void test_token(void)
{
    ok(sx_is_token("express.sid"), "express.sid is a token");
    ok(sx_is_token("X-Socketio-User"), "a header name is a token");
    ok(sx_is_token("!#$%&'*+-.^_`|~09azAZ"), "every tchar");
    ok(!sx_is_token(""), "empty is not");
    ok(!sx_is_token("a b"), "space is not");
    ok(!sx_is_token("a=b"), "'=' is not");
    ok(!sx_is_token("a;b"), "';' is not");
    ok(!sx_is_token("a\"b"), "'\"' is not");
    ok(!sx_is_token("caf\xc3\xa9"), "non-ASCII is not");
}

static void test_plain_local_path(void)
{
    ok(sx_is_plain_local_path("/chat/room?x=/../#/./"), "no dot segment in "
       "the path (query and fragment not looked at)");
    ok(sx_is_plain_local_path("/a.b/..c/.../x."), "dots inside names are fine");
    ok(!sx_is_plain_local_path("/.//evil.example"), "/.//evil.example");
    ok(!sx_is_plain_local_path("/..//evil.example"), "/..//evil.example");
    ok(!sx_is_plain_local_path("/a/../b"), "a .. segment");
    ok(!sx_is_plain_local_path("/a/."), "a trailing . segment");
    ok(!sx_is_plain_local_path("/%2e//evil.example"), "%%2e");
    ok(!sx_is_plain_local_path("/%2E%2e/x"), "%%2E%%2e");
    ok(!sx_is_plain_local_path("/.%2E?x"), ".%%2E before a query");
    ok(!sx_is_plain_local_path("//evil.example"), "not local at all");
}

static void test_cookie_prefix(void)
{
    ok(!sx_cookie_prefix_error("express.sid", ""), "no prefix, no rule");
    ok(!sx_cookie_prefix_error("__Host-sid", "Secure; Path=/; HttpOnly"),
       "__Host- with Secure and Path=/");
    ok(!sx_cookie_prefix_error("__host-sid", "path = / ;secure"),
       "attribute names and spaces as browsers read them");
    ok(sx_cookie_prefix_error("__Host-sid", "Path=/; HttpOnly") != NULL,
       "__Host- without Secure");
    ok(sx_cookie_prefix_error("__HOST-sid", "Path=/") != NULL,
       "the prefix in another case counts too");
    ok(sx_cookie_prefix_error("__Host-sid", "Secure") != NULL,
       "__Host- without Path");
    ok(sx_cookie_prefix_error("__Host-sid", "Secure; Path=/app") != NULL,
       "__Host- with another Path");
    ok(sx_cookie_prefix_error("__Host-sid", "Secure; Path=/; Path=/x") != NULL,
       "the last Path counts");
    ok(sx_cookie_prefix_error("__Host-sid",
                              "Secure; Path=/; Domain=example.com") != NULL,
       "__Host- with a Domain");
    ok(sx_cookie_prefix_error("__Host-sid", "Secure; Path=/; SecureX") == NULL,
       "SecureX is not Secure, but Secure is there");
    ok(sx_cookie_prefix_error("__Host-sid", "Path=/; NotSecure") != NULL,
       "NotSecure is not Secure");
    ok(!sx_cookie_prefix_error("__Secure-sid", "Secure; Domain=example.com"),
       "__Secure- with Secure (a Domain is allowed)");
    ok(sx_cookie_prefix_error("__Secure-sid", "Path=/") != NULL,
       "__Secure- without Secure");
}

static void test_local_path(void)
{
    char *longest = malloc(SX_LOCAL_PATH_MAX + 2);

    ok(sx_is_local_path("/"), "/");
    ok(sx_is_local_path("/chat?room=1#top"), "path, query, fragment");
    ok(!sx_is_local_path(""), "empty");
    ok(!sx_is_local_path("chat"), "relative");
    ok(!sx_is_local_path("//evil.example/"), "network-path reference");
    ok(!sx_is_local_path("/\\evil.example"), "/\\ read as // by browsers");
    ok(!sx_is_local_path("/a\\b"), "any backslash");
    ok(!sx_is_local_path("https://evil.example/"), "absolute URL");
    ok(!sx_is_local_path("/a b"), "space");
    ok(!sx_is_local_path("/a\tb"), "TAB");
    ok(!sx_is_local_path("/a\r\nSet-Cookie: x=1"), "CR LF");
    ok(!sx_is_local_path("/a\x7f"), "DEL");
    memset(longest, 'a', SX_LOCAL_PATH_MAX + 1);
    longest[0] = '/';
    longest[SX_LOCAL_PATH_MAX] = '\0';
    ok(sx_is_local_path(longest), "SX_LOCAL_PATH_MAX bytes");
    longest[SX_LOCAL_PATH_MAX] = 'a';
    longest[SX_LOCAL_PATH_MAX + 1] = '\0';
    ok(!sx_is_local_path(longest), "one more is too long");
    free(longest);
}

static void test_header_name(void)
{
    ok(sx_same_header_name("X-Socketio-User", "x-socketio-user"), "case");
    ok(sx_same_header_name("X_SOCKETIO_USER", "X-Socketio-User"),
       "'_' for '-'");
    ok(!sx_same_header_name("X-Socketio-Use", "X-Socketio-User"), "prefix");
    ok(!sx_same_header_name("X-Socketio-User", "X-Socketio-Use"), "longer");
    ok(!sx_same_header_name("X-Socketio-Userx", "X-Socketio-User"), "suffix");
    /* Every byte that is not a letter or a digit is one, as backends that
     * map punctuation to '_' (WSGI, Rack, PHP) see it (issue #17). */
    ok(sx_same_header_name("X.Socketio.User", "X-Socketio-User"), "'.'");
    ok(sx_same_header_name("x_socketio-USER", "X.SOCKETIO~user"),
       "mixed punctuation and case");
    ok(sx_same_header_name("X!Socketio#User", "X$Socketio%User"),
       "any tchar punctuation");
    ok(sx_same_header_name("X\x80Socketio\xffUser", "X-Socketio-User"),
       "8-bit bytes fold like punctuation");
    ok(!sx_same_header_name("X--Socketio-User", "X-Socketio-User"),
       "one for one: two punctuation bytes are not one");
    ok(!sx_same_header_name("XSocketioUser", "X-Socketio-User"),
       "nor none");
    ok(!sx_same_header_name("X-Socketio-User", "X-Socketio-Usera"),
       "a letter is never punctuation");
    ok(!sx_same_header_name("X-Socketio-User1", "X-Socketio-User_"),
       "nor a digit");
    ok(sx_same_header_name("", ""), "empty names are the same");
    ok(!sx_same_header_name("", "-"), "but not the same as one byte");
}

static void test_hex_and_ids(void)
{
    is_int(sx_hex_value('0'), 0, "0");
    is_int(sx_hex_value('9'), 9, "9");
    is_int(sx_hex_value('a'), 10, "a");
    is_int(sx_hex_value('F'), 15, "F");
    is_int(sx_hex_value('g'), -1, "g");
    is_int(sx_hex_value('\0'), -1, "NUL");
    ok(sx_is_base64url("AZaz09-_", 8), "base64url alphabet");
    ok(!sx_is_base64url("AZaz09+/", 8), "not the standard alphabet");
    ok(!sx_is_base64url("abc\0", 4), "NUL");
    ok(sx_is_base64url("", 0), "empty is all base64url");
}

int main(void)
{
    test_token();
    test_local_path();
    test_plain_local_path();
    test_cookie_prefix();
    test_header_name();
    test_hex_and_ids();
    return done_testing();
}
