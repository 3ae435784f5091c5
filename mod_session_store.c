/*
 * mod_session_store.c: sessions for mod_socketio_auth.
 *
 * A login form posts to the session-store-login handler; the password is
 * checked with httpd's own authn providers (SessionStoreLoginProvider, as
 * AuthBasicProvider does), a session is created in the store and a signed
 * cookie is set in express-session's format.  Other modules find the
 * session of a request through the optional functions of
 * mod_session_store.h.
 *
 * This file holds the hooks and the module record; session_store/ holds
 * the rest of the httpd glue (session_store/internal.h lists its files),
 * and core/ the plain C units that need no httpd.
 */
#include "session_store/internal.h"

#include "http_core.h"
#include "mpm_common.h"

/* Runs for "apachectl configtest" too, so that a configuration that
 * cannot work never passes the test. */
static int store_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    return ss_config_check(ptemp, s) == OK ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

/* Make the store and the throttle table of this generation (both find
 * their shared memory of the last generation again), and hand them to
 * every virtual host through the one module-wide record. */
static int store_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *s)
{
    ss_module_conf *mc = ss_server_conf_of(s)->mc;
    const ss_backend_t *be = &ss_backend_shm;
    ss_store_t *store = apr_pcalloc(pconf, sizeof(*store));
    const char *err;
    apr_status_t rv;

    (void)plog;
    (void)ptemp;
    ss_config_finish(pconf, s);
#ifdef SS_HAVE_REDIS
    if (mc->use_redis) {
        be = &ss_backend_redis;
    }
#endif
    store->be = be;
    if ((err = be->create(&store->inst, mc, pconf)) != NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "the %s session store "
                     "cannot be set up: %s", be->name, err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((rv = be->init(store, pconf, s)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "the %s session store "
                     "did not start", be->name);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if ((mc->throttle = ss_throttle_init(pconf, s)) == NULL
        || ss_metrics_init(s) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    mc->store = store;
    return OK;
}

/* About once a second in the parent: the store's periodic work (saving
 * the persist file). */
static int store_monitor(apr_pool_t *p, server_rec *s)
{
    ss_store_t *store = ss_server_conf_of(s)->mc->store;

    (void)p;
    if (store && store->be->maintain) {
        store->be->maintain(store, apr_time_now());
    }
    return DECLINED;
}

/* Each child's own connections to the store, if it has any. */
static void store_child_init(apr_pool_t *pchild, server_rec *s)
{
    ss_store_t *store = ss_server_conf_of(s)->mc->store;

    if (store && store->be->child_init) {
        store->be->child_init(store, pchild, s);
    }
}

static void register_hooks(apr_pool_t *p)
{
    (void)p;
    ss_register_api();
    ss_metrics_register();
    ap_hook_check_config(store_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(store_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(ss_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_monitor(store_monitor, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(store_child_init, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(session_store) = {
    STANDARD20_MODULE_STUFF,
    ss_create_dir_conf,      /* per-directory configuration */
    ss_merge_dir_conf,       /* merge per-directory configurations */
    ss_create_server_conf,   /* per-server configuration */
    ss_merge_server_conf,    /* merge per-server configurations */
    ss_cmds,                 /* directives */
    register_hooks,          /* hooks */
#ifdef AP_MODULE_FLAG_NONE
    AP_MODULE_FLAG_NONE
#endif
};
