/*
 * session_store/throttle.c: the failed-login throttle around the login
 * handler, on the counters of core/login_throttle.c kept in shared memory
 * across restarts like the sessions.
 */
#include "internal.h"
#include "shm_segment.h"

#include "http_protocol.h"
#include "apr_strings.h"
#include "apr_general.h"

#include <arpa/inet.h>

APLOG_USE_MODULE(session_store);

#define THROTTLE_SHM_KEY "mod_session_store:throttle"
/* Keys start with "u:" (a user name) or "a:" (an address): what follows
 * is what a log line names. */
#define KEY_PREFIX_LEN 2

lt_table_t *ss_throttle_init(apr_pool_t *pconf, server_rec *s)
{
    lt_table_t *t = apr_pcalloc(pconf, sizeof(*t));
    apr_size_t size = lt_table_size(SS_THROTTLE_ENTRIES);
    apr_shm_t *shm = shm_segment_find(s, THROTTLE_SHM_KEY);
    apr_uint64_t seed;
    apr_status_t rv;

    if (shm && lt_table_attach(t, apr_shm_baseaddr_get(shm),
                               apr_shm_size_get(shm)) == 0) {
        return t;
    }
    if ((rv = shm_segment_create(s, THROTTLE_SHM_KEY, size, &shm))
        != APR_SUCCESS
        || (rv = apr_generate_random_bytes((unsigned char *)&seed,
                                           sizeof(seed))) != APR_SUCCESS
        || (rv = lt_table_init(t, apr_shm_baseaddr_get(shm), size,
                               SS_THROTTLE_ENTRIES, seed)) != 0) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "cannot set up the login "
                     "throttle in shared memory");
        return NULL;
    }
    return t;
}

/* The keys are the user name, and the client address (for IPv6 its /64,
 * since one client usually holds a whole /64). */
void ss_throttle_prepare(request_rec *r, const ss_dir_conf *dconf,
                         const char *user, ss_throttle_t *keys)
{
    const char *ip = r->useragent_ip ? r->useragent_ip : "";
    struct in6_addr a6;

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

    apr_snprintf(keys->user, sizeof(keys->user), "u:%s", user);
    if (strchr(ip, ':') && inet_pton(AF_INET6, ip, &a6) == 1
        && !IN6_IS_ADDR_V4MAPPED(&a6)) {
        char buf[INET6_ADDRSTRLEN];
        memset(a6.s6_addr + 8, 0, 8);
        inet_ntop(AF_INET6, &a6, buf, sizeof(buf));
        apr_snprintf(keys->addr, sizeof(keys->addr), "a:%s/64", buf);
    }
    else {
        apr_snprintf(keys->addr, sizeof(keys->addr), "a:%s", ip);
    }
}

static void log_throttled(request_rec *r, const ss_throttle_t *keys,
                          int user, int addr,
                          apr_int64_t retry)
{
    const char *u = SS_LOG_STR(r, keys->user + KEY_PREFIX_LEN);
    const char *a = SS_LOG_STR(r, keys->addr + KEY_PREFIX_LEN);
    const char *who = user && addr
        ? apr_pstrcat(r->pool, "user ", u, " and address ", a, NULL)
        : user ? apr_pstrcat(r->pool, "user ", u, NULL)
               : apr_pstrcat(r->pool, "address ", a, NULL);

    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "too many failed logins "
                  "for %s (SessionStoreLoginThrottle %u %u %u); refusing "
                  "their logins for %" APR_INT64_T_FMT " s without checking "
                  "passwords", who, keys->max_user, keys->max_addr,
                  keys->window, retry);
}

static int throttle_unavailable(request_rec *r, int *rv)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "the login throttle cannot "
                  "count this attempt (lock failed, or its table is full of "
                  "throttled keys); refusing the login");
    *rv = ss_send_message(r, HTTP_SERVICE_UNAVAILABLE,
                          "Login temporarily unavailable");
    return 1;
}

/* Count this login attempt against the user name and the address, in one
 * locked step each, so that parallel attempts cannot all slip through
 * before one is counted.  Refused (429) while either is over its limit,
 * 503 when the counters cannot be kept. */
int ss_throttle_refused(request_rec *r, const ss_throttle_t *keys, int *rv)
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
    if (lt_attempt(t, keys->user, keys->max_user, keys->window, now,
                   &vu) != 0) {
        return throttle_unavailable(r, rv);
    }
    if (!vu.throttled) {
        int failed = lt_attempt(t, keys->addr, keys->max_addr, keys->window,
                                now, &va) != 0;
        if (!failed && !va.throttled) {
            return 0;
        }
        /* Refused for the address, or not counted: the user's attempt did
         * not happen. */
        if (keys->max_user) {
            lt_release(t, keys->user);
        }
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
    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_psprintf(r->pool, "%" APR_INT64_T_FMT, retry));
    *rv = ss_send_message(r, HTTP_TOO_MANY_REQUESTS,
                          "Too many failed logins; try again later");
    return 1;
}

/* The attempt counted by ss_throttle_refused was not a failure: a
 * success forgets the user's failures, an error only gives the attempt
 * back. */
void ss_throttle_give_back(request_rec *r, const ss_throttle_t *keys,
                           int succeeded)
{
    lt_table_t *t = ss_server_conf_of(r->server)->mc->throttle;

    if (!t) {
        return;
    }
    if (keys->max_user) {
        if (succeeded) {
            lt_reset(t, keys->user);
        }
        else {
            lt_release(t, keys->user);
        }
    }
    if (keys->max_addr) {
        lt_release(t, keys->addr);
    }
}
