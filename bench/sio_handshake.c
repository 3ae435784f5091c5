/*
 * sio_handshake.c: Socket.IO v4 handshakes over the WebSocket transport,
 * many at once, from one epoll loop.
 *
 * Each connection does what a websocket-only socket.io-client does:
 *   GET <path>?EIO=4&transport=websocket  (Upgrade, Cookie)
 *   <- 101, then Engine.IO's open packet  0{"sid":...}
 *   -> 40                                 (Socket.IO connect, namespace /)
 *   <- 40{"sid":...}  accepted,  or  44{...}  refused by a middleware
 * and then closes (close frame, wait for the server's, reset).  A refusal
 * can also come as an HTTP status instead of the 101 (what an edge module
 * does): 401 and 403 count as refused, anything else as a failure.
 *
 * Written in C rather than Node so that on a 2-core machine the load
 * generator takes as little CPU as possible from the servers it measures.
 *
 * Two modes:
 *   rate  keep --concurrency handshakes in flight for --duration seconds;
 *         print how many ended as expected per second.
 *   hold  open --hold connections (at most --concurrency handshaking at a
 *         time), keep the accepted ones open answering Engine.IO pings,
 *         write --ready-file when every one has ended its handshake, hold
 *         --hold-seconds more, counting connections that drop, then close.
 * Output: one line of JSON on stdout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE     4096
#define MAX_REASONS  16

enum expect { EXPECT_ACCEPT, EXPECT_REFUSE };

enum conn_state {
    C_FREE = 0,
    C_CONNECTING,
    C_HTTP,          /* request sent, reading the response head */
    C_WAIT_OPEN,     /* 101 seen, waiting for Engine.IO's open packet */
    C_WAIT_CONNECT,  /* "40" sent, waiting for Socket.IO's answer */
    C_HELD,          /* accepted and kept open (hold mode) */
    C_CLOSING        /* close frame sent, waiting for the server's */
};

enum outcome { OUT_ACCEPTED, OUT_REFUSED, OUT_FAILED };

typedef struct conn {
    int fd;
    enum conn_state state;
    enum outcome outcome;   /* decided before C_CLOSING */
    const char *fail_reason;
    int64_t started_us;
    int64_t deadline_us;
    size_t len;
    unsigned char buf[BUF_SIZE];
} conn_t;

typedef struct reason_count {
    const char *reason;
    unsigned long count;
} reason_count_t;

static struct {
    const char *host;
    int port;
    const char *path;
    char **cookies;
    size_t ncookies;
    int concurrency;
    double duration;
    enum expect expect;
    int hold;
    double hold_seconds;
    const char *ready_file;
    int timeout_ms;
} opt = {
    "127.0.0.1", 0, "/socket.io/", NULL, 0, 32, 5.0, EXPECT_ACCEPT,
    0, 10.0, NULL, 10000
};

static struct {
    unsigned long started, accepted, refused, failed;
    unsigned long in_window;     /* ended as expected inside the window */
    unsigned long dropped;       /* hold mode: accepted, then lost */
    reason_count_t reasons[MAX_REASONS];
    uint32_t *lat_us;            /* latency of each expected outcome */
    size_t nlat, lat_cap;
} stats;

