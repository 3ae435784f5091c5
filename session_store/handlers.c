/*
 * session_store/handlers.c: the handlers of mod_session_store (the login
 * is in login.c) and the small answers they all write.
 */
#include "internal.h"

#include "http_protocol.h"
#include "http_request.h"
#include "apr_strings.h"

APLOG_USE_MODULE(session_store);

/* ---- answers ---- */

const char *ss_json_string(apr_pool_t *p, const char *s)
{
    apr_size_t n = 2;
    const unsigned char *c;
    char *out, *o;

    for (c = (const unsigned char *)s; *c; c++) {
        n += (*c < 0x20) ? 6 : (*c == '"' || *c == '\\') ? 2 : 1;
    }
    o = out = apr_palloc(p, n + 1);
    *o++ = '"';
    for (c = (const unsigned char *)s; *c; c++) {
        if (*c < 0x20) {
            o += apr_snprintf(o, 7, "\\u%04x", *c);
        }
        else {
            if (*c == '"' || *c == '\\') {
                *o++ = '\\';
            }
            *o++ = (char)*c;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

int ss_asks_json(request_rec *r)
{
    const char *accept = apr_table_get(r->headers_in, "Accept");
    const char *xrw = apr_table_get(r->headers_in, "X-Requested-With");

    return (accept && ap_strcasestr(accept, "application/json"))
           || (xrw && !strcasecmp(xrw, "XMLHttpRequest"));
}

/* JSON unless the client asked for HTML and not for JSON: unlike
 * ss_asks_json, a client that says nothing gets JSON too. */
static int wants_json(request_rec *r)
{
    const char *accept = apr_table_get(r->headers_in, "Accept");

    return ss_asks_json(r) || !(accept && ap_strcasestr(accept, "text/html"));
}

int ss_send_json_message(request_rec *r, int status, const char *message)
{
    r->status = status;
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    ap_set_content_type(r, "application/json");
    ap_rvputs(r, "{\"message\":", ss_json_string(r->pool, message), "}\n",
              NULL);
    return OK;
}

int ss_send_message(request_rec *r, int status, const char *message)
{
    const char *html;

    if (wants_json(r)) {
        return ss_send_json_message(r, status, message);
    }
    r->status = status;
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    html = ap_escape_html(r->pool, message);
    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_rvputs(r, "<!DOCTYPE html>\n<title>", html, "</title>\n<p>", html,
              "</p>\n", NULL);
    return OK;
}

int ss_send_see_other(request_rec *r, const char *location)
{
    apr_table_setn(r->headers_out, "Location", location);
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    return HTTP_SEE_OTHER;
}

/* ---- cross-site requests ---- */

/* The host[:port] of an Origin or Host value, without the scheme's
 * default port, lower case. */
static const char *origin_authority(apr_pool_t *p, const char *scheme,
                                    const char *hostport)
{
    char *a = apr_pstrdup(p, hostport);
    apr_size_t n = strlen(a);

    ap_str_tolower(a);
    if (!strcmp(scheme, "http") && n > 3 && !strcmp(a + n - 3, ":80")) {
        a[n - 3] = '\0';
    }
    else if (!strcmp(scheme, "https") && n > 4
             && !strcmp(a + n - 4, ":443")) {
        a[n - 4] = '\0';
    }
    return a;
}

static int foreign_origin(request_rec *r, const char *origin)
{
    const char *host = apr_table_get(r->headers_in, "Host");
    const char *sep;
    char *scheme;

    if (!host || !(sep = ap_strstr_c(origin, "://"))) {
        return 1;   /* "null" and anything unparsable */
    }
    scheme = apr_pstrmemdup(r->pool, origin, (apr_size_t)(sep - origin));
    ap_str_tolower(scheme);
    return strcmp(origin_authority(r->pool, scheme, sep + 3),
                  origin_authority(r->pool, ap_http_scheme(r), host)) != 0;
}

int ss_cross_site(request_rec *r, const char *what)
{
    const char *origin = apr_table_get(r->headers_in, "Origin");
    const char *site = apr_table_get(r->headers_in, "Sec-Fetch-Site");
    const char *host = apr_table_get(r->headers_in, "Host");

    if ((origin && foreign_origin(r, origin))
        || (site && !strcasecmp(site, "cross-site"))) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "%s from another "
                      "site refused (Origin %s, Host %s%s%s; "
                      "SessionStoreLoginCheckOrigin)", what,
                      origin ? SS_LOG_STR(r, origin) : "(none)",
                      host ? SS_LOG_STR(r, host) : "(none)",
                      site ? ", Sec-Fetch-Site " : "",
                      site ? SS_LOG_STR(r, site) : "");
        return 1;
    }
    return 0;
}

/* ---- session-store-logout ---- */

/* Ends the request's session, if any, and expires the cookie either way. */
static int logout_handler(request_rec *r)
{
    ss_server_conf *conf = ss_server_conf_of(r->server);
    ss_dir_conf *dconf = ss_dir_conf_of(r);
    session_store_session_t *session;
    session_store_status_t sst;
    int rv;

    ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET, M_POST, -1);
    if (r->method_number != M_GET && r->method_number != M_POST) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if ((rv = ap_discard_request_body(r)) != OK) {
        return rv;
    }
    /* Logout CSRF: another site must not sign our users out. */
    if (ss_check_origin(dconf) && ss_cross_site(r, "logout requested")) {
        return ss_send_message(r, HTTP_FORBIDDEN, "Cross-site logout "
                               "refused");
    }
    sst = session_store_lookup(r, &session);
    if (sst == SESSION_STORE_OK) {
        sst = session_store_destroy(r, session->id);
        r->user = apr_pstrdup(r->pool, session->user);
    }
    /* A store that cannot answer (Redis down) has not ended the session:
     * say so, and keep the cookie for the next try. */
    if (sst == SESSION_STORE_UNAVAILABLE) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "logout failed: the "
                      "session store is unavailable");
        return ss_send_message(r, HTTP_SERVICE_UNAVAILABLE, "Logout failed: "
                               "session store unavailable; try again");
    }
    if (session) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "user %s logged out",
                      SS_LOG_STR(r, session->user));
    }
    ss_set_cookie(r, conf, "", "; Max-Age=0; Expires=Thu, 01 Jan 1970 "
                  "00:00:00 GMT");
    if (dconf->logout_redirect) {
        return ss_send_see_other(r, dconf->logout_redirect);
    }
    return ss_send_message(r, HTTP_OK, "Logged out");
}

