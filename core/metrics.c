/*
 * metrics.c: the shared counters and their Prometheus text exposition
 * (https://prometheus.io/docs/instrumenting/exposition_formats/, the text
 * format 0.0.4).
 */
#include "metrics.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MX_MAGIC 0x6d783031u   /* "mx01" */

const uint32_t mx_rtt_bounds_us[MX_RTT_BOUNDS] = {
    100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
    500000, 1000000
};

static const char *const reason_names[MX_REASONS] = {
    "no_cookie", "malformed", "bad_signature", "not_found", "expired",
    "other_realm", "unavailable", "not_authorized"
};

void mx_init(mx_block_t *b)
{
    memset(b, 0, sizeof(*b));
    b->magic = MX_MAGIC;
    b->size = (uint32_t)sizeof(*b);
}

int mx_valid(const void *mem, size_t size)
{
    const mx_block_t *b = mem;

    return mem && size == sizeof(*b) && b->magic == MX_MAGIC
           && b->size == sizeof(*b);
}

const char *mx_reason_name(mx_reason_t reason)
{
    return (unsigned)reason < MX_REASONS ? reason_names[reason] : NULL;
}

int mx_status_slot(int status)
{
    if (status >= MX_HTTP_FIRST && status <= MX_HTTP_LAST) {
        return status - MX_HTTP_FIRST;
    }
    if (status >= MX_CLOSE_FIRST && status <= MX_CLOSE_LAST) {
        return (MX_HTTP_LAST - MX_HTTP_FIRST + 1) + status - MX_CLOSE_FIRST;
    }
    return MX_STATUS_SLOTS - 1;
}

int mx_slot_status(int slot)
{
    const int http = MX_HTTP_LAST - MX_HTTP_FIRST + 1;

    if (slot >= 0 && slot < http) {
        return MX_HTTP_FIRST + slot;
    }
    if (slot >= http && slot < MX_STATUS_SLOTS - 1) {
        return MX_CLOSE_FIRST + slot - http;
    }
    return 0;
}

void mx_miss(mx_block_t *b, mx_reason_t reason)
{
    if ((unsigned)reason < MX_REASONS) {
        mx_add(&b->misses[reason], 1);
    }
}

void mx_refusal(mx_block_t *b, mx_reason_t reason, int status)
{
    if ((unsigned)reason < MX_REASONS) {
        mx_add(&b->refusals[reason][mx_status_slot(status)], 1);
    }
}

void mx_rtt(mx_block_t *b, uint64_t us)
{
    int i = 0;

    while (i < MX_RTT_BOUNDS && us > mx_rtt_bounds_us[i]) {
        i++;
    }
    mx_add(&b->rtt[i], 1);
    mx_add(&b->rtt_sum_us, us);
}

