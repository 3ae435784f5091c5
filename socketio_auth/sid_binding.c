/*
 * socketio_auth/sid_binding.c: an Engine.IO sid is accepted only from the
 * login session whose polling handshake opened it (SocketIOAuthBindSid).
 *
 * Engine.IO trusts whoever names a sid: a signed-in user who learns
 * another user's sid (access logs hold them) could poll, post and upgrade
 * on that socket with their own cookie.  The sid is made by the backend,
 * so the only place httpd learns it is the handshake's answer: an output
 * filter reads the open packet ("0{"sid":...}") of every authorized
 * polling handshake in scope and records sid -> session in shared memory
 * before the answer goes on; every later request in scope that names a
 * sid must come from that session.  A socket opened with a WebSocket
 * first (transport=websocket, no sid) gets its sid inside the tunnel and
 * is never bound: no client sends that sid again, so any request naming
 * it is refused like any unknown sid.
 */
#include "internal.h"
#include "engineio.h"
#include "shm_segment.h"

#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"
#include "apr_general.h"
#include "apr_strings.h"

APLOG_USE_MODULE(socketio_auth);

#define BIND_SHM_KEY  "mod_socketio_auth:sid-bindings"
#define BIND_FILTER   "SOCKETIO_SID_BIND"
/* A binding outlives the last request naming its sid by this long.
 * Polling clients send one at least every pingInterval + pingTimeout (45 s
 * by default); after an upgrade the sid is not sent again. */
#define BIND_TTL      600

static ap_filter_rec_t *bind_filter_handle;

/* A handshake's answer, when its open packet comes in pieces. */
typedef struct {
    char *buf;                        /* EIO_OPEN_MAX bytes, made lazily */
    apr_size_t len;
} handshake_ctx;

static sb_table_t *bindings_of(const request_rec *r)
{
    return sa_server_conf_of(r->server)->mc->bindings;
}

/* r's login session (the store's lookup, done for this request). */
static int owner_of(request_rec *r, const sb_table_t *t, sb_owner_t *owner)
{
    session_store_session_t *session;

    if (!sa_store_lookup || sa_store_lookup(r, &session) != SESSION_STORE_OK) {
        return 0;
    }
    sb_owner_set(t, owner, session->id, strlen(session->id), session->user);
    return 1;
}

static apr_int64_t now_seconds(void)
{
    return (apr_int64_t)apr_time_sec(apr_time_now());
}

/* ---- the handshake's answer ---- */

static void bind_sid(request_rec *r, eio_open_t st, const char *sid,
                     apr_size_t sid_len)
{
    sb_table_t *t = bindings_of(r);
    sb_owner_t owner;
    sb_result_t res;

    if (st == EIO_OPEN_NOT) {
        return;
    }
    if (st == EIO_OPEN_UNREADABLE) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "the Engine.IO "
                      "handshake answer for %s holds no sid that can be "
                      "bound (none, escaped, over %d bytes, or with bytes a "
                      "client would escape): this socket's requests will be "
                      "refused; SocketIOAuthBindSid Off if the backend "
                      "makes such sids", ap_escape_logitem(r->pool, r->uri),
                      EIO_SID_MAX);
        return;
    }
    if (!t || !owner_of(r, t, &owner)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "cannot bind the "
                      "Engine.IO sid of this handshake (no binding table, "
                      "or the session is gone): its requests will be "
                      "refused");
        return;
    }
    res = sb_bind(t, sid, sid_len, &owner, now_seconds(), BIND_TTL);
    if (res == SB_ERROR) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "cannot bind the "
                      "Engine.IO sid of this handshake (lock failed): its "
                      "requests will be refused");
    }
    else if (res != SB_MATCH) {
        /* Sids are the backend's random numbers: a second handshake with
         * the same one is a backend bug or an answer a client made up. */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "a handshake answer "
                      "for user %s handed out an Engine.IO sid already bound "
                      "to another session; the first binding stays",
                      ap_escape_logitem(r->pool, r->user));
    }
}

/* Give the answer's bytes to the open packet reader: in place while the
 * first piece is enough (the usual case), else gathered up to
 * EIO_OPEN_MAX bytes. */
static eio_open_t read_open(request_rec *r, handshake_ctx *ctx,
                            const char *data, apr_size_t n, int end,
                            const char **sid, apr_size_t *sid_len)
{
    apr_size_t take;
    eio_open_t st;

    if (n == 0 && !end) {
        return EIO_OPEN_MORE;
    }
    if (ctx->len == 0) {
        st = eio_open_sid(data, n, end || n >= EIO_OPEN_MAX, sid, sid_len);
        if (st != EIO_OPEN_MORE) {
            return st;
        }
    }
    if (!ctx->buf) {
        ctx->buf = apr_palloc(r->pool, EIO_OPEN_MAX);
    }
    take = n < EIO_OPEN_MAX - ctx->len ? n : EIO_OPEN_MAX - ctx->len;
    memcpy(ctx->buf + ctx->len, data, take);
    ctx->len += take;
    return eio_open_sid(ctx->buf, ctx->len, end || ctx->len == EIO_OPEN_MAX,
                        sid, sid_len);
}

static int answer_encoded(request_rec *r)
{
    const char *enc = apr_table_get(r->headers_out, "Content-Encoding");

    if (!enc) {
        enc = r->content_encoding;
    }
    return enc && *enc && strcasecmp(enc, "identity") != 0;
}

/* Reads the open packet as the answer goes by, and binds its sid before
 * passing on the bytes that complete it: the client cannot name the sid
 * before the binding exists. */
