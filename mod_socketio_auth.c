/*
 * mod_socketio_auth.c: AuthType SocketIO.
 *
 * Authenticates every request in its scope (the Engine.IO polling requests
 * and the WebSocket upgrade of Socket.IO, or anything else) by the session
 * cookie that mod_session_store signed, and hands the user to the backend
 * as r->user, the note and environment variable SOCKETIO_USER and a request
 * header (SocketIOAuthHeader) that the client can never set itself.
 * Authorization is left to httpd: Require valid-user, Require user,
 * Require group and <RequireAll> all work on top.  An Engine.IO sid is
 * accepted only from the session whose handshake opened it.
 *
 * This file holds the hooks and the module record; socketio_auth/ the
 * rest (socketio_auth/internal.h says what is where).
 */
#include "socketio_auth/internal.h"

#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_auth.h"

/* Before any other module looks at the request (mod_setenvif,
 * server-context mod_rewrite, mod_remoteip...), for every request of every
 * virtual host, and again on internal redirects (ErrorDocument), whose
 * headers are the original request's. */
static int auth_post_read_request(request_rec *r)
{
    sa_scrub_identity(r, NULL);
    return DECLINED;
}

/* A name set in a .htaccess file is known only now. */
static int auth_header_parser(request_rec *r)
{
    if (sa_in_scope(r)) {
        const sa_dir_conf *conf = sa_dir_conf_of(r);
        if (conf->header && !conf->header_listed) {
            sa_scrub_identity(r, conf);
        }
    }
    return DECLINED;
}

/* Called by httpd when authorization refuses a request of our scope (a
 * Require that the user does not meet).  Without it httpd logs that
 * AuthType SocketIO has no module. */
static int auth_note_failure(request_rec *r, const char *auth_type)
{
    if (strcasecmp(auth_type, SA_AUTH_TYPE) != 0) {
        return DECLINED;
    }
    if (r->user && !apr_table_get(r->notes, SA_NOTE_ERROR)) {
        apr_table_setn(r->notes, SA_NOTE_ERROR, "Not authorized");
        sa_count_refusal(SESSION_STORE_OK, HTTP_UNAUTHORIZED);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "user %s is not "
                      "authorized for %s (Require)",
                      ap_escape_logitem(r->pool, r->user),
                      ap_escape_logitem(r->pool, r->uri));
    }
    return OK;
}

/* Fixups run only once authorization has passed, for subrequests and
 * internal redirects too (which may skip check_authn when they inherit
 * the user): the identity header is made to say exactly who we
 * authenticated, or nothing.  A 403 after this point is the backend's or
 * the file system's, not a Require refusal. */
static int auth_fixups(request_rec *r)
{
    sa_dir_conf *conf;

    if (!sa_in_scope(r)) {
        /* The client's copies went at post_read_request, but a subrequest
         * copies its parent's headers, identity included. */
        if (r->main) {
            sa_scrub_identity(r, NULL);
        }
        return DECLINED;
    }
    conf = sa_dir_conf_of(r);
    if (!sa_authorized_here(r)) {
        sa_scrub_identity(r, conf);
        return DECLINED;
    }
    if (sa_bind_sid_of(conf)) {
        int rv = sa_bind_check(r, conf);
        if (rv != DECLINED) {
            return rv;
        }
    }
    sa_set_identity(r, conf, r->user);
    apr_table_setn(r->notes, SA_NOTE_AUTHORIZED, "1");
    return DECLINED;
}

/* With AuthzSendForbiddenOnFailure On, httpd answers 403 without calling
 * note_auth_failure: name the reason before the access log is written. */
static int auth_log_transaction(request_rec *r)
{
    if (r->status == HTTP_FORBIDDEN && r->user && sa_in_scope(r)
        && !apr_table_get(r->notes, SA_NOTE_AUTHORIZED)
        && !apr_table_get(r->notes, SA_NOTE_ERROR)) {
        apr_table_setn(r->notes, SA_NOTE_ERROR, "Not authorized");
        sa_count_refusal(SESSION_STORE_OK, HTTP_FORBIDDEN);
    }
    return DECLINED;
}

static int auth_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    /* optional_fn_retrieve runs only after the first post_config, and this
     * check must fail "apachectl configtest" too. */
    sa_retrieve_store();
    if (!sa_store_lookup || !sa_store_cookie_name || !sa_store_reason) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "mod_socketio_auth needs "
                     "mod_session_store: add 'LoadModule session_store_module "
                     "modules/mod_session_store.so' before it");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}

static int auth_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    (void)plog;
    (void)ptemp;
    sa_config_post(pconf, s);
    return sa_bind_post_config(pconf, s);
}

static void register_hooks(apr_pool_t *p)
{
    ap_hook_optional_fn_retrieve(sa_retrieve_store, NULL, NULL,
                                 APR_HOOK_MIDDLE);
    ap_hook_check_config(auth_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(auth_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_read_request(auth_post_read_request, NULL, NULL,
                              APR_HOOK_REALLY_FIRST);
    ap_hook_header_parser(auth_header_parser, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_note_auth_failure(auth_note_failure, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(auth_fixups, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_log_transaction(auth_log_transaction, NULL, NULL,
                            APR_HOOK_REALLY_FIRST);
    ap_hook_check_authn(sa_check_authn, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    sa_bind_register(p);
}

AP_DECLARE_MODULE(socketio_auth) = {
    STANDARD20_MODULE_STUFF,
    sa_create_dir_conf,      /* per-directory configuration */
    sa_merge_dir_conf,       /* merge per-directory configurations */
    sa_create_server_conf,   /* per-server configuration */
    sa_merge_server_conf,    /* merge per-server configurations */
    sa_cmds,                 /* directives */
    register_hooks,          /* hooks */
#ifdef AP_MODULE_FLAG_NONE
    AP_MODULE_FLAG_NONE
#endif
};