static uint64_t get(const uint64_t *counter)
{
    return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

/* ---- the exposition ---- */

typedef struct writer {
    mx_out_fn out;
    void *ctx;
    int rv;
} writer;

static void put(writer *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(writer *w, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    int n;

    if (w->rv) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* Every line here is made of fixed names and numbers: far shorter. */
    if (n < 0 || (size_t)n >= sizeof(line)) {
        w->rv = -1;
        return;
    }
    w->rv = w->out(w->ctx, line, (size_t)n);
}

static void family(writer *w, const char *name, const char *type,
                   const char *help)
{
    put(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(writer *w, const char *name, const char *type,
                const char *help, uint64_t value)
{
    family(w, name, type, help);
    put(w, "%s %" PRIu64 "\n", name, value);
}

/* Microseconds as seconds, exactly, without trailing zeros (0.00025,
 * 1), as Prometheus's own clients write bucket bounds. */
static const char *seconds(char buf[32], uint64_t us)
{
    int n = snprintf(buf, 32, "%" PRIu64 ".%06" PRIu64, us / 1000000,
                     us % 1000000);

    while (n > 0 && buf[n - 1] == '0') {
        buf[--n] = '\0';
    }
    if (n > 0 && buf[n - 1] == '.') {
        buf[--n] = '\0';
    }
    return buf;
}

static void write_store(writer *w, const mx_store_t *store)
{
    const st_stats_t *st = store->stats;

    family(w, "session_store_up", "gauge",
           "1 if the session store answered this scrape, 0 if not");
    put(w, "session_store_up{backend=\"%s\"} %d\n", store->backend,
        st != NULL);
    if (!st) {
        return;
    }
    /* A store without a capacity (Redis) keeps no count of its sessions
     * either: no number rather than a wrong one. */
    if (st->capacity) {
        one(w, "session_store_sessions", "gauge",
            "Live sessions in the store", st->used);
        one(w, "session_store_capacity", "gauge",
            "Sessions the store holds (SessionStoreCapacity)",
            st->capacity);
    }
    one(w, "session_store_logins_total", "counter",
        "Sessions created: form logins and adoptions", st->creates);
    one(w, "session_store_login_failures_total", "counter",
        "Form logins refused: a wrong password, an unknown user, or the "
        "throttle",
        st->login_failures);
    one(w, "session_store_expired_total", "counter",
        "Sessions that ended idle or too old", st->expired);
    one(w, "session_store_evictions_total", "counter",
        "Live sessions dropped to make room (SessionStoreCapacity, "
        "SessionStoreMaxPerUser)", st->evictions);
    one(w, "session_store_destroyed_total", "counter",
        "Sessions ended on request: logouts, revocations, a login "
        "replacing its predecessor", st->destroys);
    one(w, "session_store_lock_repairs_total", "counter",
        "Times the store's lock was taken over from a process that died "
        "holding it", st->repairs);
}

static void write_lookups(writer *w, const mx_block_t *b)
{
    uint64_t all = get(&b->hits);
    int i;

    for (i = 0; i < MX_REASONS; i++) {
        all += get(&b->misses[i]);
    }
    one(w, "session_store_lookups_total", "counter",
        "Requests whose session was looked up", all);
    one(w, "session_store_lookup_hits_total", "counter",
        "Lookups that found a live session", get(&b->hits));
    family(w, "session_store_lookup_misses_total", "counter",
           "Lookups that found no live session, by reason");
    for (i = 0; i < MX_REASONS; i++) {
        if (i != MX_NOT_AUTHORIZED) {
            put(w, "session_store_lookup_misses_total{reason=\"%s\"} %"
                PRIu64 "\n", reason_names[i], get(&b->misses[i]));
        }
    }
}

static void write_refusals(writer *w, const mx_block_t *b)
{
    int i, slot;

    family(w, "socketio_auth_refusals_total", "counter",
           "Requests AuthType SocketIO refused, by reason and status "
           "(a series appears with its first refusal)");
    for (i = 0; i < MX_REASONS; i++) {
        for (slot = 0; slot < MX_STATUS_SLOTS; slot++) {
            uint64_t n = get(&b->refusals[i][slot]);
            int status = mx_slot_status(slot);
            char code[16];

            if (!n) {
                continue;
            }
            if (status) {
                snprintf(code, sizeof(code), "%d", status);
            }
            else {
                strcpy(code, "other");
            }
            put(w, "socketio_auth_refusals_total{reason=\"%s\","
                "status=\"%s\"} %" PRIu64 "\n", reason_names[i], code, n);
        }
    }
}

static void write_rtt(writer *w, const mx_block_t *b)
{
    const char *name = "session_store_redis_roundtrip_seconds";
    uint64_t cumulative = 0;
    char buf[32];
    int i;

    family(w, name, "histogram", "Round trips to Redis, from the first "
           "command written to the last reply read");
    for (i = 0; i < MX_RTT_BOUNDS; i++) {
        cumulative += get(&b->rtt[i]);
        put(w, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", name,
            seconds(buf, mx_rtt_bounds_us[i]), cumulative);
    }
    /* The count is the buckets' sum, so that +Inf always equals it. */
    cumulative += get(&b->rtt[MX_RTT_BOUNDS]);
    put(w, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, cumulative);
    put(w, "%s_sum %s\n", name, seconds(buf, get(&b->rtt_sum_us)));
    put(w, "%s_count %" PRIu64 "\n", name, cumulative);
}

int mx_write(const mx_block_t *b, const mx_store_t *store, mx_out_fn out,
             void *ctx)
{
    writer w = { out, ctx, 0 };

    write_store(&w, store);
    write_lookups(&w, b);
    one(&w, "session_store_logins_throttled_total", "counter",
        "Logins refused by SessionStoreLoginThrottle before their password "
        "was checked", get(&b->counters[MX_LOGIN_THROTTLED]));
    one(&w, "session_store_adoptions_total", "counter",
        "Sessions created by session-store-adopt for a user another module "
        "authenticated", get(&b->counters[MX_ADOPTED]));
    one(&w, "session_store_revocations_total", "counter",
        "Sessions ended by session-store-admin",
        get(&b->counters[MX_REVOKED]));
    one(&w, "session_store_errors_total", "counter",
        "Store operations that could not be answered (each a 503 or a "
        "failed operation)", get(&b->counters[MX_STORE_ERRORS]));
    write_refusals(&w, b);
    if (store->rtt) {
        write_rtt(&w, b);
    }
    return w.rv;
}

/* ---- Accept ---- */

static const char *skip_ows(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t')) {
        s++;
    }
    return s;
}

/* [s, end) with the blanks around it trimmed equals want, case folded. */
static int trimmed_is(const char *s, const char *end, const char *want)
{
    size_t n = strlen(want);

    s = skip_ows(s, end);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t')) {
        end--;
    }
    return (size_t)(end - s) == n && strncasecmp(s, want, n) == 0;
}

/* One media range, "type/subtype;param=value;...", from s to end. */
static int range_asks_text(const char *s, const char *end)
{
    const char *semi = memchr(s, ';', (size_t)(end - s));
    int version = 0, q_zero = 0;

    if (!trimmed_is(s, semi ? semi : end, "text/plain")) {
        return 0;
    }
    while (semi) {
        const char *p = semi + 1, *eq;

        semi = memchr(p, ';', (size_t)(end - p));
        eq = memchr(p, '=', (size_t)((semi ? semi : end) - p));
        if (!eq) {
            continue;
        }
        if (trimmed_is(p, eq, "version")) {
            version = trimmed_is(eq + 1, semi ? semi : end, "0.0.4")
                      || trimmed_is(eq + 1, semi ? semi : end, "\"0.0.4\"");
        }
        else if (trimmed_is(p, eq, "q")) {
            const char *v = skip_ows(eq + 1, semi ? semi : end);
            const char *ve = semi ? semi : end;
            q_zero = 1;
            for (; v < ve && *v != ' ' && *v != '\t'; v++) {
                if (isdigit((unsigned char)*v) && *v != '0') {
                    q_zero = 0;
                }
            }
        }
    }
    return version && !q_zero;
}

int mx_accepts_text_format(const char *accept)
{
    const char *s = accept;

    while (s && *s) {
        const char *comma = strchr(s, ',');
        const char *end = comma ? comma : s + strlen(s);

        if (range_asks_text(s, end)) {
            return 1;
        }
        s = comma ? comma + 1 : NULL;
    }
    return 0;
}
