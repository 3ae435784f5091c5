/*
 * session_store/session.c: sessions for the other modules, through the
 * optional functions declared in mod_session_store.h, and for this
 * module's own handlers.
 *
 * A lookup verifies the cookie (core/session_cookie.c), finds the session
 * through the store's operations (backend.h) and checks its realm; the
 * answer is kept on the request, so a second call costs nothing.
 */
#include "internal.h"

#include "http_protocol.h"
#include "http_request.h"
#include "apr_strings.h"

APLOG_USE_MODULE(session_store);

typedef struct lookup_cache {
    int done;
    session_store_status_t status;
    session_store_session_t *session;
} lookup_cache;

static session_store_status_t from_table(st_status_t st)
{
    switch (st) {
    case ST_OK:        return SESSION_STORE_OK;
    case ST_NOT_FOUND: return SESSION_STORE_NOT_FOUND;
    case ST_INVALID:   return SESSION_STORE_NOT_FOUND;
    case ST_EXPIRED:   return SESSION_STORE_EXPIRED;
    case ST_OTHER_REALM: return SESSION_STORE_NOT_FOUND;
    case ST_FULL:      return SESSION_STORE_FULL;
    case ST_EXISTS:
    case ST_ERROR:     break;
    }
    return SESSION_STORE_UNAVAILABLE;
}

/* A store's answer for a caller, an answer it could not give counted. */
static session_store_status_t from_store(st_status_t st)
{
    if (st == ST_ERROR) {
        ss_metrics_count(MX_STORE_ERRORS, 1);
    }
    return from_table(st);
}

static session_store_session_t *session_from(apr_pool_t *p,
                                             const st_session_t *s)
{
    session_store_session_t *out = apr_pcalloc(p, sizeof(*out));

    out->id = apr_pstrdup(p, s->id);
    out->user = apr_pstrdup(p, s->user);
    out->remote = apr_pstrdup(p, s->remote);
    out->created = s->created;
    out->last_access = s->last_access;
    return out;
}

/* The one place the reasons are worded: clients read them in 4xx bodies,
 * operators in logs, and mod_socketio_auth passes them on. */
const char *session_store_reason(session_store_status_t status)
{
    switch (status) {
    case SESSION_STORE_OK:            return "OK";
    case SESSION_STORE_NO_COOKIE:     return "No session cookie";
    case SESSION_STORE_MALFORMED:     return "Malformed session cookie";
    case SESSION_STORE_BAD_SIGNATURE: return "Bad signature";
    case SESSION_STORE_NOT_FOUND:     return "No session found";
    case SESSION_STORE_EXPIRED:       return "Session expired";
    case SESSION_STORE_FULL:          return "Session store full";
    case SESSION_STORE_UNAVAILABLE:   return "Session store unavailable";
    }
    return "Unknown";
}

/* No secret where a session is asked for: only reachable from .htaccess
 * (ss_config_check refuses the rest), and never a pass. */
static int has_keys(request_rec *r, const ss_server_conf *conf)
{
    if (conf->keys && conf->keys->nelts > 0) {
        return 1;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "no SessionStoreSecret for "
                  "server %s; refusing the session request for %s",
                  r->server->server_hostname, SS_LOG_STR(r, r->uri));
    return 0;
}

/* Verify the cookie: the part of a lookup that needs no store. */
static session_store_status_t cookie_session_id(request_rec *r,
                                                const ss_server_conf *conf,
                                                char id[SC_SID_LEN + 1])
{
    ss_store_t *store = conf->mc->store;
    const char *val;
    apr_size_t len;
    sc_signed_t sv;

    if (!has_keys(r, conf)) {
        return SESSION_STORE_UNAVAILABLE;
    }
    if (!sc_cookie_find(apr_table_get(r->headers_in, "Cookie"),
                        ss_cookie_name(conf), &val, &len)) {
        return SESSION_STORE_NO_COOKIE;
    }
    if (sc_parse(val, len, &sv) != SC_OK) {
        return SESSION_STORE_MALFORMED;
    }
    if (store && store->be->prefetch && sv.id_len == SC_SID_LEN) {
        store->be->prefetch(store, sv.id);
    }
    if (sc_verify((const sc_key_t *)conf->keys->elts, conf->keys->nelts, &sv,
                  NULL) != SC_OK) {
        return SESSION_STORE_BAD_SIGNATURE;
    }
    /* Signed, but not an id we issue (another app's session). */
    if (!sc_sid_valid(sv.id, sv.id_len)) {
        return SESSION_STORE_NOT_FOUND;
    }
    memcpy(id, sv.id, SC_SID_LEN);
    id[SC_SID_LEN] = '\0';
    return SESSION_STORE_OK;
}

