/*
 * mod_session_store.h: what mod_session_store offers other modules.
 *
 * Everything goes through APR optional functions, so a module that uses
 * the store (mod_socketio_auth) loads and fails closed, rather than failing
 * to link, when mod_session_store is missing.  Retrieve them in an
 * optional_fn_retrieve hook:
 *
 *     lookup = APR_RETRIEVE_OPTIONAL_FN(session_store_lookup);
 */
#ifndef MOD_SESSION_STORE_H
#define MOD_SESSION_STORE_H

#include "httpd.h"
#include "apr_optional.h"

#define SESSION_STORE_API_VERSION 1

typedef enum {
    SESSION_STORE_OK = 0,
    SESSION_STORE_NO_COOKIE,      /* the request has no session cookie */
    SESSION_STORE_MALFORMED,      /* a cookie that cannot be one of ours */
    SESSION_STORE_BAD_SIGNATURE,  /* signed by no configured secret */
    SESSION_STORE_NOT_FOUND,      /* signed, but no such session */
    SESSION_STORE_EXPIRED,        /* idle too long or older than max age */
    SESSION_STORE_FULL,           /* create refused: SessionStoreWhenFull */
    SESSION_STORE_UNAVAILABLE     /* no store or no secret: fail closed */
} session_store_status_t;

typedef struct session_store_session {
    const char *id;           /* 32 base64url characters */
    const char *user;
    const char *remote;       /* client address at login */
    apr_time_t  created;
    apr_time_t  last_access;
} session_store_session_t;

/* Read the session cookie of r, check its signature against the server's
 * secrets, find the session and touch it.  On SESSION_STORE_OK *session
 * (allocated from r->pool) is set.  The result is kept on r, so calling it
 * twice for one request costs one lookup. */
APR_DECLARE_OPTIONAL_FN(session_store_status_t, session_store_lookup,
                        (request_rec *r, session_store_session_t **session));

/* Create a session for user with a fresh id and add its Set-Cookie to
 * r->err_headers_out. */
APR_DECLARE_OPTIONAL_FN(session_store_status_t, session_store_create,
                        (request_rec *r, const char *user,
                         session_store_session_t **session));

/* Destroy one session by id (as given by lookup). */
APR_DECLARE_OPTIONAL_FN(session_store_status_t, session_store_destroy,
                        (request_rec *r, const char *id));

/* Destroy every session of user; returns how many, or -1. */
APR_DECLARE_OPTIONAL_FN(long, session_store_destroy_user,
                        (request_rec *r, const char *user));

/* The session cookie's name for r's server. */
APR_DECLARE_OPTIONAL_FN(const char *, session_store_cookie_name,
                        (request_rec *r));

/* Short English reason, in passport.socketio's words where it has some. */
APR_DECLARE_OPTIONAL_FN(const char *, session_store_reason,
                        (session_store_status_t status));

/* Count a request that AuthType SocketIO refused, by why (SESSION_STORE_OK:
 * the session was valid and Require refused it) and the status it was
 * answered with (an HTTP status, or the WebSocket close code of a live
 * socket ended because its session did).  The counters are shared by
 * every child; the status handler shows them (?format=prometheus). */
APR_DECLARE_OPTIONAL_FN(void, session_store_count_refusal,
                        (session_store_status_t why, int status));

#endif
