/*
 * metrics.h: the counters that every process of httpd adds to, in one
 * small block of shared memory, and their Prometheus text exposition.
 *
 * Plain C, no httpd: mod_session_store lays the block out in a segment of
 * its own, both modules count into it (mod_socketio_auth through an
 * optional function), and the status handler writes it with the store's
 * own counters (st_stats_t) through mx_write.  Counting is one relaxed
 * atomic add: no lock, so a child killed in the middle leaves nothing
 * half done, and a scrape reads each number whole.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "session_table.h"

/* Why a lookup missed, or why AuthType SocketIO refused a request.  The
 * order is the label order of the exposition. */
typedef enum {
    MX_NO_COOKIE = 0,
    MX_MALFORMED,
    MX_BAD_SIGNATURE,
    MX_NOT_FOUND,
    MX_EXPIRED,
    MX_OTHER_REALM,       /* a session of another SessionStoreRealm */
    MX_UNAVAILABLE,       /* the store could not answer */
    MX_NOT_AUTHORIZED,    /* a valid session that Require refused */
    MX_REASONS
} mx_reason_t;

/* Events counted once each. */
typedef enum {
    MX_LOGIN_THROTTLED = 0,  /* logins refused by the throttle (429) */
    MX_STORE_ERRORS,         /* store operations that could not answer */
    MX_REVOKED,              /* sessions ended by session-store-admin */
    MX_ADOPTED,              /* sessions made by session-store-adopt */
    MX_COUNTERS
} mx_counter_t;

/* A refusal's status: 300-599, a WebSocket close code 1000-4999 (a live
 * socket ended because its session did), anything else as "other". */
#define MX_HTTP_FIRST     300
#define MX_HTTP_LAST      599
#define MX_CLOSE_FIRST    1000
#define MX_CLOSE_LAST     1015   /* RFC 6455's registered codes */
#define MX_STATUS_SLOTS   ((MX_HTTP_LAST - MX_HTTP_FIRST + 1) \
                           + (MX_CLOSE_LAST - MX_CLOSE_FIRST + 1) + 1)

/* Upper bounds (microseconds) of the Redis round-trip histogram's
 * buckets; one more bucket, +Inf, follows. */
#define MX_RTT_BOUNDS 13
extern const uint32_t mx_rtt_bounds_us[MX_RTT_BOUNDS];

typedef struct mx_block {
    uint32_t magic;
    uint32_t size;
    uint64_t hits;
    uint64_t misses[MX_REASONS];
    uint64_t counters[MX_COUNTERS];
    uint64_t refusals[MX_REASONS][MX_STATUS_SLOTS];
    uint64_t rtt[MX_RTT_BOUNDS + 1];   /* per bucket, not cumulative */
    uint64_t rtt_sum_us;
} mx_block_t;

/* Lay out a new block in mem (sizeof(mx_block_t) bytes, zeroed here). */
void mx_init(mx_block_t *b);

/* 1 if mem holds a block of this layout (one kept over a restart). */
int mx_valid(const void *mem, size_t size);

static inline void mx_add(uint64_t *counter, uint64_t n)
{
    __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static inline void mx_count(mx_block_t *b, mx_counter_t c, uint64_t n)
{
    mx_add(&b->counters[c], n);
}

/* A lookup that found its session, or missed it for reason. */
static inline void mx_hit(mx_block_t *b)
{
    mx_add(&b->hits, 1);
}

void mx_miss(mx_block_t *b, mx_reason_t reason);

/* A request refused for reason and answered with status. */
void mx_refusal(mx_block_t *b, mx_reason_t reason, int status);

/* One round trip to Redis that took us microseconds. */
void mx_rtt(mx_block_t *b, uint64_t us);

/* The label of a reason ("no_cookie"...), or NULL out of range. */
const char *mx_reason_name(mx_reason_t reason);

/* The status a refusal slot stands for (0: "other"). */
int mx_slot_status(int slot);
int mx_status_slot(int status);

/* What the status handler knows of the store besides the block. */
typedef struct mx_store {
    const char *backend;          /* "shm", "redis": a fixed name */
    const st_stats_t *stats;      /* NULL: the store did not answer */
    int rtt;                      /* 1: write the round-trip histogram */
} mx_store_t;

/* Where mx_write puts the text: returns 0, or non-zero to stop. */
typedef int (*mx_out_fn)(void *ctx, const char *s, size_t len);

/* The Prometheus text exposition format 0.0.4 of b and store.  Returns 0,
 * or what out returned when it stopped. */
int mx_write(const mx_block_t *b, const mx_store_t *store, mx_out_fn out,
             void *ctx);

/* 1 if an Accept header asks for the text format: a media range
 * text/plain with version=0.0.4 and a q above 0 (what Prometheus sends
 * beside OpenMetrics), 0 otherwise (a browser's text/plain has no
 * version). */
int mx_accepts_text_format(const char *accept);

#define MX_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
