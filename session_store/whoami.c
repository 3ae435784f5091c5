/*
 * session_store/whoami.c: the session-store-whoami handler.
 *
 * GET answers who the request's session belongs to and when it ends, or
 * why there is none: a page shows who is signed in, and a Socket.IO client
 * learns why its socket was refused (a browser hides the status of a
 * failed WebSocket upgrade).  Asking never refreshes the session: a page
 * that polls this must not keep an idle session alive.
 */
#include "internal.h"

#include "http_protocol.h"
#include "http_request.h"
#include "apr_strings.h"

APLOG_USE_MODULE(session_store);

/* Seconds since the epoch at which a limit of seconds after from is
 * reached, as JSON: null for no limit. */
static const char *json_deadline(apr_pool_t *p, apr_time_t from,
                                 apr_uint32_t seconds)
{
    if (!seconds) {
        return "null";
    }
    return apr_psprintf(p, "%" APR_INT64_T_FMT,
                        (apr_int64_t)apr_time_sec(from) + seconds);
}

const char *ss_json_expiry(apr_pool_t *p, const st_session_t *s)
{
    return apr_pstrcat(p, "\"expires\":",
                       json_deadline(p, s->created, s->max_age),
                       ",\"idle_expires\":",
                       json_deadline(p, s->last_access, s->idle_timeout),
                       NULL);
}

int ss_whoami_handler(request_rec *r)
{
    session_store_status_t status;
    st_session_t s;

    ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET, -1);
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    status = ss_session_peek(r, &s);
    if (status == SESSION_STORE_UNAVAILABLE) {
        return ss_send_json_message(r, HTTP_SERVICE_UNAVAILABLE,
                                    session_store_reason(status));
    }
    if (status != SESSION_STORE_OK) {
        apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                       apr_pstrcat(r->pool, "Cookie name=\"",
                                   session_store_cookie_name(r), "\"",
                                   NULL));
        return ss_send_json_message(r, HTTP_UNAUTHORIZED,
                                    session_store_reason(status));
    }
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    ap_set_content_type(r, "application/json");
    ap_rvputs(r, "{\"user\":", ss_json_string(r->pool, s.user), ",",
              ss_json_expiry(r->pool, &s), "}\n", NULL);
    return OK;
}