/* ---- session-store-status ---- */

/* The counters, in the order both answers list them. */
static const struct counter {
    const char *json;
    const char *label;
    apr_size_t offset;
} counters[] = {
    { "logins",         "logins",        APR_OFFSETOF(st_stats_t, creates) },
    { "login_failures", "failed logins",
                                  APR_OFFSETOF(st_stats_t, login_failures) },
    { "lookups",        "lookups",       APR_OFFSETOF(st_stats_t, lookups) },
    { "hits",           "hits",          APR_OFFSETOF(st_stats_t, hits) },
    { "misses",         "misses",        APR_OFFSETOF(st_stats_t, misses) },
    { "expired",        "expired",       APR_OFFSETOF(st_stats_t, expired) },
    { "evictions",      "evictions",     APR_OFFSETOF(st_stats_t, evictions) },
    { "logouts",        "logouts",       APR_OFFSETOF(st_stats_t, destroys) },
    { "repairs",        "lock repairs",  APR_OFFSETOF(st_stats_t, repairs) },
};

#define COUNTER(st, c) (*(const apr_uint64_t *)((const char *)(st) \
                                                + (c)->offset))

static void status_html(request_rec *r, const char *backend,
                        const st_stats_t *st)
{
    apr_size_t i;

    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_rprintf(r, "<!DOCTYPE html>\n<title>Session store</title>\n"
               "<h1>Session store (%s)</h1>\n<table>\n"
               "<tr><th>capacity</th><td>%u</td></tr>\n"
               "<tr><th>sessions</th><td>%u</td></tr>\n", backend,
               st->capacity, st->used);
    for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
        ap_rprintf(r, "<tr><th>%s</th><td>%" APR_UINT64_T_FMT "</td></tr>\n",
                   counters[i].label, COUNTER(st, &counters[i]));
    }
    ap_rputs("</table>\n", r);
}

static void status_json(request_rec *r, ss_store_t *store,
                        const st_stats_t *st)
{
    apr_size_t i;

    ap_set_content_type(r, "application/json");
    ap_rprintf(r, "{\"backend\":\"%s\",\"capacity\":%u,\"sessions\":%u",
               store->be->name, st->capacity, st->used);
    for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
        ap_rprintf(r, ",\"%s\":%" APR_UINT64_T_FMT, counters[i].json,
                   COUNTER(st, &counters[i]));
    }
    /* ?check walks the whole store under its lock: for tests and for an
     * operator who suspects trouble, not for a monitoring loop.  The
     * engine paces it (st_check_paced: the shm store's lock is held by
     * checks at most 1/21 of the time); a check asked too soon is not
     * run. */
    if (r->args && ap_strstr_c(r->args, "check") && store->be->check) {
        char err[256];
        int rv = store->be->check(store, err, sizeof(err));
        if (rv == 1) {
            ap_rputs(",\"consistent\":null,\"check_error\":", r);
            ap_rputs(ss_json_string(r->pool, err), r);
        }
        else {
            ap_rprintf(r, ",\"consistent\":%s", rv == 0 ? "true" : "false");
        }
        if (rv == -1) {
            ap_rvputs(r, ",\"check_error\":", ss_json_string(r->pool, err),
                      NULL);
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "consistency check "
                          "failed: %s", err);
        }
    }
    ap_rputs("}\n", r);
}

/* Counters as JSON, a table for a browser, or Prometheus's text
 * (metrics.c). */
static int status_handler(request_rec *r)
{
    ss_store_t *store = ss_server_conf_of(r->server)->mc->store;
    const char *accept = apr_table_get(r->headers_in, "Accept");
    st_stats_t st;

    ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET, -1);
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (ss_metrics_asked(r)) {
        return ss_metrics_send(r, store);
    }
    if (!store || store->be->stats(store, &st) != 0) {
        return ss_send_message(r, HTTP_SERVICE_UNAVAILABLE,
                               "Session store unavailable");
    }
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    if (accept && ap_strcasestr(accept, "text/html")) {
        status_html(r, store->be->name, &st);
    }
    else {
        status_json(r, store, &st);
    }
    return OK;
}

int ss_handler(request_rec *r)
{
    if (!r->handler) {
        return DECLINED;
    }
    if (!strcmp(r->handler, SS_HANDLER_LOGIN)) {
        return ss_login_handler(r);
    }
    if (!strcmp(r->handler, SS_HANDLER_LOGOUT)) {
        return logout_handler(r);
    }
    if (!strcmp(r->handler, SS_HANDLER_STATUS)) {
        return status_handler(r);
    }
    if (!strcmp(r->handler, SS_HANDLER_ADMIN)) {
        return ss_admin_handler(r);
    }
    if (!strcmp(r->handler, SS_HANDLER_ADOPT)) {
        return ss_adopt_handler(r);
    }
    if (!strcmp(r->handler, SS_HANDLER_WHOAMI)) {
        return ss_whoami_handler(r);
    }
    return DECLINED;
}
