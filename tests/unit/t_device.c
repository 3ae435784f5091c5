/*
 * t_device.c: the login throttle's device cookie (core/device_cookie.c).
 */
#include "../../core/device_cookie.h"
#include "tap.h"

#include <string.h>

int main(void)
{
    sc_key_t key, old, other;
    char v[DC_VALUE_MAX + 1], id[DC_ID_LEN + 1], id2[DC_ID_LEN + 1];
    char bad[DC_VALUE_MAX + 2];
    size_t n;
    sc_key_t both[2];

    sc_key_init(&key, "device secret", 13);
    sc_key_init(&old, "older secret", 12);
    sc_key_init(&other, "another site", 12);
    n = dc_make(&key, "alice", 2000000000, v, sizeof(v));
    ok(n > 0 && n == strlen(v) && n <= DC_VALUE_MAX, "made (%s)", v);
    ok(strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                 "0123456789-_.") == n, "only base64url, digits and dots");
    ok(dc_check(&key, 1, v, n, "alice", 1900000000, id), "valid for alice");
    ok(strncmp(id, v, DC_ID_LEN) == 0 && strlen(id) == DC_ID_LEN,
       "its device id is its first part");
    ok(!dc_check(&key, 1, v, n, "bob", 1900000000, id2), "not for bob");
    ok(!dc_check(&key, 1, v, n, "Alice", 1900000000, id2),
       "names compared exactly (fold them before, if the providers do)");
    ok(!dc_check(&key, 1, v, n, "alice", 2000000000, id2), "not once expired");
    ok(!dc_check(&other, 1, v, n, "alice", 1900000000, id2),
       "not with another secret");
    both[0] = other;
    both[1] = key;
    ok(dc_check(both, 2, v, n, "alice", 1900000000, id2),
       "with the old secret second (rotation)");
    {
        char v2[DC_VALUE_MAX + 1];
        dc_make(&key, "alice", 2000000000, v2, sizeof(v2));
        ok(strncmp(v, v2, DC_ID_LEN) != 0, "two cookies, two device ids");
    }
    /* Tampering. */
    memcpy(bad, v, n + 1);
    bad[DC_ID_LEN + 3] = bad[DC_ID_LEN + 3] == '9' ? '8' : '9';
    ok(!dc_check(&key, 1, bad, n, "alice", 1900000000, id2),
       "a changed expiry is refused");
    memcpy(bad, v, n + 1);
    bad[0] = bad[0] == 'A' ? 'B' : 'A';
    ok(!dc_check(&key, 1, bad, n, "alice", 1900000000, id2),
       "a changed device id is refused");
    ok(!dc_check(&key, 1, v, n - 1, "alice", 1900000000, id2), "cut short");
    ok(!dc_check(&key, 1, "", 0, "alice", 0, id2), "empty");
    ok(!dc_check(&key, 1, "a.b.c", 5, "alice", 0, id2), "malformed");
    {
        char forged[DC_VALUE_MAX + 1];
        snprintf(forged, sizeof(forged), "%.*s.0999999999.%s", DC_ID_LEN, v,
                 v + n - 43);
        ok(!dc_check(&key, 1, forged, strlen(forged), "alice", 1, id2),
           "a leading zero in the expiry is refused");
    }
    sc_key_wipe(&key);
    sc_key_wipe(&old);
    sc_key_wipe(&other);
    return done_testing();
}
