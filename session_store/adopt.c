/*
 * session_store/adopt.c: the session-store-adopt handler.
 *
 * In a scope where another module has authenticated the request
 * (AuthType Basic, mod_auth_openidc, mod_auth_mellon, Kerberos, a client
 * certificate through SSLUserName...), a GET creates a session for
 * r->user, as a form login would (a fresh id, the realm, the per-user
 * cap, the cookie), and answers as the login does.  A site behind single
 * sign-on so gets authenticated sockets without a second login.
 *
 * What it trusts is r->user and nothing else: whoever may reach this
 * handler with a user set may have a session as that user.
 */
#include "internal.h"
#include "session_form.h"
#include "syntax.h"

#include "http_core.h"
#include "http_protocol.h"
#include "http_request.h"
#include "apr_strings.h"

APLOG_USE_MODULE(session_store);

/* The query's redirect (its name is the login form's field's) into
 * redirect, *has set if there is one: DECLINED to go on, or the answer
 * to a query that cannot be read. */
static int read_redirect(request_rec *r, const ss_dir_conf *dconf,
                         char redirect[SX_LOCAL_PATH_MAX + 1], int *has)
{
    sf_field_t field;
    const char *bad;
    sf_status_t st;

    *has = 0;
    if (!r->args) {
        return DECLINED;
    }
    memset(&field, 0, sizeof(field));
    field.name = dconf->redirect_field ? dconf->redirect_field : "redirect";
    field.value = redirect;
    field.size = SX_LOCAL_PATH_MAX + 1;
    st = sf_parse(r->args, strlen(r->args), &field, 1, &bad);
    if (st != SF_OK) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "adoption of user %s "
                      "refused: query %s: %s", SS_LOG_STR(r, r->user),
                      field.name, sf_status_reason(st));
        return ss_send_message(r, HTTP_BAD_REQUEST, apr_pstrcat(r->pool,
                               "Bad query: ", sf_status_reason(st), " ",
                               field.name, NULL));
    }
    *has = field.found && *redirect;
    return DECLINED;
}

int ss_adopt_handler(request_rec *r)
{
    ss_dir_conf *dconf = ss_dir_conf_of(r);
    char redirect[SX_LOCAL_PATH_MAX + 1];
    session_store_session_t *old, *session;
    session_store_status_t sst;
    const char *user = r->user, *type = ap_auth_type(r);
    int has_redirect, rv;

    ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET, -1);
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    if (!user || !*user) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "session-store-adopt at "
                      "%s: no module authenticated the request (no user "
                      "set); put the handler in a scope that requires one "
                      "(AuthType and Require valid-user, or SSLVerifyClient "
                      "require with SSLUserName)",
                      SS_LOG_STR(r, r->uri));
        return ss_send_message(r, HTTP_FORBIDDEN, "Not authenticated");
    }
    if (strlen(user) >= ST_USER_MAX) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "adoption refused: "
                      "user name of %" APR_SIZE_T_FMT " bytes (%s...) is "
                      "longer than the %d a session holds", strlen(user),
                      SS_LOG_STR(r, apr_pstrndup(r->pool, user, 32)),
                      ST_USER_MAX - 1);
        return ss_send_message(r, HTTP_FORBIDDEN, "User name too long");
    }
    if ((rv = read_redirect(r, dconf, redirect, &has_redirect)) != DECLINED) {
        return rv;
    }
    /* As a login: whatever session the client had ends (no fixation). */
    if (session_store_lookup(r, &old) == SESSION_STORE_OK) {
        session_store_destroy(r, old->id);
    }
    sst = session_store_create(r, user, &session);
    if (sst != SESSION_STORE_OK) {
        return ss_send_message(r, HTTP_SERVICE_UNAVAILABLE,
                               apr_pstrcat(r->pool, "Cannot create a "
                                           "session: ",
                                           session_store_reason(sst), NULL));
    }
    ss_metrics_count(MX_ADOPTED, 1);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "user %s logged in through "
                  "AuthType %s (session-store-adopt)", SS_LOG_STR(r, user),
                  type ? SS_LOG_STR(r, type) : "(none)");
    return ss_respond_signed_in(r, dconf, user,
                                has_redirect ? redirect : NULL);
}
