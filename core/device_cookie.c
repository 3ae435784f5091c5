/*
 * device_cookie.c: the login throttle's device cookie (device_cookie.h).
 */
#include "device_cookie.h"
#include "syntax.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#define DC_MAC_LEN 43

static void mac_of(const sc_key_t *key, const char *id, const char *expires,
                   size_t expires_len, const char *user,
                   char mac[DC_MAC_LEN + 1])
{
    static const char tag[] = "sio-device";
    unsigned char msg[sizeof(tag) + DC_ID_LEN + 1 + 21 + DC_USER_MAX];
    unsigned char md[SHA256_DIGEST_LENGTH];
    char b64[4 * ((SHA256_DIGEST_LENGTH + 2) / 3) + 1];
    size_t n = 0, ulen = strnlen(user, DC_USER_MAX - 1);

    memcpy(msg, tag, sizeof(tag));              /* with its NUL */
    n += sizeof(tag);
    memcpy(msg + n, id, DC_ID_LEN);
    n += DC_ID_LEN;
    msg[n++] = '\0';
    memcpy(msg + n, expires, expires_len);
    n += expires_len;
    msg[n++] = '\0';
    memcpy(msg + n, user, ulen);
    n += ulen;
    sc_hmac(key, msg, n, md);
    sc_base64_encode(md, sizeof(md), b64, 1);
    memcpy(mac, b64, DC_MAC_LEN);
    mac[DC_MAC_LEN] = '\0';
}

size_t dc_make(const sc_key_t *key, const char *user, int64_t expires,
               char *out, size_t outsz)
{
    unsigned char raw[16];
    char id[4 * ((16 + 2) / 3) + 1], exp[24], mac[DC_MAC_LEN + 1];
    int n;

    if (outsz < DC_VALUE_MAX + 1 || RAND_bytes(raw, sizeof(raw)) != 1) {
        return 0;
    }
    sc_base64_encode(raw, sizeof(raw), id, 1);
    id[DC_ID_LEN] = '\0';
    n = snprintf(exp, sizeof(exp), "%" PRId64, expires);
    mac_of(key, id, exp, (size_t)n, user, mac);
    n = snprintf(out, outsz, "%s.%s.%s", id, exp, mac);
    return n > 0 ? (size_t)n : 0;
}

int dc_check(const sc_key_t *keys, int nkeys, const char *val, size_t len,
             const char *user, int64_t now, char id[DC_ID_LEN + 1])
{
    const char *exp, *mac;
    size_t exp_len, i;
    int64_t expires = 0;
    int k, good = 0;

    /* <id>.<expires>.<mac>, each part exactly as dc_make writes it. */
    if (len < DC_ID_LEN + 3 + DC_MAC_LEN || len > DC_VALUE_MAX
        || val[DC_ID_LEN] != '.' || !sx_is_base64url(val, DC_ID_LEN)) {
        return 0;
    }
    exp = val + DC_ID_LEN + 1;
    mac = val + len - DC_MAC_LEN;
    if (mac[-1] != '.' || !sx_is_base64url(mac, DC_MAC_LEN)) {
        return 0;
    }
    exp_len = (size_t)(mac - 1 - exp);
    if (exp_len == 0 || exp_len > 18 || exp[0] == '0') {
        return 0;
    }
    for (i = 0; i < exp_len; i++) {
        if (exp[i] < '0' || exp[i] > '9') {
            return 0;
        }
        expires = expires * 10 + (exp[i] - '0');
    }
    if (expires <= now) {
        return 0;
    }
    memcpy(id, val, DC_ID_LEN);
    id[DC_ID_LEN] = '\0';
    for (k = 0; k < nkeys; k++) {
        char want[DC_MAC_LEN + 1];
        mac_of(&keys[k], id, exp, exp_len, user, want);
        good |= CRYPTO_memcmp(want, mac, DC_MAC_LEN) == 0;
    }
    return good;
}
