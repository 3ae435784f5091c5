/*
 * syntax.h: the small syntax checks both modules share: HTTP tokens,
 * local redirect paths, header names as backends compare them, hex digits
 * and session ids.
 *
 * Plain C, no httpd: the directive setters of both modules and the login
 * handler call these, and the fuzzers exercise them as they ship.
 */
#ifndef SYNTAX_H
#define SYNTAX_H

#include <stddef.h>

/* Longest redirect target accepted (a login's "redirect" field, or a
 * directive's path). */
#define SX_LOCAL_PATH_MAX 2048

/* 1 if s is a non-empty HTTP token (RFC 9110 tchar): a valid cookie or
 * header name. */
int sx_is_token(const char *s);

/* 1 if p is a path on this site that no browser can read as another
 * host: it starts with a single '/' (not "//host" nor "/\host"), is at
 * most SX_LOCAL_PATH_MAX bytes, and holds no backslash, space or control
 * character. */
int sx_is_local_path(const char *p);

/* 1 if p is a local path (sx_is_local_path) none of whose path segments
 * is a dot segment: ".", "..", or either with its dots percent-encoded
 * (%2e), which browsers resolve too.  "/.//evil.example" resolves to
 * "//evil.example": harmless as a Location, an open redirect as soon as
 * any page echoes its own path into a link.  The query and fragment are
 * not looked at. */
int sx_is_plain_local_path(const char *p);

/* What a cookie's name prefix requires of its attributes (RFC 6265bis,
 * "cookie prefixes"), browsers refusing the cookie otherwise: a name
 * starting "__Secure-" needs Secure; "__Host-" needs Secure, Path=/ and
 * no Domain (so no sibling subdomain can plant or overwrite it: cookie
 * tossing).  The prefixes are matched without case, as browsers do.
 * attrs is a Set-Cookie attribute list ("Path=/; Secure; ...").  NULL
 * when they fit (or the name has no prefix), else what is missing. */
const char *sx_cookie_prefix_error(const char *name, const char *attrs);

/* 1 if two header names are the same once case is folded and every byte
 * that is not a letter or a digit is taken for any other such byte, one
 * for one ("X.Socketio.User", "x_socketio-user", "X-SOCKETIO-USER"), as
 * CGI and many backends (WSGI, Rack, PHP) see them: mod_auth_openidc #222
 * was spoofing through exactly that. */
int sx_same_header_name(const char *a, const char *b);

/* One byte of a header name as sx_same_header_name compares it: letters
 * in lower case, digits as they are, any other byte '_'.  Inline, for
 * callers that sort names by their first byte before comparing them. */
static inline unsigned char sx_header_fold(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return (unsigned char)(c - 'A' + 'a');
    }
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        return c;
    }
    return '_';
}

/* The value of a hex digit, or -1. */
int sx_hex_value(unsigned char c);

/* 1 if s[0..len) is exactly len base64url characters (A-Z a-z 0-9 - _);
 * branch-free, since every handshake checks an id, so all len bytes are
 * read: s must hold them. */
int sx_is_base64url(const char *s, size_t len);

#endif
