/*
 * session_store/throttle.c: the failed-login throttle around the login
 * handler, on the counters of core/login_throttle.c kept in shared memory
 * across restarts like the sessions.
 *
 * Two tables, sized from SessionStoreCapacity: one for user names (and
 * device cookies), one for client addresses, so that a flood of either
 * kind cannot take the other's entries.  An address is also counted in
 * its block (its /48, or /24 for IPv4) with 16 times its limit, so that a
 * flood from one block throttles the block before it fills the table; a
 * key that still finds no entry (its probe run full of throttled keys)
 * falls back to its table's slow lane, one counter for every key that
 * found no room.  A flood thus makes the throttle coarser for those it
 * pushed out, never a 503 for everyone.
 *
 * Lockout as a weapon (OWASP's device cookie): a browser that signed in
 * as a user carries a signed device cookie (core/device_cookie.c); its
 * logins as that user are counted against the device, not the user name.
 * Wrong passwords sent from anywhere else lock the user name, not the
 * browsers the user signs in from; a guesser without such a cookie still
 * has only the user name's budget.
 */
#include "internal.h"
#include "shm_segment.h"
#include "device_cookie.h"

#include "http_protocol.h"
#include "apr_strings.h"
#include "apr_general.h"
#include "apr_lib.h"

#include <arpa/inet.h>

APLOG_USE_MODULE(session_store);

#define THROTTLE_SHM_KEY "mod_session_store:throttle"
/* Keys start with "u:" (a user name), "d:" (a device cookie's id) or "a:"
 * (an address): what follows is what a log line names. */
#define KEY_PREFIX_LEN 2
/* A block (/48, /24) takes this many times an address's limit, the slow
 * lane this many times a key's. */
#define BLOCK_FACTOR 16
#define LANE_FACTOR 10
#define DEVICE_LIFETIME (365 * 86400)

static apr_uint32_t entries_for(apr_uint32_t capacity)
{
    apr_uint32_t n = capacity / 2;
    return n < SS_THROTTLE_ENTRIES ? SS_THROTTLE_ENTRIES
         : n > SS_THROTTLE_ENTRIES_MAX ? SS_THROTTLE_ENTRIES_MAX : n;
}

static int table_init(apr_pool_t *pconf, server_rec *s, const char *name,
                      apr_uint32_t entries, lt_table_t *t)
{
    const char *key = apr_pstrcat(pconf, THROTTLE_SHM_KEY, ":", name, NULL);
    apr_size_t size = lt_table_size(entries);
    apr_shm_t *shm = shm_segment_find(s, key);
    apr_uint64_t seed;
    apr_status_t rv;

    if (shm && lt_table_attach(t, apr_shm_baseaddr_get(shm),
                               apr_shm_size_get(shm)) == 0
        && apr_shm_size_get(shm) == size) {
        return 1;
    }
    if ((rv = shm_segment_create(s, key, size, &shm)) != APR_SUCCESS
        || (rv = apr_generate_random_bytes((unsigned char *)&seed,
                                           sizeof(seed))) != APR_SUCCESS
        || (rv = lt_table_init(t, apr_shm_baseaddr_get(shm), size,
                               entries, seed)) != 0) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "cannot set up the login "
                     "throttle's table of %s in shared memory", name);
        return 0;
    }
    return 1;
}

lt_table_t *ss_throttle_init(apr_pool_t *pconf, server_rec *s)
{
    lt_table_t *t = apr_pcalloc(pconf, 2 * sizeof(*t));
    apr_uint32_t n = entries_for(ss_server_conf_of(s)->mc->capacity);

    if (!table_init(pconf, s, "users", n, &t[SS_THROTTLE_USERS])
        || !table_init(pconf, s, "addresses", n, &t[SS_THROTTLE_ADDRS])) {
        return NULL;
    }
    return t;
}

/* "a:" and the address with its low bits cleared, for IPv6 to /bits. */
static void address_key(char *out, apr_size_t outsz, const char *ip,
                        int bits6, int bits4)
{
    struct in6_addr a6;
    struct in_addr a4;
    char buf[INET6_ADDRSTRLEN];

    if (strchr(ip, ':') && inet_pton(AF_INET6, ip, &a6) == 1
        && !IN6_IS_ADDR_V4MAPPED(&a6)) {
        memset(a6.s6_addr + bits6 / 8, 0, 16 - bits6 / 8);
        inet_ntop(AF_INET6, &a6, buf, sizeof(buf));
        apr_snprintf(out, outsz, "a:%s/%d", buf, bits6);
    }
    else if (bits4 < 32 && inet_pton(AF_INET, ip, &a4) == 1) {
        a4.s_addr &= htonl(0xffffffffu << (32 - bits4));
        inet_ntop(AF_INET, &a4, buf, sizeof(buf));
        apr_snprintf(out, outsz, "a:%s/%d", buf, bits4);
    }
    else {
        apr_snprintf(out, outsz, "a:%s", ip);
    }
}

