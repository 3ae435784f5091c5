/*
 * session_store/metrics.c: the counters of core/metrics.h in a shared
 * memory segment of their own, counted by this module and (through the
 * optional function session_store_count_refusal) by mod_socketio_auth,
 * and the status handler's Prometheus answer.
 *
 * The segment lives in the process pool, as the store's does, so that a
 * graceful restart does not reset the counters (Prometheus would read a
 * reset as a restart of the server).  It is made in post_config, before
 * the children fork; until then, and in a configuration test, counting
 * does nothing.
 */
#include "internal.h"
#include "shm_segment.h"
#include "session_form.h"

#include "http_protocol.h"
#include "apr_strings.h"

APLOG_USE_MODULE(session_store);

#define METRICS_SHM_KEY "mod_session_store:metrics"

/* One block for the whole server: set in post_config, inherited by the
 * children. */
static mx_block_t *metrics;

apr_status_t ss_metrics_init(server_rec *s)
{
    apr_shm_t *shm = shm_segment_find(s, METRICS_SHM_KEY);
    apr_status_t rv;

    if (shm && mx_valid(apr_shm_baseaddr_get(shm), apr_shm_size_get(shm))) {
        metrics = apr_shm_baseaddr_get(shm);
        return APR_SUCCESS;
    }
    /* None yet, or one of an older layout (a new module on a graceful
     * restart): a new block; the old one stays with its children. */
    rv = shm_segment_create(s, METRICS_SHM_KEY, sizeof(mx_block_t), &shm);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "cannot create the "
                     "shared memory of the counters");
        return rv;
    }
    metrics = apr_shm_baseaddr_get(shm);
    mx_init(metrics);
    return APR_SUCCESS;
}

void ss_metrics_count(mx_counter_t c, apr_uint64_t n)
{
    if (metrics) {
        mx_count(metrics, c, n);
    }
}

static mx_reason_t reason_of(session_store_status_t status)
{
    switch (status) {
    case SESSION_STORE_NO_COOKIE:     return MX_NO_COOKIE;
    case SESSION_STORE_MALFORMED:     return MX_MALFORMED;
    case SESSION_STORE_BAD_SIGNATURE: return MX_BAD_SIGNATURE;
    case SESSION_STORE_NOT_FOUND:     return MX_NOT_FOUND;
    case SESSION_STORE_EXPIRED:       return MX_EXPIRED;
    /* A refusal of a valid session: Require said no. */
    case SESSION_STORE_OK:            return MX_NOT_AUTHORIZED;
    case SESSION_STORE_FULL:
    case SESSION_STORE_UNAVAILABLE:   break;
    }
    return MX_UNAVAILABLE;
}

void ss_metrics_lookup(session_store_status_t status, int other_realm)
{
    if (!metrics) {
        return;
    }
    if (status == SESSION_STORE_OK) {
        mx_hit(metrics);
    }
    else {
        mx_miss(metrics, other_realm ? MX_OTHER_REALM : reason_of(status));
    }
}

void ss_metrics_redis_roundtrip(apr_interval_time_t elapsed)
{
    if (metrics) {
        mx_rtt(metrics, elapsed > 0 ? (apr_uint64_t)elapsed : 0);
    }
}

/* The optional function of mod_session_store.h. */
static void session_store_count_refusal(session_store_status_t why,
                                        int status)
{
    if (metrics) {
        mx_refusal(metrics, reason_of(why), status);
    }
}

void ss_metrics_register(void)
{
    APR_REGISTER_OPTIONAL_FN(session_store_count_refusal);
}

int ss_metrics_asked(request_rec *r)
{
    char format[16];
    sf_field_t field = { "format", format, sizeof(format), 0, 0 };
    const char *bad;

    if (r->args && sf_parse(r->args, strlen(r->args), &field, 1,
                            &bad) == SF_OK && field.found) {
        return !strcmp(format, "prometheus");
    }
    return mx_accepts_text_format(apr_table_get(r->headers_in, "Accept"));
}

static int to_client(void *ctx, const char *s, apr_size_t len)
{
    return ap_rwrite(s, (int)len, ctx) < 0;
}

/* The exposition; 200 even when the store does not answer, which
 * session_store_up says, so that the counters are still scraped. */
int ss_metrics_send(request_rec *r, ss_store_t *store)
{
    st_stats_t st;
    mx_store_t info;

    if (!metrics) {
        return ss_send_message(r, HTTP_SERVICE_UNAVAILABLE,
                               "Counters unavailable");
    }
    info.backend = store ? store->be->name : "none";
    info.stats = store && store->be->stats(store, &st) == 0 ? &st : NULL;
    info.rtt = store && !strcmp(store->be->name, "redis");
    if (store && !info.stats) {
        ss_metrics_count(MX_STORE_ERRORS, 1);
    }
    apr_table_setn(r->err_headers_out, "Cache-Control", "no-store");
    ap_set_content_type(r, MX_CONTENT_TYPE);
    mx_write(metrics, &info, to_client, r);
    return OK;
}
