/*
 * device_cookie.h: the login throttle's device cookie (OWASP's "device
 * cookie" pattern against lockout as a weapon).
 *
 * A browser that signed in as a user carries a long-lived cookie that
 * proves it: a random device id, an expiry, and an HMAC over both and the
 * user name, with the session cookie's secret.  At the next login as that
 * user, a valid device cookie is counted against its own failure counter
 * (keyed by its device id) instead of the user name's, so that a flood
 * of wrong passwords from elsewhere, which locks the user name, does not
 * lock out the browsers the user really signs in from.  The cookie does
 * not carry the user name: it is checked against the name the form
 * gives.
 *
 * Value: <id>.<expires>.<mac>: id 22 base64url characters (16 CSPRNG
 * bytes), expires in decimal seconds since the epoch, mac 43 base64url
 * characters of HMAC-SHA256(secret, "sio-device" NUL id NUL expires NUL
 * user).  Only base64url, digits and '.': no escaping on the wire.
 */
#ifndef DEVICE_COOKIE_H
#define DEVICE_COOKIE_H

#include <stddef.h>
#include <stdint.h>
#include "session_cookie.h"

#define DC_ID_LEN    22
#define DC_VALUE_MAX (DC_ID_LEN + 1 + 20 + 1 + 43)
#define DC_USER_MAX  256  /* the user name counts up to this many bytes */

/* A new device cookie value for user, valid until expires (seconds), into
 * out (DC_VALUE_MAX + 1 bytes).  Returns its length, or 0 when the random
 * number generator fails. */
size_t dc_make(const sc_key_t *key, const char *user, int64_t expires,
               char *out, size_t outsz);

/* 1 when val[0..len) is a device cookie that one of keys made for user and
 * that has not expired at now (seconds): its device id is copied to id. */
int dc_check(const sc_key_t *keys, int nkeys, const char *val, size_t len,
             const char *user, int64_t now, char id[DC_ID_LEN + 1]);

#endif
