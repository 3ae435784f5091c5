/*
 * t_metrics.c: the shared counters and their Prometheus text
 * (core/metrics.c).  The suite's t/admin/metrics.t parses a live server's
 * output with prometheus_client; here are the exact lines, the status
 * slots, the Accept header, and counting from many processes at once.
 */
#include "../../core/metrics.h"
#include "tap.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct text {
    char buf[16384];
    size_t len;
    int calls_left;            /* -1: no limit */
} text;

static int to_text(void *ctx, const char *s, size_t len)
{
    text *t = ctx;

    if (t->calls_left == 0) {
        return 7;
    }
    if (t->calls_left > 0) {
        t->calls_left--;
    }
    if (t->len + len >= sizeof(t->buf)) {
        return -1;
    }
    memcpy(t->buf + t->len, s, len);
    t->len += len;
    t->buf[t->len] = '\0';
    return 0;
}

static int has_line(const text *t, const char *line)
{
    const char *p = t->buf;
    size_t n = strlen(line);

    while ((p = strstr(p, line)) != NULL) {
        if ((p == t->buf || p[-1] == '\n') && p[n] == '\n') {
            return 1;
        }
        p += n;
    }
    return 0;
}

static void test_slots(void)
{
    int slot, seen_other = 0, ok_all = 1;

    is_int(mx_slot_status(mx_status_slot(401)), 401, "401 round trip");
    is_int(mx_slot_status(mx_status_slot(302)), 302, "302 round trip");
    is_int(mx_slot_status(mx_status_slot(503)), 503, "503 round trip");
    is_int(mx_slot_status(mx_status_slot(1008)), 1008,
           "WebSocket close 1008 round trip");
    is_int(mx_slot_status(mx_status_slot(200)), 0, "200 is other");
    is_int(mx_slot_status(mx_status_slot(-1)), 0, "-1 is other");
    is_int(mx_slot_status(mx_status_slot(4000)), 0, "4000 is other");
    for (slot = 0; slot < MX_STATUS_SLOTS; slot++) {
        int status = mx_slot_status(slot);
        if (status == 0) {
            seen_other++;
        }
        else if (mx_status_slot(status) != slot) {
            ok_all = 0;
        }
    }
    ok(ok_all, "every slot maps to a status and back");
    is_int(seen_other, 1, "one slot is other");
    is_str(mx_reason_name(MX_NO_COOKIE), "no_cookie", "reason name");
    ok(mx_reason_name(MX_REASONS) == NULL, "out of range: NULL");
}

static void test_exposition(void)
{
    static mx_block_t b;
    st_stats_t st;
    mx_store_t store = { "shm", &st, 0 };
    text t;

    memset(&t, 0, sizeof(t));
    t.calls_left = -1;
    mx_init(&b);
    ok(mx_valid(&b, sizeof(b)), "a fresh block is valid");
    ok(!mx_valid(&b, sizeof(b) - 8), "not at another size");
    memset(&st, 0, sizeof(st));
    st.capacity = 50;
    st.used = 3;
    st.creates = 7;
    st.login_failures = 2;
    st.repairs = 1;
    mx_hit(&b);
    mx_hit(&b);
    mx_miss(&b, MX_NO_COOKIE);
    mx_miss(&b, MX_EXPIRED);
    mx_miss(&b, MX_REASONS);              /* ignored */
    mx_count(&b, MX_LOGIN_THROTTLED, 4);
    mx_count(&b, MX_REVOKED, 2);
    mx_refusal(&b, MX_NO_COOKIE, 401);
    mx_refusal(&b, MX_NO_COOKIE, 401);
    mx_refusal(&b, MX_NO_COOKIE, 302);
    mx_refusal(&b, MX_NOT_AUTHORIZED, 403);
    mx_refusal(&b, MX_EXPIRED, 1008);
    mx_refusal(&b, MX_UNAVAILABLE, 200);
    is_int(mx_write(&b, &store, to_text, &t), 0, "written");
    ok(has_line(&t, "# TYPE session_store_sessions gauge"), "TYPE line");
    ok(has_line(&t, "session_store_up{backend=\"shm\"} 1"), "up");
    ok(has_line(&t, "session_store_sessions 3"), "sessions");
    ok(has_line(&t, "session_store_capacity 50"), "capacity");
    ok(has_line(&t, "session_store_logins_total 7"), "logins");
    ok(has_line(&t, "session_store_login_failures_total 2"), "failures");
    ok(has_line(&t, "session_store_lock_repairs_total 1"), "repairs");
    ok(has_line(&t, "session_store_lookups_total 4"), "lookups: 2 + 2");
    ok(has_line(&t, "session_store_lookup_hits_total 2"), "hits");
    ok(has_line(&t, "session_store_lookup_misses_total{reason=\"no_cookie\"}"
                " 1"), "miss by reason");
    ok(has_line(&t, "session_store_lookup_misses_total{reason=\"bad_"
                "signature\"} 0"), "a reason with none is 0");
    ok(!strstr(t.buf, "misses_total{reason=\"not_authorized\"}"),
       "not_authorized is no lookup miss");
    ok(has_line(&t, "session_store_logins_throttled_total 4"), "throttled");
    ok(has_line(&t, "session_store_revocations_total 2"), "revocations");
    ok(has_line(&t, "socketio_auth_refusals_total{reason=\"no_cookie\","
                "status=\"401\"} 2"), "refusals by reason and status");
    ok(has_line(&t, "socketio_auth_refusals_total{reason=\"no_cookie\","
                "status=\"302\"} 1"), "a redirect to the login");
    ok(has_line(&t, "socketio_auth_refusals_total{reason=\"not_authorized\","
                "status=\"403\"} 1"), "Require");
    ok(has_line(&t, "socketio_auth_refusals_total{reason=\"expired\","
                "status=\"1008\"} 1"), "a live socket closed");
    ok(has_line(&t, "socketio_auth_refusals_total{reason=\"unavailable\","
                "status=\"other\"} 1"), "an odd status");
    ok(!strstr(t.buf, "status=\"404\""), "no series without refusals");
    ok(!strstr(t.buf, "redis_roundtrip"), "no histogram without Redis");
    ok(t.buf[t.len - 1] == '\n', "ends with a newline");

    /* The store did not answer: its numbers are left out, ours stay. */
    memset(&t, 0, sizeof(t));
    t.calls_left = -1;
    store.stats = NULL;
    mx_write(&b, &store, to_text, &t);
    ok(has_line(&t, "session_store_up{backend=\"shm\"} 0"), "up 0");
    ok(!strstr(t.buf, "session_store_sessions "), "no sessions then");
    ok(has_line(&t, "session_store_lookup_hits_total 2"), "hits still");

    memset(&t, 0, sizeof(t));
    t.calls_left = 3;
    is_int(mx_write(&b, &store, to_text, &t), 7,
           "the writer's error stops the output and is returned");
}

