/*
 * store_bench.c: the session store alone, in one process, with 1 thousand,
 * 100 thousand and 1 million live sessions.
 *
 * Built by bench/run against the repository's own session_table.c and
 * session_cookie.c, so it measures the code the module runs:
 *
 *   lookup  what mod_socketio_auth costs per request before the backend:
 *           find the cookie in a Cookie header, percent-decode, HMAC-SHA256
 *           check (with the slot prefetched meanwhile), id format check,
 *           then st_lookup with touch (the LRU move), copying the record
 *           out, as mod_session_store does.
 *   create  what a login costs besides the password check: a CSPRNG id,
 *           st_create, and the signed, URI-encoded cookie value.
 *
 * The table lives in an anonymous shared mapping like the module's; the
 * lookups visit sessions in random order, so with a million sessions most
 * of them miss the CPU caches, as they would on a busy server.  Each figure
 * is the median over several passes.  Prints one line of JSON.
 */
#define _GNU_SOURCE
#include "session_cookie.h"
#include "session_table.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define PASSES         7
#define LOOKUP_OPS     200000   /* lookups per pass, over as many sessions */
#define CREATE_SAMPLE  20000    /* creates per pass, each undone after */
#define COOKIE_NAME    "express.sid"
#define WIRE_MAX       (3 * SC_SIGNED_LEN + 1)
#define HEADER_MAX     (sizeof(COOKIE_NAME) + WIRE_MAX + 64)