static int epfd;
static conn_t *conns;
static int nconns;
static int *free_list;
static int nfree;
static struct sockaddr_in target;
static volatile sig_atomic_t interrupted;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *what)
{
    fprintf(stderr, "sio_handshake: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void note_reason(const char *reason)
{
    int i;
    for (i = 0; i < MAX_REASONS; i++) {
        if (!stats.reasons[i].reason) {
            stats.reasons[i].reason = reason;
        }
        if (stats.reasons[i].reason == reason
            || !strcmp(stats.reasons[i].reason, reason)) {
            stats.reasons[i].count++;
            return;
        }
    }
}

static void note_latency(int64_t us)
{
    if (stats.nlat == stats.lat_cap) {
        stats.lat_cap = stats.lat_cap ? stats.lat_cap * 2 : 65536;
        stats.lat_us = realloc(stats.lat_us, stats.lat_cap * sizeof(uint32_t));
        if (!stats.lat_us) {
            die("realloc");
        }
    }
    stats.lat_us[stats.nlat++] = (uint32_t)(us > UINT32_MAX ? UINT32_MAX : us);
}

/* Close without lingering: a reset leaves no TIME_WAIT behind on this
 * side, so tens of thousands of handshakes a run do not exhaust the
 * ephemeral ports. */
static void conn_release(conn_t *c)
{
    struct linger lg = { 1, 0 };
    if (c->fd >= 0) {
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        close(c->fd);
    }
    c->fd = -1;
    c->state = C_FREE;
    free_list[nfree++] = (int)(c - conns);
}

/* The handshake is over (one way or another): count it. */
static void conn_decided(conn_t *c, enum outcome out, const char *reason,
                         int64_t window_end)
{
    int64_t t = now_us();
    int expected;

    c->outcome = out;
    switch (out) {
    case OUT_ACCEPTED: stats.accepted++; break;
    case OUT_REFUSED:  stats.refused++;  break;
    case OUT_FAILED:   stats.failed++;   note_reason(reason); break;
    }
    expected = (out == OUT_ACCEPTED && opt.expect == EXPECT_ACCEPT)
            || (out == OUT_REFUSED && opt.expect == EXPECT_REFUSE);
    if (expected) {
        note_latency(t - c->started_us);
        if (t <= window_end) {
            stats.in_window++;
        }
    }
    else if (out != OUT_FAILED) {
        note_reason(out == OUT_ACCEPTED ? "accepted, expected a refusal"
                                        : "refused, expected an accept");
    }
}

static int send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;   /* a few bytes on a fresh socket: never EAGAIN */
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* A masked client frame (RFC 6455 5.3); payloads here are tiny. */
static int send_frame(conn_t *c, int opcode, const void *payload, size_t len)
{
    unsigned char frame[2 + 4 + 125];
    static const unsigned char mask[4] = { 0x37, 0xfa, 0x21, 0x3d };
    size_t i;

    if (len > 125) {
        return -1;
    }
    frame[0] = (unsigned char)(0x80 | opcode);
    frame[1] = (unsigned char)(0x80 | len);
    memcpy(frame + 2, mask, 4);
    for (i = 0; i < len; i++) {
        frame[6 + i] = ((const unsigned char *)payload)[i] ^ mask[i % 4];
    }
    return send_all(c->fd, frame, 6 + len);
}

static void start_close(conn_t *c)
{
    static const unsigned char normal[2] = { 0x03, 0xe8 };  /* 1000 */
    if (send_frame(c, 0x8, normal, sizeof(normal)) < 0) {
        conn_release(c);
        return;
    }
    c->state = C_CLOSING;
}

static int conn_open(int64_t now)
{
    conn_t *c;
    int fd, one = 1;
    struct epoll_event ev;

    if (nfree == 0) {
        return -1;
    }
    c = &conns[free_list[--nfree]];
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        free_list[nfree++] = (int)(c - conns);
        if (errno == EMFILE || errno == ENFILE) {
            return -1;
        }
        die("socket");
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->fd = fd;
    c->len = 0;
    c->started_us = now;
    c->deadline_us = now + (int64_t)opt.timeout_ms * 1000;
    c->state = C_CONNECTING;
    stats.started++;
    if (connect(fd, (struct sockaddr *)&target, sizeof(target)) < 0
        && errno != EINPROGRESS) {
        conn_decided(c, OUT_FAILED, errno == EADDRNOTAVAIL
                     ? "connect: no free local port" : "connect refused",
                     INT64_MAX);
        conn_release(c);
        return 0;
    }
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
    ev.data.ptr = c;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        die("epoll_ctl");
    }
    return 0;
}

static int send_request(conn_t *c)
{
    char req[2048];
    const char *cookie = opt.ncookies
        ? opt.cookies[stats.started % opt.ncookies] : NULL;
    int n = snprintf(req, sizeof(req),
        "GET %s?EIO=4&transport=websocket HTTP/1.1\r\n"
        "Host: %s:%d\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        "%s%s%s"
        "\r\n",
        opt.path, opt.host, opt.port,
        cookie ? "Cookie: " : "", cookie ? cookie : "", cookie ? "\r\n" : "");
    struct epoll_event ev;

    if (n < 0 || (size_t)n >= sizeof(req)) {
        return -1;
    }
    if (send_all(c->fd, req, (size_t)n) < 0) {
        return -1;
    }
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.ptr = c;
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
        die("epoll_ctl");
    }
    c->state = C_HTTP;
    return 0;
}