/* The device cookie's name: the session cookie's and a suffix, so that a
 * __Host- or __Secure- prefix holds for both, and SocketIOAuthStripCookie
 * strips both. */
static const char *device_cookie_name(request_rec *r)
{
    return apr_pstrcat(r->pool, ss_cookie_name(ss_server_conf_of(r->server)),
                       SC_DEVICE_SUFFIX, NULL);
}

/* The id of the device cookie r carries for user, or NULL. */
static const char *trusted_device(request_rec *r, const char *user)
{
    ss_server_conf *conf = ss_server_conf_of(r->server);
    const char *val;
    apr_size_t len;
    char *id = apr_palloc(r->pool, DC_ID_LEN + 1);

    if (!conf->keys || !conf->keys->nelts
        || !sc_cookie_find(apr_table_get(r->headers_in, "Cookie"),
                           device_cookie_name(r), &val, &len)
        || !dc_check((const sc_key_t *)conf->keys->elts, conf->keys->nelts,
                     val, len, user, apr_time_sec(apr_time_now()), id)) {
        return NULL;
    }
    return id;
}

void ss_device_cookie_issue(request_rec *r, const ss_throttle_t *keys,
                            const char *user)
{
    ss_server_conf *conf = ss_server_conf_of(r->server);
    char value[DC_VALUE_MAX + 1];

    /* Only where failures per user name are counted: elsewhere it would
     * have nothing to spare. */
    if (!keys->max_user || !ss_device_cookie(ss_dir_conf_of(r))
        || !conf->keys || !conf->keys->nelts
        || !dc_make((const sc_key_t *)conf->keys->elts, user,
                    apr_time_sec(apr_time_now()) + DEVICE_LIFETIME, value,
                    sizeof(value))) {
        return;
    }
    apr_table_addn(r->err_headers_out, "Set-Cookie",
                   ss_cookie_header(r, conf, device_cookie_name(r),
                                    apr_pstrdup(r->pool, value),
                                    apr_psprintf(r->pool, "; Max-Age=%d",
                                                 DEVICE_LIFETIME)));
}

/* The keys are the user name (case folded: "Carol" and "carol" are one
 * account to case-insensitive providers and one budget here), or the
 * device cookie's id; and the client address (for IPv6 its /64, since
 * one client usually holds a whole /64), with its coarser fallback. */
void ss_throttle_prepare(request_rec *r, const ss_dir_conf *dconf,
                         const char *user, ss_throttle_t *keys)
{
    const char *ip = r->useragent_ip ? r->useragent_ip : "";
    const char *device = ss_device_cookie(dconf) ? trusted_device(r, user)
                                                 : NULL;
    char *folded;

    memset(keys, 0, sizeof(*keys));
    if (dconf->throttle_user == SS_UNSET) {
        keys->max_user = SS_DEFAULT_THROTTLE_USER;
        keys->max_addr = SS_DEFAULT_THROTTLE_ADDR;
        keys->window = SS_DEFAULT_THROTTLE_WINDOW;
    }
    else {
        keys->max_user = (apr_uint32_t)dconf->throttle_user;
        keys->max_addr = (apr_uint32_t)dconf->throttle_addr;
        keys->window = (apr_uint32_t)dconf->throttle_window;
    }
    keys->device = device != NULL;
    if (device) {
        apr_snprintf(keys->user, sizeof(keys->user), "d:%s", device);
    }
    else {
        folded = apr_pstrdup(r->pool, user);
        ap_str_tolower(folded);
        apr_snprintf(keys->user, sizeof(keys->user), "u:%s", folded);
    }
    keys->user_name = apr_pstrdup(r->pool, user);
    address_key(keys->addr, sizeof(keys->addr), ip, 64, 32);
    address_key(keys->addr_coarse, sizeof(keys->addr_coarse), ip, 48, 24);
}

static const char *who_of(request_rec *r, const ss_throttle_t *keys,
                          int user, int addr)
{
    const char *u = !keys->refused_user ? ""
        : !strcmp(keys->refused_user, LT_LANE)
        ? "the slow lane of user names (their table is full)"
        : keys->device
        ? apr_pstrcat(r->pool, "device ", keys->user + KEY_PREFIX_LEN,
                      " of user ", SS_LOG_STR(r, keys->user_name), NULL)
        : apr_pstrcat(r->pool, "user ",
                      SS_LOG_STR(r, keys->user + KEY_PREFIX_LEN), NULL);
    const char *counted = keys->refused_addr;
    const char *a = !counted ? ""
        : !strcmp(counted, LT_LANE)
        ? "the slow lane of addresses (their table is full)"
        : apr_pstrcat(r->pool, "address ", SS_LOG_STR(r,
                      counted + KEY_PREFIX_LEN), NULL);

    return user && addr ? apr_pstrcat(r->pool, u, " and ", a, NULL)
         : user ? u : a;
}

