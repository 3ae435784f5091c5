/*
 * fuzz_session_json.c: core/session_json.c on whatever Redis could hold.
 *
 * Input: byte 0 picks the user path (passport.user or
 * passport.user.username), the rest is the stored value.  Checked: the
 * answer is one of the documented ones; a user read is a usable name
 * (1..ST_USER_MAX-1 bytes, no control character); only SJ_TOO_LARGE for
 * values over SJ_VALUE_MAX; and a session httpd writes for the user (and
 * the realm, times and address) read reads back as the same.
 */
#include "session_json.h"
#include "fuzz_check.h"

static void check_round_trip(const sj_session_t *got,
                             const sj_user_path_t *path)
{
    st_session_t s;
    sj_session_t back;
    sj_cookie_t c;
    char buf[SJ_ENCODED_MAX];
    size_t n;

    memset(&s, 0, sizeof(s));
    memcpy(s.user, got->user, sizeof(s.user));
    memcpy(s.remote, got->remote, sizeof(s.remote));
    memcpy(s.realm, got->realm, sizeof(s.realm));
    s.created = got->created;
    s.idle_timeout = got->idle_timeout;
    s.max_age = got->max_age;
    sj_cookie_from_attributes("Path=/; HttpOnly; SameSite=Lax", &c);
    n = sj_encode(&s, path, &c, 1748779200000000LL, 1800000, buf,
                  sizeof(buf));
    FUZZ_ASSERT(n > 0, "a user read (%s) could not be written", got->user);
    FUZZ_ASSERT(sj_decode(buf, n, path, &back, NULL) == SJ_OK,
                "what httpd wrote does not read back: %s", buf);
    FUZZ_ASSERT(!strcmp(back.user, got->user) && back.own
                && !memcmp(back.realm, got->realm, ST_REALM_LEN)
                && back.created == got->created / 1000 * 1000
                && back.idle_timeout == got->idle_timeout
                && back.max_age == got->max_age
                && !strcmp(back.remote, got->remote),
                "round trip changed the session: %s", buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sj_user_path_t paths[2];
    static int ready;
    const sj_user_path_t *path;
    sj_session_t out;
    const char *why = NULL;
    sj_status_t st;
    size_t i, len;

    if (!ready) {
        sj_user_path_parse("passport.user", &paths[0]);
        sj_user_path_parse("passport.user.username", &paths[1]);
        ready = 1;
    }
    if (size < 1) {
        return 0;
    }
    path = &paths[data[0] & 1];
    st = sj_decode((const char *)data + 1, size - 1, path, &out, &why);
    FUZZ_ASSERT(st == SJ_OK || st == SJ_NO_USER || st == SJ_BAD_USER
                || st == SJ_BAD_JSON || st == SJ_TOO_LARGE, "status %d", st);
    FUZZ_ASSERT((st == SJ_TOO_LARGE) == (size - 1 > SJ_VALUE_MAX),
                "SJ_TOO_LARGE for %zu bytes", size - 1);
    FUZZ_ASSERT(st == SJ_OK || why != NULL, "no reason for %s",
                sj_status_reason(st));
    if (st != SJ_OK) {
        return 0;
    }
    len = strlen(out.user);
    FUZZ_ASSERT(len > 0 && len < ST_USER_MAX, "user of %zu bytes", len);
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)out.user[i];
        FUZZ_ASSERT(c >= 0x20 && c != 0x7f, "control byte in the user");
    }
    FUZZ_ASSERT(out.original_max_age == -1 || out.original_max_age > 0,
                "originalMaxAge %lld", (long long)out.original_max_age);
    check_round_trip(&out, path);
    return 0;
}
