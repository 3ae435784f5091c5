/*
 * socketio_auth/authn.c: AuthType SocketIO, the check_authn hook and the
 * refusals.
 */
#include "internal.h"
#include "session_cookie.h"

#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_core.h"
#include "apr_strings.h"

APLOG_USE_MODULE(socketio_auth);

APR_OPTIONAL_FN_TYPE(session_store_lookup) *sa_store_lookup;
APR_OPTIONAL_FN_TYPE(session_store_cookie_name) *sa_store_cookie_name;
APR_OPTIONAL_FN_TYPE(session_store_reason) *sa_store_reason;
static APR_OPTIONAL_FN_TYPE(session_store_count_refusal) *store_count_refusal;

void sa_retrieve_store(void)
{
    sa_store_lookup = APR_RETRIEVE_OPTIONAL_FN(session_store_lookup);
    sa_store_cookie_name = APR_RETRIEVE_OPTIONAL_FN(session_store_cookie_name);
    sa_store_reason = APR_RETRIEVE_OPTIONAL_FN(session_store_reason);
    store_count_refusal = APR_RETRIEVE_OPTIONAL_FN(session_store_count_refusal);
}

/* Absent only without mod_session_store, where nothing is counted. */
void sa_count_refusal(session_store_status_t why, int status)
{
    if (store_count_refusal) {
        store_count_refusal(why, status);
    }
}

static void strip_session_cookie(request_rec *r)
{
    const char *header = apr_table_get(r->headers_in, "Cookie");
    apr_size_t size;
    char *rest;

    if (!header || !sa_store_cookie_name) {
        return;
    }
    size = sc_cookie_strip_size(header);
    rest = apr_palloc(r->pool, size);
    if (sc_cookie_strip(header, sa_store_cookie_name(r), rest, size)) {
        apr_table_setn(r->headers_in, "Cookie", rest);
    }
    else {
        apr_table_unset(r->headers_in, "Cookie");
    }
}

/* A browser loading a page (not a script, not a socket). */
static int is_navigation(request_rec *r)
{
    const char *mode = apr_table_get(r->headers_in, "Sec-Fetch-Mode");
    const char *accept = apr_table_get(r->headers_in, "Accept");

    if (r->method_number != M_GET
        || apr_table_get(r->headers_in, "Upgrade")) {
        return 0;
    }
    if (mode) {
        return !strcasecmp(mode, "navigate");
    }
    return accept && ap_strstr_c(accept, "text/html") != NULL;
}

int sa_refuse(request_rec *r, const sa_dir_conf *conf, int status,
              session_store_status_t why, const char *reason,
              int offer_login)
{
    if (!reason) {
        reason = sa_store_reason ? sa_store_reason(why)
                                 : "Session store unavailable";
    }
    apr_table_setn(r->notes, SA_NOTE_ERROR, reason);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "refused %s %s from %s: %s",
                  r->method, ap_escape_logitem(r->pool, r->uri),
                  r->useragent_ip, reason);

    if (offer_login && conf->login_url && is_navigation(r)) {
        /* headers_out too: httpd's canned 302 page links to it. */
        apr_table_setn(r->headers_out, "Location", conf->login_url);
        apr_table_setn(r->err_headers_out, "Location", conf->login_url);
        sa_count_refusal(why, HTTP_MOVED_TEMPORARILY);
        return HTTP_MOVED_TEMPORARILY;
    }
    sa_count_refusal(why, status);
    /* An ErrorDocument set for this status, or a subrequest, gets the
     * usual error path; otherwise the client gets a reason it can read,
     * as JSON (socket.io-client reports it as connect_error). */
    if (r->main || ap_response_code_string(r, ap_index_of_response(status))) {
        return status;
    }
    if (ap_discard_request_body(r) != OK) {
        return status;
    }
    r->status = status;
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    if (status == HTTP_UNAUTHORIZED) {
        apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                       "Cookie realm=\"socket.io\"");
    }
    ap_set_content_type(r, "application/json");
    ap_rvputs(r, "{\"message\":\"", reason, "\"}\n", NULL);
    return DONE;
}

int sa_check_authn(request_rec *r)
{
    sa_dir_conf *conf;
    session_store_session_t *session;
    session_store_status_t st;

    if (!sa_in_scope(r)) {
        return DECLINED;
    }
    conf = sa_dir_conf_of(r);
    if (!sa_store_lookup) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "mod_session_store is "
                      "not loaded; refusing %s",
                      ap_escape_logitem(r->pool, r->uri));
        return sa_refuse(r, conf, HTTP_SERVICE_UNAVAILABLE,
                         SESSION_STORE_UNAVAILABLE, NULL, 0);
    }
    st = sa_store_lookup(r, &session);
    if (conf->strip_cookie == 1) {
        strip_session_cookie(r);
    }
    if (st == SESSION_STORE_UNAVAILABLE) {
        /* Fail closed: no store, no entry. */
        return sa_refuse(r, conf, HTTP_SERVICE_UNAVAILABLE, st, NULL, 0);
    }
    if (st != SESSION_STORE_OK) {
        return sa_refuse(r, conf, sa_fail_status_of(conf), st, NULL, 1);
    }

    r->user = apr_pstrdup(r->pool, session->user);
    r->ap_auth_type = SA_AUTH_TYPE;
    apr_table_setn(r->notes, SA_NOTE_USER, r->user);
    apr_table_setn(r->subprocess_env, SA_NOTE_USER, r->user);
    sa_set_identity(r, conf, r->user);
    return OK;
}