/* One complete server frame at the head of the buffer: 1 with its opcode
 * and payload, 0 when more bytes are needed, -1 when it cannot be ours. */
static int next_frame(conn_t *c, int *opcode, const unsigned char **payload,
                      size_t *plen, size_t *flen)
{
    size_t hdr = 2, len;
    if (c->len < 2) {
        return 0;
    }
    if (c->buf[1] & 0x80) {
        return -1;   /* servers never mask */
    }
    len = c->buf[1] & 0x7f;
    if (len == 126) {
        if (c->len < 4) {
            return 0;
        }
        len = ((size_t)c->buf[2] << 8) | c->buf[3];
        hdr = 4;
    }
    else if (len == 127) {
        return -1;   /* nothing in a handshake is that long */
    }
    if (hdr + len > BUF_SIZE) {
        return -1;
    }
    if (c->len < hdr + len) {
        return 0;
    }
    *opcode = c->buf[0] & 0x0f;
    *payload = c->buf + hdr;
    *plen = len;
    *flen = hdr + len;
    return 1;
}

static void consume(conn_t *c, size_t n)
{
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
}

static void fail(conn_t *c, const char *reason, int64_t window_end)
{
    if (c->state == C_HELD) {
        stats.dropped++;
        note_reason(reason);
    }
    else if (c->state != C_CLOSING) {
        conn_decided(c, OUT_FAILED, reason, window_end);
    }
    conn_release(c);
}

/* The handshake has an outcome: keep the socket (hold), or close it. */
static void finish(conn_t *c, enum outcome out, const char *reason,
                   int64_t window_end)
{
    conn_decided(c, out, reason, window_end);
    if (opt.hold && out == OUT_ACCEPTED) {
        c->state = C_HELD;
        c->deadline_us = INT64_MAX;
    }
    else {
        start_close(c);
    }
}

static void handle_http(conn_t *c, int64_t window_end)
{
    unsigned char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    int status;

    if (!end) {
        if (c->len == BUF_SIZE) {
            fail(c, "response head too long", window_end);
        }
        return;
    }
    if (c->len < 12 || memcmp(c->buf, "HTTP/1.1 ", 9) != 0) {
        fail(c, "not an HTTP/1.1 response", window_end);
        return;
    }
    status = atoi((const char *)c->buf + 9);
    if (status == 401 || status == 403) {
        conn_decided(c, OUT_REFUSED, NULL, window_end);
        conn_release(c);
        return;
    }
    if (status != 101) {
        static char reasons[8][32];
        static int nreasons;
        int i;
        /* Reasons are kept by pointer: one string per distinct status. */
        for (i = 0; i < nreasons; i++) {
            if (atoi(reasons[i] + 5) == status) {
                break;
            }
        }
        if (i == nreasons && nreasons < 8) {
            snprintf(reasons[nreasons++], sizeof(reasons[0]), "HTTP %d", status);
        }
        fail(c, i < 8 ? reasons[i] : "HTTP other", window_end);
        return;
    }
    consume(c, (size_t)(end + 4 - c->buf));
    c->state = C_WAIT_OPEN;
}