static void test_histogram(void)
{
    static mx_block_t b;
    st_stats_t st;
    mx_store_t store = { "redis", &st, 1 };
    text t;

    memset(&t, 0, sizeof(t));
    memset(&st, 0, sizeof(st));
    t.calls_left = -1;
    mx_init(&b);
    mx_rtt(&b, 80);          /* <= 0.0001 */
    mx_rtt(&b, 100);         /* <= 0.0001: le is inclusive */
    mx_rtt(&b, 101);         /* <= 0.00025 */
    mx_rtt(&b, 3000000);     /* +Inf only */
    mx_write(&b, &store, to_text, &t);
    ok(has_line(&t, "# TYPE session_store_redis_roundtrip_seconds "
                "histogram"), "histogram TYPE");
    ok(has_line(&t, "session_store_redis_roundtrip_seconds_bucket"
                "{le=\"0.0001\"} 2"), "first bucket");
    ok(has_line(&t, "session_store_redis_roundtrip_seconds_bucket"
                "{le=\"0.00025\"} 3"), "cumulative");
    ok(has_line(&t, "session_store_redis_roundtrip_seconds_bucket"
                "{le=\"1\"} 3"), "last finite bucket");
    ok(has_line(&t, "session_store_redis_roundtrip_seconds_bucket"
                "{le=\"+Inf\"} 4"), "+Inf");
    ok(has_line(&t, "session_store_redis_roundtrip_seconds_count 4"),
       "count equals +Inf");
    ok(has_line(&t, "session_store_redis_roundtrip_seconds_sum 3.000281"),
       "sum in seconds, exactly");
    ok(!strstr(t.buf, "session_store_capacity"), "no capacity of 0");
    ok(!strstr(t.buf, "session_store_sessions "),
       "nor a count of sessions: a store without capacity keeps none");
}

static void test_accept(void)
{
    ok(mx_accepts_text_format("application/openmetrics-text;version=1.0.0,"
                              "application/openmetrics-text;version=0.0.1;"
                              "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;"
                              "q=0.1"), "what Prometheus sends");
    ok(mx_accepts_text_format("text/plain; version=0.0.4"), "with a blank");
    ok(mx_accepts_text_format("TEXT/Plain;Version=\"0.0.4\""),
       "case, quotes");
    ok(!mx_accepts_text_format("text/plain"), "no version: a person");
    ok(!mx_accepts_text_format("text/plain;version=0.0.4;q=0"),
       "q=0 refuses it");
    ok(!mx_accepts_text_format("text/plain;version=0.0.4;q=0.000"),
       "q=0.000 too");
    ok(mx_accepts_text_format("text/plain;version=0.0.4;q=0.001"),
       "q=0.001 is some");
    ok(!mx_accepts_text_format("text/html,application/xhtml+xml,*/*;q=0.8"),
       "a browser");
    ok(!mx_accepts_text_format("text/plainx;version=0.0.4"), "another type");
    ok(!mx_accepts_text_format(""), "empty");
    ok(!mx_accepts_text_format(NULL), "none");
    ok(!mx_accepts_text_format(";;,,=;"), "junk");
}

/* Eight processes count into one shared block at once: no count lost. */
static void test_processes(void)
{
    mx_block_t *b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int i, status, all_ok = 1;
    const int procs = 8, each = 50000;

    if (!ok(b != MAP_FAILED, "shared mapping")) {
        return;
    }
    mx_init(b);
    for (i = 0; i < procs; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            int k;
            for (k = 0; k < each; k++) {
                mx_hit(b);
                mx_refusal(b, MX_NOT_FOUND, 401);
                mx_rtt(b, 1);
            }
            _exit(0);
        }
    }
    for (i = 0; i < procs; i++) {
        if (wait(&status) < 0 || !WIFEXITED(status)
            || WEXITSTATUS(status) != 0) {
            all_ok = 0;
        }
    }
    ok(all_ok, "the children exited cleanly");
    is_int(b->hits, procs * each, "every hit counted");
    is_int(b->refusals[MX_NOT_FOUND][mx_status_slot(401)], procs * each,
           "every refusal counted");
    is_int(b->rtt_sum_us, procs * each, "every round trip summed");
    munmap(b, sizeof(*b));
}

int main(void)
{
    test_slots();
    test_exposition();
    test_histogram();
    test_accept();
    test_processes();
    return done_testing();
}