static apr_status_t handshake_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    handshake_ctx *ctx = f->ctx;
    apr_bucket *b;

    if (!ctx) {
        if (r->status != HTTP_OK || answer_encoded(r)) {
            if (r->status == HTTP_OK) {
                ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "the handshake "
                              "answer for %s is encoded (Content-Encoding); "
                              "its Engine.IO sid cannot be bound",
                              ap_escape_logitem(r->pool, r->uri));
            }
            ap_remove_output_filter(f);
            return ap_pass_brigade(f->next, bb);
        }
        f->ctx = ctx = apr_pcalloc(r->pool, sizeof(*ctx));
    }
    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb);
         b = APR_BUCKET_NEXT(b)) {
        const char *data = "", *sid = NULL;
        apr_size_t n = 0, sid_len = 0;
        int end = APR_BUCKET_IS_EOS(b);
        eio_open_t st;

        if (!end) {
            if (APR_BUCKET_IS_METADATA(b)) {
                continue;
            }
            if (apr_bucket_read(b, &data, &n, APR_BLOCK_READ) != APR_SUCCESS) {
                ap_remove_output_filter(f);
                break;
            }
        }
        st = read_open(r, ctx, data, n, end, &sid, &sid_len);
        if (st != EIO_OPEN_MORE) {
            bind_sid(r, st, sid, sid_len);
            ap_remove_output_filter(f);
            break;
        }
    }
    return ap_pass_brigade(f->next, bb);
}

/* ---- requests that name a sid ---- */

int sa_bind_check(request_rec *r, const sa_dir_conf *conf)
{
    sb_table_t *t = bindings_of(r);
    eio_query_t q;
    sb_owner_t owner;
    sb_result_t res;

    eio_query_read(r->args, &q);
    if (q.sid_status == EIO_SID_NONE) {
        /* A polling handshake: watch its answer, which must come
         * unencoded to be read. */
        if (q.polling && t && r->method_number == M_GET
            && !apr_table_get(r->headers_in, "Upgrade")) {
            apr_table_setn(r->headers_in, "Accept-Encoding", "identity");
            ap_add_output_filter_handle(bind_filter_handle, NULL, r,
                                        r->connection);
        }
        return DECLINED;
    }
    if (q.sid_status == EIO_SID_AMBIGUOUS) {
        return sa_refuse(r, conf, HTTP_BAD_REQUEST, SESSION_STORE_OK,
                         "Ambiguous Engine.IO sid", 0);
    }
    if (!t || !owner_of(r, t, &owner)) {
        return sa_refuse(r, conf, HTTP_SERVICE_UNAVAILABLE,
                         SESSION_STORE_UNAVAILABLE,
                         "Socket bindings unavailable", 0);
    }
    res = sb_check(t, q.sid, q.sid_len, &owner, now_seconds(), BIND_TTL);
    switch (res) {
    case SB_MATCH:
        return DECLINED;
    case SB_OTHER_USER:
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "user %s named the "
                      "Engine.IO sid of another user's socket",
                      ap_escape_logitem(r->pool, r->user));
        return sa_refuse(r, conf, HTTP_FORBIDDEN, SESSION_STORE_OK,
                         "Engine.IO sid of another user", 0);
    case SB_OTHER_SESSION:
        return sa_refuse(r, conf, HTTP_FORBIDDEN, SESSION_STORE_OK,
                         "Engine.IO sid of another session", 0);
    case SB_UNKNOWN:
        return sa_refuse(r, conf, HTTP_FORBIDDEN, SESSION_STORE_OK,
                         "Unknown Engine.IO sid", 0);
    case SB_ERROR:
    default:
        return sa_refuse(r, conf, HTTP_SERVICE_UNAVAILABLE,
                         SESSION_STORE_UNAVAILABLE,
                         "Socket bindings unavailable", 0);
    }
}

/* ---- set-up ---- */

void sa_bind_register(apr_pool_t *p)
{
    (void)p;
    bind_filter_handle = ap_register_output_filter(BIND_FILTER,
                                                   handshake_filter, NULL,
                                                   AP_FTYPE_RESOURCE);
}

/* The table lives in shared memory kept in the process pool: bindings
 * survive graceful and full restarts of the children (not a stop of
 * httpd), and a new capacity starts a new table. */
int sa_bind_post_config(apr_pool_t *pconf, server_rec *s)
{
    sa_module_conf *mc = sa_server_conf_of(s)->mc;
    sb_table_t *t = apr_pcalloc(pconf, sizeof(*t));
    apr_size_t size = sb_table_size(mc->bind_capacity);
    apr_shm_t *shm = shm_segment_find(s, BIND_SHM_KEY), *old = shm;
    apr_uint64_t seed;
    apr_status_t rv;

    if (shm && sb_table_attach(t, apr_shm_baseaddr_get(shm),
                               apr_shm_size_get(shm)) == 0
        && apr_shm_size_get(shm) == size) {
        mc->bindings = t;
        return OK;
    }
    if ((rv = shm_segment_create(s, BIND_SHM_KEY, size, &shm)) != APR_SUCCESS
        || (rv = apr_generate_random_bytes((unsigned char *)&seed,
                                           sizeof(seed))) != APR_SUCCESS
        || (rv = sb_table_init(t, apr_shm_baseaddr_get(shm), size,
                               mc->bind_capacity, seed)) != 0) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "cannot set up the "
                     "Engine.IO sid bindings (SocketIOAuthBindSidCapacity "
                     "%u) in shared memory", mc->bind_capacity);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    if (old) {
        apr_shm_destroy(old);
    }
    mc->bindings = t;
    return OK;
}