static void handle_frames(conn_t *c, int64_t window_end)
{
    int opcode, r;
    const unsigned char *p;
    size_t plen, flen;

    while (c->state != C_FREE
           && (r = next_frame(c, &opcode, &p, &plen, &flen)) != 0) {
        if (r < 0) {
            fail(c, "bad WebSocket frame", window_end);
            return;
        }
        if (opcode == 0x8) {   /* close */
            if (c->state == C_CLOSING) {
                conn_release(c);
            }
            else {
                fail(c, "closed by the server", window_end);
            }
            return;
        }
        if (opcode == 0x9) {   /* WebSocket ping: pong with its payload */
            if (plen <= 125 && send_frame(c, 0xA, p, plen) < 0) {
                fail(c, "send failed", window_end);
                return;
            }
        }
        else if (opcode == 0x1 && plen >= 1) {
            switch (c->state) {
            case C_WAIT_OPEN:
                if (plen >= 2 && p[0] == '0' && p[1] == '{') {
                    if (send_frame(c, 0x1, "40", 2) < 0) {
                        fail(c, "send failed", window_end);
                        return;
                    }
                    c->state = C_WAIT_CONNECT;
                }
                else {
                    consume(c, flen);
                    fail(c, "no Engine.IO open packet", window_end);
                    return;
                }
                break;
            case C_WAIT_CONNECT:
                if (plen >= 3 && p[0] == '4' && p[1] == '0' && p[2] == '{') {
                    consume(c, flen);
                    finish(c, OUT_ACCEPTED, NULL, window_end);
                    continue;
                }
                if (plen >= 2 && p[0] == '4' && p[1] == '4') {
                    consume(c, flen);
                    finish(c, OUT_REFUSED, NULL, window_end);
                    continue;
                }
                if (p[0] == '2' && send_frame(c, 0x1, "3", 1) < 0) {
                    fail(c, "send failed", window_end);
                    return;
                }
                break;
            case C_HELD:
                /* Engine.IO heartbeat: the server pings, the client pongs. */
                if (p[0] == '2' && send_frame(c, 0x1, "3", 1) < 0) {
                    fail(c, "send failed", window_end);
                    return;
                }
                break;
            default:
                break;
            }
        }
        if (c->state != C_FREE) {
            consume(c, flen);
        }
    }
}

static void on_event(conn_t *c, uint32_t events, int64_t window_end)
{
    if (c->state == C_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof(err);
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
            fail(c, err == ECONNREFUSED ? "connect refused" : "connect failed",
                 window_end);
            return;
        }
        if (!(events & EPOLLOUT)) {
            return;
        }
        if (send_request(c) < 0) {
            fail(c, "send failed", window_end);
        }
        return;
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        for (;;) {
            ssize_t n;
            if (c->len == BUF_SIZE) {
                fail(c, "receive buffer full", window_end);
                return;
            }
            n = recv(c->fd, c->buf + c->len, BUF_SIZE - c->len, 0);
            if (n > 0) {
                c->len += (size_t)n;
                if (c->state == C_HTTP) {
                    handle_http(c, window_end);
                }
                if (c->state == C_WAIT_OPEN || c->state == C_WAIT_CONNECT
                    || c->state == C_HELD || c->state == C_CLOSING) {
                    handle_frames(c, window_end);
                }
                if (c->state == C_FREE) {
                    return;
                }
                continue;
            }
            if (n == 0) {
                if (c->state == C_CLOSING) {
                    conn_release(c);
                }
                else {
                    fail(c, c->state == C_HTTP ? "closed before a response"
                                               : "closed by the server",
                         window_end);
                }
                return;
            }
            if (errno == EAGAIN || errno == EINTR) {
                return;
            }
            fail(c, errno == ECONNRESET ? "connection reset" : "recv failed",
                 window_end);
            return;
        }
    }
}

static void expire(int64_t now, int64_t window_end)
{
    int i;
    for (i = 0; i < nconns; i++) {
        conn_t *c = &conns[i];
        if (c->state != C_FREE && c->state != C_HELD && now > c->deadline_us) {
            if (c->state == C_CLOSING) {
                conn_release(c);   /* the handshake itself was counted */
            }
            else {
                fail(c, "timed out", window_end);
            }
        }
    }
}

static int in_progress(void)
{
    int i, n = 0;
    for (i = 0; i < nconns; i++) {
        if (conns[i].state != C_FREE && conns[i].state != C_HELD) {
            n++;
        }
    }
    return n;
}

static int held(void)
{
    int i, n = 0;
    for (i = 0; i < nconns; i++) {
        n += conns[i].state == C_HELD;
    }
    return n;
}