static const char *const secret = "store bench secret, not a real one";

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void fail(const char *what)
{
    fprintf(stderr, "store_bench: %s\n", what);
    exit(1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* xorshift64*: a shuffle order, not a secret. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static void session_for(st_session_t *s, const char *sid, int64_t now,
                        unsigned long n)
{
    memset(s, 0, sizeof(*s));
    memcpy(s->id, sid, SC_SID_LEN + 1);
    snprintf(s->user, sizeof(s->user), "user%lu", n % 5000);
    snprintf(s->remote, sizeof(s->remote), "127.0.0.1");
    s->created = s->last_access = now;
    s->idle_timeout = 1800;
    s->max_age = 86400;
}

/* A new session as the login handler makes one; its Cookie header goes to
 * header (may be NULL). */
static void login_one(st_table_t *t, const sc_key_t *key, unsigned long n,
                      int64_t now, char *sid_out, char *header)
{
    st_session_t s;
    char sid[SC_SID_LEN + 1], signed_val[SC_SIGNED_LEN + 1];
    char wire[WIRE_MAX];
    size_t len;

    if (sc_sid_new(sid) != 0) {
        fail("sc_sid_new failed");
    }
    session_for(&s, sid, now, n);
    if (st_create(t, &s, now, 1, NULL) != ST_OK) {
        fail("st_create failed");
    }
    len = sc_sign(key, sid, SC_SID_LEN, signed_val, sizeof(signed_val));
    if (len == (size_t)-1
        || sc_uri_encode(signed_val, len, wire, sizeof(wire)) == (size_t)-1) {
        fail("signing failed");
    }
    if (sid_out) {
        memcpy(sid_out, sid, SC_SID_LEN + 1);
    }
    if (header) {
        snprintf(header, HEADER_MAX,
                 "io=abc; " COOKIE_NAME "=%s; theme=dark", wire);
    }
}

/* The cookie half of a lookup, as mod_session_store's cookie_session_id. */
static int verify_one(const sc_key_t *key, const char *header,
                      char id[SC_ID_MAX + 1])
{
    const char *val;
    size_t len;

    if (!sc_cookie_find(header, COOKIE_NAME, &val, &len)
        || sc_unsign(key, 1, val, len, id, NULL) != SC_OK
        || !sc_sid_valid(id, strlen(id))) {
        return -1;
    }
    return 0;
}

/* One request's worth of mod_session_store's lookup, in the module's
 * order (cookie_session_id): find, split, start fetching the slot, check
 * the signature while it arrives, check the id, look up. */
static int lookup_one(st_table_t *t, const sc_key_t *key, const char *header,
                      int64_t now)
{
    const char *val;
    size_t len;
    sc_signed_t sv;
    char id[SC_SID_LEN + 1];
    st_session_t found;

    if (!sc_cookie_find(header, COOKIE_NAME, &val, &len)
        || sc_parse(val, len, &sv) != SC_OK) {
        return -1;
    }
    if (sv.id_len == SC_SID_LEN) {
        st_prefetch(t, sv.id);
    }
    if (sc_verify(key, 1, &sv, NULL) != SC_OK
        || !sc_sid_valid(sv.id, sv.id_len)) {
        return -1;
    }
    memcpy(id, sv.id, SC_SID_LEN);
    id[SC_SID_LEN] = '\0';
    return st_lookup(t, id, NULL, now, 1, &found) == ST_OK ? 0 : -1;
}

struct result {
    unsigned long sessions;
    size_t table_bytes;
    double fill_s;
    double lookup_ns;   /* the whole lookup */
    double verify_ns;   /* its cookie half alone */
    double table_ns;    /* its table half alone */
    double create_ns;
};

static void bench_size(unsigned long n, const sc_key_t *key, struct result *r)
{
    /* Room for the creates measured at n live sessions. */
    uint32_t capacity = (uint32_t)(n + CREATE_SAMPLE);
    size_t size = st_table_size(capacity);
    void *mem;
    st_table_t t;
    unsigned long i, sample = n < LOOKUP_OPS ? n : LOOKUP_OPS;
    char (*headers)[HEADER_MAX];
    char (*ids)[SC_SID_LEN + 1];
    char (*fresh)[SC_SID_LEN + 1];
    double lookup_pass[PASSES], verify_pass[PASSES], table_pass[PASSES];
    double create_pass[PASSES];
    int64_t t0, now = wall_us();
    int p;

    mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
               -1, 0);
    if (mem == MAP_FAILED) {
        fail("mmap failed");
    }
    if (st_table_init(&t, mem, size, capacity, rng()) != 0) {
        fail("st_table_init failed");
    }
    headers = malloc(sample * sizeof(*headers));
    ids = malloc(sample * sizeof(*ids));
    fresh = malloc(CREATE_SAMPLE * sizeof(*fresh));
    if (!headers || !ids || !fresh) {
        fail("out of memory");
    }

    /* Fill; keep the cookies of a random sample (reservoir) to look up. */
    t0 = now_ns();
    for (i = 0; i < n; i++) {
        char header[HEADER_MAX], sid[SC_SID_LEN + 1];
        unsigned long slot = i < sample ? i : rng() % (i + 1);
        login_one(&t, key, i, now, sid, header);
        if (slot < sample) {
            memcpy(headers[slot], header, HEADER_MAX);
            memcpy(ids[slot], sid, sizeof(sid));
        }
    }
    r->fill_s = (double)(now_ns() - t0) / 1e9;

    for (p = 0; p < PASSES; p++) {
        /* A new random order every pass (headers and ids alike). */
        for (i = sample - 1; i > 0; i--) {
            unsigned long j = rng() % (i + 1);
            char th[HEADER_MAX], ti[SC_SID_LEN + 1];
            memcpy(th, headers[i], HEADER_MAX);
            memcpy(headers[i], headers[j], HEADER_MAX);
            memcpy(headers[j], th, HEADER_MAX);
            memcpy(ti, ids[i], sizeof(ti));
            memcpy(ids[i], ids[j], sizeof(ti));
            memcpy(ids[j], ti, sizeof(ti));
        }
        /* LOOKUP_OPS each time; a small table is gone through repeatedly. */
        t0 = now_ns();
        for (i = 0; i < LOOKUP_OPS; i++) {
            if (lookup_one(&t, key, headers[i % sample], now) != 0) {
                fail("a live session was not found");
            }
        }
        lookup_pass[p] = (double)(now_ns() - t0) / LOOKUP_OPS;

        /* The same two halves alone, to say where the time goes. */
        t0 = now_ns();
        for (i = 0; i < LOOKUP_OPS; i++) {
            char id[SC_ID_MAX + 1];
            if (verify_one(key, headers[i % sample], id) != 0) {
                fail("a cookie did not verify");
            }
        }
        verify_pass[p] = (double)(now_ns() - t0) / LOOKUP_OPS;
        t0 = now_ns();
        for (i = 0; i < LOOKUP_OPS; i++) {
            st_session_t found;
            if (st_lookup(&t, ids[i % sample], NULL, now, 1, &found) != ST_OK) {
                fail("a live session was not found");
            }
        }
        table_pass[p] = (double)(now_ns() - t0) / LOOKUP_OPS;

        t0 = now_ns();
        for (i = 0; i < CREATE_SAMPLE; i++) {
            login_one(&t, key, n + i, now, fresh[i], NULL);
        }
        create_pass[p] = (double)(now_ns() - t0) / CREATE_SAMPLE;
        /* Back to n live sessions for the next pass. */
        for (i = 0; i < CREATE_SAMPLE; i++) {
            if (st_destroy(&t, fresh[i]) != ST_OK) {
                fail("st_destroy failed");
            }
        }
    }
    {
        char err[256];
        if (st_check(&t, err, sizeof(err)) != 0) {
            fprintf(stderr, "store_bench: table inconsistent: %s\n", err);
            exit(1);
        }
    }
    r->sessions = n;
    r->table_bytes = st_table_size((uint32_t)n);
    r->lookup_ns = median(lookup_pass, PASSES);
    r->verify_ns = median(verify_pass, PASSES);
    r->table_ns = median(table_pass, PASSES);
    r->create_ns = median(create_pass, PASSES);
    free(headers);
    free(ids);
    free(fresh);
    munmap(mem, size);
}

/* One dependent load at a random place in a shared mapping of bytes: what
 * a cache and TLB miss costs on this machine, the floor under a table
 * lookup that must read one slot of a table that size. */
static double bench_random_load(size_t bytes)
{
    size_t lines = bytes / 64, k;
    uint32_t *perm = malloc(lines * sizeof(uint32_t));
    char *buf;
    uint64_t off;
    int64_t t0;
    const int loads = 2000000;
    int i;
    double ns;

    buf = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
               -1, 0);
    if (!perm || buf == MAP_FAILED) {
        fail("out of memory");
    }
    for (k = 0; k < lines; k++) {
        perm[k] = (uint32_t)k;
    }
    /* Sattolo's shuffle: one cycle through every line. */
    for (k = lines - 1; k > 0; k--) {
        size_t j = rng() % k;
        uint32_t tmp = perm[k];
        perm[k] = perm[j];
        perm[j] = tmp;
    }
    for (k = 0; k < lines; k++) {
        *(uint64_t *)(buf + (size_t)perm[k] * 64) =
            (uint64_t)perm[(k + 1) % lines] * 64;
    }
    off = (uint64_t)perm[0] * 64;
    t0 = now_ns();
    for (i = 0; i < loads; i++) {
        off = *(volatile uint64_t *)(buf + off);
    }
    ns = (double)(now_ns() - t0) / loads;
    free(perm);
    munmap(buf, bytes);
    return ns;
}

