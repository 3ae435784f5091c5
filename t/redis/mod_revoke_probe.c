/*
 * mod_revoke_probe.c: a test module (t/redis/shared.t builds it with apxs)
 * that calls mod_session_store's session_store_destroy_user for
 * GET /revoke-probe?user=NAME and answers {"revoked":N}, or 503 when the
 * store cannot answer.  Never installed: it has no access control.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_protocol.h"
#include "apr_strings.h"
#include "mod_session_store.h"

static APR_OPTIONAL_FN_TYPE(session_store_destroy_user) *destroy_user;

static int probe_handler(request_rec *r)
{
    const char *user;
    long n;

    if (!r->handler || strcmp(r->handler, "revoke-probe")) {
        return DECLINED;
    }
    if (!r->args || strncmp(r->args, "user=", 5) || !destroy_user) {
        return HTTP_BAD_REQUEST;
    }
    user = apr_pstrdup(r->pool, r->args + 5);
    ap_unescape_url((char *)user);
    n = destroy_user(r, user);
    if (n < 0) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    ap_set_content_type(r, "application/json");
    ap_rprintf(r, "{\"revoked\":%ld}\n", n);
    return OK;
}

static void retrieve(void)
{
    destroy_user = APR_RETRIEVE_OPTIONAL_FN(session_store_destroy_user);
}

static void register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_optional_fn_retrieve(retrieve, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(probe_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(revoke_probe) = {
    STANDARD20_MODULE_STUFF, NULL, NULL, NULL, NULL, NULL, register_hooks
};