static void poll_once(int timeout_ms, int64_t window_end)
{
    struct epoll_event evs[256];
    int n, i;

    n = epoll_wait(epfd, evs, 256, timeout_ms);
    if (n < 0) {
        if (errno == EINTR) {
            return;
        }
        die("epoll_wait");
    }
    for (i = 0; i < n; i++) {
        conn_t *c = evs[i].data.ptr;
        if (c->state != C_FREE) {
            on_event(c, evs[i].events, window_end);
        }
    }
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static double percentile_ms(double q)
{
    size_t i;
    if (stats.nlat == 0) {
        return 0;
    }
    i = (size_t)(q * (double)(stats.nlat - 1) + 0.5);
    return stats.lat_us[i] / 1000.0;
}

static void print_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            putchar('\\');
        }
        putchar(*s);
    }
    putchar('"');
}

static void print_common(void)
{
    int i;
    if (stats.nlat > 0) {
        qsort(stats.lat_us, stats.nlat, sizeof(uint32_t), cmp_u32);
    }
    printf("\"started\":%lu,\"accepted\":%lu,\"refused\":%lu,\"failed\":%lu,"
           "\"latency_ms\":{\"p50\":%.3f,\"p99\":%.3f},\"failures\":{",
           stats.started, stats.accepted, stats.refused, stats.failed,
           percentile_ms(0.5), percentile_ms(0.99));
    for (i = 0; i < MAX_REASONS && stats.reasons[i].reason; i++) {
        if (i) {
            putchar(',');
        }
        print_json_string(stats.reasons[i].reason);
        printf(":%lu", stats.reasons[i].count);
    }
    putchar('}');
}

static void run_rate(void)
{
    int64_t t0 = now_us();
    int64_t window_end = t0 + (int64_t)(opt.duration * 1e6);
    int64_t drain_end = window_end + (int64_t)opt.timeout_ms * 1000;
    int64_t last_expire = t0, now;
    double elapsed;

    while (!interrupted && (now = now_us()) < window_end) {
        /* Bounded: a connect refused at once gives its slot straight back. */
        int budget = nfree;
        while (budget-- > 0 && conn_open(now) == 0) {
        }
        poll_once(10, window_end);
        if (now - last_expire > 100000) {
            expire(now, window_end);
            last_expire = now;
        }
    }
    /* Let the handshakes in flight end, so that the servers are quiet
     * before the next contender; they no longer count towards the rate. */
    while (!interrupted && in_progress() > 0 && (now = now_us()) < drain_end) {
        poll_once(10, window_end);
        expire(now, window_end);
    }
    elapsed = (double)(window_end - t0) / 1e6;
    printf("{\"mode\":\"rate\",\"expect\":\"%s\",\"concurrency\":%d,"
           "\"duration_s\":%.3f,\"completed\":%lu,\"per_second\":%.1f,",
           opt.expect == EXPECT_ACCEPT ? "accept" : "refuse", opt.concurrency,
           elapsed, stats.in_window, (double)stats.in_window / elapsed);
    print_common();
    printf("}\n");
}

static void write_ready_file(int n_held, double ramp_s)
{
    char tmp[4096];
    FILE *f;
    snprintf(tmp, sizeof(tmp), "%s.tmp", opt.ready_file);
    f = fopen(tmp, "w");
    if (!f) {
        die(tmp);
    }
    fprintf(f, "{\"held\":%d,\"failed\":%lu,\"ramp_s\":%.3f}\n",
            n_held, stats.failed, ramp_s);
    fclose(f);
    if (rename(tmp, opt.ready_file) < 0) {
        die("rename");
    }
}

static void run_hold(void)
{
    int64_t t0 = now_us(), now, ramp_end, hold_end, last_expire = t0;
    int opened = 0, n_held, held_at_ready;
    double ramp_s;

    /* Ramp: at most --concurrency handshakes in flight at once. */
    while (!interrupted && (opened < opt.hold || in_progress() > 0)) {
        now = now_us();
        while (opened < opt.hold && in_progress() < opt.concurrency
               && nfree > 0) {
            if (conn_open(now) < 0) {
                break;
            }
            opened++;
        }
        poll_once(10, INT64_MAX);
        if (now - last_expire > 100000) {
            expire(now, INT64_MAX);
            last_expire = now;
        }
    }
    ramp_end = now_us();
    ramp_s = (double)(ramp_end - t0) / 1e6;
    held_at_ready = n_held = held();
    if (opt.ready_file) {
        write_ready_file(n_held, ramp_s);
    }
    hold_end = ramp_end + (int64_t)(opt.hold_seconds * 1e6);
    while (!interrupted && now_us() < hold_end) {
        poll_once(50, INT64_MAX);
    }
    n_held = held();
    printf("{\"mode\":\"hold\",\"target\":%d,\"held_after_ramp\":%d,"
           "\"held_at_end\":%d,\"dropped\":%lu,\"ramp_s\":%.3f,"
           "\"hold_s\":%.3f,",
           opt.hold, held_at_ready, n_held, stats.dropped, ramp_s,
           opt.hold_seconds);
    print_common();
    printf("}\n");
}