/* The HMAC alone, for scale: the floor under every lookup. */
static double bench_hmac(const sc_key_t *key)
{
    double pass[PASSES];
    unsigned char mac[32];
    char sid[SC_SID_LEN + 1];
    unsigned volatile sink = 0;
    int p, i;
    const int rounds = 200000;

    if (sc_sid_new(sid) != 0) {
        fail("sc_sid_new failed");
    }
    for (p = 0; p < PASSES; p++) {
        int64_t t0 = now_ns();
        for (i = 0; i < rounds; i++) {
            sid[i % SC_SID_LEN] ^= 1;
            sc_hmac(key, sid, SC_SID_LEN, mac);
            sink += mac[0];
        }
        pass[p] = (double)(now_ns() - t0) / rounds;
    }
    (void)sink;
    return median(pass, PASSES);
}

int main(int argc, char **argv)
{
    unsigned long sizes[8] = { 1000, 100000, 1000000 };
    int nsizes = 3, k;
    struct result res[8];
    sc_key_t key;
    double hmac_ns, load_ns;
    size_t load_bytes;

    /* Sizes may be given to try others: store_bench 1000 50000 ... */
    if (argc > 1) {
        nsizes = 0;
        for (k = 1; k < argc && nsizes < 8; k++) {
            sizes[nsizes++] = strtoul(argv[k], NULL, 10);
        }
    }
    sc_key_init(&key, secret, strlen(secret));
    hmac_ns = bench_hmac(&key);
    load_bytes = st_table_size((uint32_t)sizes[nsizes - 1]);
    load_ns = bench_random_load(load_bytes);
    for (k = 0; k < nsizes; k++) {
        if (sizes[k] == 0 || sizes[k] > 50000000) {
            fail("sizes must be between 1 and 50000000");
        }
        bench_size(sizes[k], &key, &res[k]);
        fprintf(stderr, "store_bench: %lu sessions: lookup %.0f ns (cookie "
                "%.0f + table %.0f), create %.0f ns\n", sizes[k],
                res[k].lookup_ns, res[k].verify_ns, res[k].table_ns,
                res[k].create_ns);
    }

    printf("{\"passes\":%d,\"hmac_ns\":%.1f,\"random_load_ns\":%.1f,"
           "\"random_load_bytes\":%zu,\"sizes\":[", PASSES, hmac_ns, load_ns,
           load_bytes);
    for (k = 0; k < nsizes; k++) {
        printf("%s{\"sessions\":%lu,\"table_bytes\":%zu,"
               "\"bytes_per_session\":%.1f,\"fill_s\":%.3f,"
               "\"lookup_ns\":%.1f,\"verify_ns\":%.1f,\"table_ns\":%.1f,"
               "\"create_ns\":%.1f}",
               k ? "," : "", res[k].sessions, res[k].table_bytes,
               (double)res[k].table_bytes / (double)res[k].sessions,
               res[k].fill_s, res[k].lookup_ns, res[k].verify_ns,
               res[k].table_ns, res[k].create_ns);
    }
    printf("]}\n");
    sc_key_wipe(&key);
    return 0;
}