static void log_throttled(request_rec *r, const ss_throttle_t *keys,
                          int user, int addr, apr_int64_t retry)
{
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "too many failed logins "
                  "for %s (SessionStoreLoginThrottle %u %u %u); refusing "
                  "their logins for %" APR_INT64_T_FMT " s without checking "
                  "passwords", who_of(r, keys, user, addr), keys->max_user,
                  keys->max_addr, keys->window, retry);
}

static int throttle_unavailable(request_rec *r, int *rv)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "the login throttle's lock "
                  "failed; refusing the login");
    *rv = ss_send_message(r, HTTP_SERVICE_UNAVAILABLE,
                          "Login temporarily unavailable");
    return 1;
}

/* Count the attempt under key (else the table's slow lane); *counted
 * names where, or NULL when the count did not go up. */
static int attempt(lt_table_t *t, const char *key, apr_uint32_t max,
                   apr_uint32_t window, apr_time_t now, lt_verdict_t *v,
                   const char **counted, const char **refused)
{
    int used;

    if (lt_attempt_first(t, &key, 1, max, max * LANE_FACTOR, window, now, v,
                         &used) != 0) {
        return -1;
    }
    *counted = max && !v->throttled ? (used == 0 ? key : LT_LANE) : NULL;
    if (v->throttled) {
        *refused = used == 0 ? key : LT_LANE;
    }
    return 0;
}

static void release_address(lt_table_t *t, const ss_throttle_t *keys)
{
    int i;

    for (i = 0; i < 2; i++) {
        if (keys->counted_addr[i]) {
            lt_release(t, keys->counted_addr[i]);
        }
    }
}

/* Count this login attempt against the user name (or device) and the
 * address, in one locked step each, so that parallel attempts cannot all
 * slip through before one is counted.  Refused (429) while either is over
 * its limit, 503 only when a lock fails. */
int ss_throttle_refused(request_rec *r, ss_throttle_t *keys, int *rv)
{
    ss_module_conf *mc = ss_server_conf_of(r->server)->mc;
    lt_table_t *t = mc->throttle;
    apr_time_t now = apr_time_now();
    lt_verdict_t vu, va;
    apr_int64_t retry;

    if (!t || (!keys->max_user && !keys->max_addr)) {
        return 0;
    }
    memset(&va, 0, sizeof(va));
    if (attempt(&t[SS_THROTTLE_USERS], keys->user, keys->max_user,
                keys->window, now, &vu, &keys->counted_user,
                &keys->refused_user) != 0) {
        return throttle_unavailable(r, rv);
    }
    if (!vu.throttled) {
        int failed = lt_attempt_address(&t[SS_THROTTLE_ADDRS], keys->addr,
                                        keys->addr_coarse, keys->max_addr,
                                        keys->max_addr * BLOCK_FACTOR,
                                        keys->max_addr * LANE_FACTOR,
                                        keys->window, now, &va,
                                        keys->counted_addr,
                                        &keys->refused_addr) != 0;
        if (!failed && !va.throttled) {
            return 0;
        }
        /* Refused for the address, or not counted: the attempt did not
         * happen. */
        if (keys->counted_user) {
            lt_release(&t[SS_THROTTLE_USERS], keys->counted_user);
        }
        release_address(&t[SS_THROTTLE_ADDRS], keys);
        if (failed) {
            return throttle_unavailable(r, rv);
        }
    }
    retry = vu.retry_after > va.retry_after ? vu.retry_after : va.retry_after;
    if ((vu.throttled && vu.first_notice) || (va.throttled && va.first_notice)) {
        log_throttled(r, keys, vu.throttled, va.throttled, retry);
    }
    if (mc->store) {
        mc->store->be->note_login_failure(mc->store);
    }
    ss_metrics_count(MX_LOGIN_THROTTLED, 1);
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_psprintf(r->pool, "%" APR_INT64_T_FMT, retry));
    *rv = ss_send_message(r, HTTP_TOO_MANY_REQUESTS,
                          "Too many failed logins; try again later");
    return 1;
}

/* The attempt counted by ss_throttle_refused was not a failure: a
 * success forgets the failures of the user name (or of the device), an
 * error only gives the attempt back.  A device's success leaves the user
 * name's counter as it is: a guesser elsewhere stays locked out. */
void ss_throttle_give_back(request_rec *r, const ss_throttle_t *keys,
                           int succeeded)
{
    lt_table_t *t = ss_server_conf_of(r->server)->mc->throttle;

    if (!t) {
        return;
    }
    if (keys->counted_user) {
        if (succeeded && strcmp(keys->counted_user, LT_LANE) != 0) {
            lt_reset(&t[SS_THROTTLE_USERS], keys->counted_user);
        }
        else {
            lt_release(&t[SS_THROTTLE_USERS], keys->counted_user);
        }
    }
    release_address(&t[SS_THROTTLE_ADDRS], keys);
}