static void read_cookies(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    if (!f) {
        die(path);
    }
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0]) {
            continue;
        }
        opt.cookies = realloc(opt.cookies, (opt.ncookies + 1) * sizeof(char *));
        if (!opt.cookies || !(opt.cookies[opt.ncookies++] = strdup(line))) {
            die("malloc");
        }
    }
    fclose(f);
    if (opt.ncookies == 0) {
        fprintf(stderr, "sio_handshake: no cookie in %s\n", path);
        exit(2);
    }
}

static void usage(void)
{
    fprintf(stderr,
        "usage: sio_handshake --port N [--host 127.0.0.1] [--path /socket.io/]\n"
        "         [--cookie-file F] [--concurrency N] [--timeout-ms N]\n"
        "         [--expect accept|refuse] [--duration S]              (rate)\n"
        "         [--hold N --hold-seconds S --ready-file F]            (hold)\n");
    exit(2);
}

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

int main(int argc, char **argv)
{
    int i;
    struct rlimit rl;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            usage();
        }
        if (!strcmp(a, "--host"))              opt.host = v;
        else if (!strcmp(a, "--port"))         opt.port = atoi(v);
        else if (!strcmp(a, "--path"))         opt.path = v;
        else if (!strcmp(a, "--cookie-file"))  read_cookies(v);
        else if (!strcmp(a, "--concurrency"))  opt.concurrency = atoi(v);
        else if (!strcmp(a, "--duration"))     opt.duration = atof(v);
        else if (!strcmp(a, "--timeout-ms"))   opt.timeout_ms = atoi(v);
        else if (!strcmp(a, "--hold"))         opt.hold = atoi(v);
        else if (!strcmp(a, "--hold-seconds")) opt.hold_seconds = atof(v);
        else if (!strcmp(a, "--ready-file"))   opt.ready_file = v;
        else if (!strcmp(a, "--expect")) {
            if (!strcmp(v, "accept"))      opt.expect = EXPECT_ACCEPT;
            else if (!strcmp(v, "refuse")) opt.expect = EXPECT_REFUSE;
            else usage();
        }
        else usage();
        i++;
    }
    if (opt.port <= 0 || opt.concurrency <= 0 || opt.duration <= 0
        || opt.hold < 0 || opt.timeout_ms <= 0) {
        usage();
    }
    memset(&target, 0, sizeof(target));
    target.sin_family = AF_INET;
    target.sin_port = htons((uint16_t)opt.port);
    if (inet_pton(AF_INET, opt.host, &target.sin_addr) != 1) {
        fprintf(stderr, "sio_handshake: --host must be an IPv4 address\n");
        return 2;
    }

    nconns = opt.hold ? opt.hold : opt.concurrency;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0
        && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)nconns + 16) {
        fprintf(stderr, "sio_handshake: %d connections need ulimit -n >= %d "
                "(it is %lu)\n", nconns, nconns + 16,
                (unsigned long)rl.rlim_cur);
        return 2;
    }
    conns = calloc((size_t)nconns, sizeof(conn_t));
    free_list = calloc((size_t)nconns, sizeof(int));
    if (!conns || !free_list) {
        die("calloc");
    }
    for (i = nconns - 1; i >= 0; i--) {
        conns[i].fd = -1;
        free_list[nfree++] = i;
    }
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        die("epoll_create1");
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);

    if (opt.hold) {
        run_hold();
    }
    else {
        run_rate();
    }
    for (i = 0; i < nconns; i++) {
        if (conns[i].state != C_FREE) {
            conn_release(&conns[i]);
        }
    }
    fflush(stdout);
    return interrupted ? 130 : 0;
}