/* Find the session of r's cookie (touching it: a refreshed idle time,
 * or not), and count the answer. */
static session_store_status_t find_session(request_rec *r, int touch,
                                           st_session_t *found)
{
    ss_server_conf *conf = ss_server_conf_of(r->server);
    ss_store_t *store = conf->mc->store;
    char sid[SC_SID_LEN + 1];
    session_store_status_t status;
    st_status_t st;

    status = cookie_session_id(r, conf, sid);
    if (status != SESSION_STORE_OK) {
        ss_metrics_lookup(status, 0);
        return status;
    }
    if (!store) {
        ss_metrics_lookup(SESSION_STORE_UNAVAILABLE, 0);
        return SESSION_STORE_UNAVAILABLE;
    }
    st = store->be->lookup(store, sid, ss_realm_of(r), apr_time_now(), touch,
                           found);
    if (st == ST_OTHER_REALM) {
        /* found is not filled in then: the session is not ours to read. */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "the session belongs to "
                      "another realm (SessionStoreRealm); not accepted here");
    }
    status = from_store(st);
    ss_metrics_lookup(status, st == ST_OTHER_REALM);
    return status;
}

session_store_status_t ss_session_peek(request_rec *r, st_session_t *found)
{
    return find_session(r, 0, found);
}

session_store_status_t session_store_lookup(request_rec *r,
                                        session_store_session_t **session)
{
    lookup_cache *cache = ap_get_module_config(r->request_config,
                                               &session_store_module);
    st_session_t found;

    if (cache && cache->done) {
        *session = cache->session;
        return cache->status;
    }
    *session = NULL;
    if (!cache) {
        cache = apr_pcalloc(r->pool, sizeof(*cache));
        ap_set_module_config(r->request_config, &session_store_module, cache);
    }
    cache->status = find_session(r, 1, &found);
    if (cache->status == SESSION_STORE_OK) {
        *session = session_from(r->pool, &found);
    }
    cache->session = *session;
    cache->done = 1;
    return cache->status;
}

static void forget_lookup(request_rec *r)
{
    lookup_cache *cache = ap_get_module_config(r->request_config,
                                               &session_store_module);
    if (cache) {
        cache->done = 0;
    }
}

const char *ss_cookie_header(request_rec *r, const ss_server_conf *conf,
                             const char *name, const char *value,
                             const char *extra)
{
    const char *attrs = ss_cookie_attrs(conf);
    const char *secure = "";

    if (!strcmp(ap_http_scheme(r), "https")
        && !ap_strcasestr(attrs, "secure")) {
        secure = "; Secure";
    }
    return apr_pstrcat(r->pool, name, "=", value, *attrs ? "; " : "", attrs,
                       secure, extra, NULL);
}

void ss_set_cookie(request_rec *r, const ss_server_conf *conf,
                   const char *value, const char *extra)
{
    apr_table_addn(r->err_headers_out, "Set-Cookie",
                   ss_cookie_header(r, conf, ss_cookie_name(conf), value,
                                    extra));
    /* A response that sets a session must never be cached for others. */
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
}

/* Put rec into the store under a fresh id. */
static st_status_t store_new(request_rec *r, const ss_server_conf *conf,
                             st_session_t *rec, apr_time_t now,
                             st_create_info_t *info)
{
    ss_store_t *store = conf->mc->store;
    ss_create_policy_t policy;
    st_status_t st = ST_ERROR;
    int tries;

    policy.refuse_when_full = conf->mc->refuse_when_full;
    policy.max_per_user = ss_max_per_user(conf);

    /* 192 random bits do not collide; the loop is for a broken RNG. */
    for (tries = 0; tries < 3; tries++) {
        if (sc_sid_new(rec->id) != 0) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "the random number "
                          "generator failed; no session created");
            return ST_ERROR;
        }
        st = store->be->create_session(store, rec, now, &policy, info);
        if (st != ST_EXISTS) {
            break;
        }
    }
    return st;
}

static void log_create(request_rec *r, const ss_server_conf *conf,
                       const char *user, st_status_t st,
                       const st_create_info_t *info)
{
    if (st == ST_OK && info->capped) {
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, "user %s reached "
                      "SessionStoreMaxPerUser %u; ended %d of their own "
                      "least recently used sessions", SS_LOG_STR(r, user),
                      ss_max_per_user(conf), info->capped);
    }
    if (st == ST_OK && info->evicted) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "full (%u sessions); "
                      "evicted the least recently used session (user %s) to "
                      "make room. Raise SessionStoreCapacity.",
                      conf->mc->capacity, SS_LOG_STR(r, info->evicted_user));
    }
    else if (st == ST_FULL) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "full (%u sessions), "
                      "login of %s refused (SessionStoreWhenFull refuse). "
                      "Raise SessionStoreCapacity.", conf->mc->capacity,
                      SS_LOG_STR(r, user));
    }
    else if (st != ST_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "cannot create a session "
                      "for %s: %s", SS_LOG_STR(r, user),
                      st_status_reason(st));
    }
}

/* A new session for user: a fresh id, the server's lifetimes, the
 * request's realm, and its Set-Cookie. */
session_store_status_t session_store_create(request_rec *r, const char *user,
                                        session_store_session_t **session)
{
    ss_server_conf *conf = ss_server_conf_of(r->server);
    st_session_t rec;
    st_create_info_t info;
    char signed_value[SC_SIGNED_LEN + 1];
    char wire[3 * SC_SIGNED_LEN + 1];
    apr_time_t now = apr_time_now();
    st_status_t st;

    *session = NULL;
    if (!conf->mc->store || !has_keys(r, conf)) {
        return SESSION_STORE_UNAVAILABLE;
    }
    if (strlen(user) >= ST_USER_MAX) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "user name of %"
                      APR_SIZE_T_FMT " bytes is longer than the %d a session "
                      "holds", strlen(user), ST_USER_MAX - 1);
        return SESSION_STORE_UNAVAILABLE;
    }
    memset(&rec, 0, sizeof(rec));
    memset(&info, 0, sizeof(info));
    apr_cpystrn(rec.user, user, sizeof(rec.user));
    apr_cpystrn(rec.remote, r->useragent_ip ? r->useragent_ip : "",
                sizeof(rec.remote));
    rec.created = rec.last_access = now;
    rec.idle_timeout = ss_idle_timeout(conf);
    rec.max_age = ss_max_age(conf);
    memcpy(rec.realm, ss_realm_of(r), ST_REALM_LEN);

    st = store_new(r, conf, &rec, now, &info);
    log_create(r, conf, user, st, &info);
    if (st != ST_OK) {
        return from_store(st);
    }
    sc_sign((const sc_key_t *)conf->keys->elts, rec.id, SC_SID_LEN,
            signed_value, sizeof(signed_value));
    sc_uri_encode(signed_value, strlen(signed_value), wire, sizeof(wire));
    ss_set_cookie(r, conf, apr_pstrdup(r->pool, wire), "");
    *session = session_from(r->pool, &rec);
    forget_lookup(r);
    return SESSION_STORE_OK;
}

session_store_status_t session_store_destroy(request_rec *r, const char *id)
{
    ss_store_t *store = ss_server_conf_of(r->server)->mc->store;

    if (!store) {
        return SESSION_STORE_UNAVAILABLE;
    }
    forget_lookup(r);
    return from_store(store->be->destroy(store, id));
}

long session_store_destroy_user(request_rec *r, const char *user)
{
    ss_store_t *store = ss_server_conf_of(r->server)->mc->store;
    long n;

    if (!store) {
        return -1;
    }
    forget_lookup(r);
    if ((n = store->be->destroy_user(store, user)) < 0) {
        ss_metrics_count(MX_STORE_ERRORS, 1);
    }
    return n;
}

const char *session_store_cookie_name(request_rec *r)
{
    return ss_cookie_name(ss_server_conf_of(r->server));
}

void ss_register_api(void)
{
    APR_REGISTER_OPTIONAL_FN(session_store_lookup);
    APR_REGISTER_OPTIONAL_FN(session_store_create);
    APR_REGISTER_OPTIONAL_FN(session_store_destroy);
    APR_REGISTER_OPTIONAL_FN(session_store_destroy_user);
    APR_REGISTER_OPTIONAL_FN(session_store_cookie_name);
    APR_REGISTER_OPTIONAL_FN(session_store_reason);
}
