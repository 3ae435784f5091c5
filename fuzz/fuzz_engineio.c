/*
 * fuzz_engineio.c: what mod_socketio_auth reads of Engine.IO
 * (core/engineio.c), against the servers it must agree with.
 *
 * Input: byte 0 picks the part; the rest is its input.
 *
 * 0: eio_query_read on a query (cut at the first NUL).  Checked against
 *    models of how the backends read a sid: Node's URLSearchParams
 *    (engine.io: split at '&', keys and values decoded, the last wins, an
 *    empty sid is none) and Python's parse_qs (python-engineio: the first
 *    wins, empty values dropped; older Pythons split at ';' too).  When the
 *    module says "no sid", no server reads one; when it says "sid S",
 *    every server reads S or none: so the sid checked is the sid used.
 * 1: eio_open_sid on a handshake answer: the answer read whole and read
 *    in every prefix agree (a prefix only ever asks for more, or gives the
 *    answer the whole gives), and a sid given is 1 to EIO_SID_MAX
 *    unreserved bytes between quotes, after "sid" and ':'.
 * 2: an open packet built from the input (a sid, other keys and values,
 *    spaces, an Engine.IO 3 length prefix), which must give back that sid.
 */
#include "engineio.h"
#include "fuzz_check.h"

/* ---- the backends' readings of a query ---- */

typedef struct {
    int found;
    char value[1024];
    size_t len;
} reading;

/* Decode '+' and %XX (an invalid escape stays as it is). */
static size_t form_decode(const char *s, size_t n, char *out)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        }
        else if (s[i] == '%' && i + 2 < n && fz_hex_digit((unsigned char)s[i + 1]) >= 0
                 && fz_hex_digit((unsigned char)s[i + 2]) >= 0) {
            out[o++] = (char)(fz_hex_digit((unsigned char)s[i + 1]) * 16
                              + fz_hex_digit((unsigned char)s[i + 2]));
            i += 2;
        }
        else {
            out[o++] = s[i];
        }
    }
    return o;
}

/* seps: "&" or "&;".  last: Node (the last wins, empty kept), else
 * Python (the first wins, empty or '='-less parameters dropped). */
static void read_sid(const char *q, const char *seps, int last, reading *r)
{
    const char *p = q;

    memset(r, 0, sizeof(*r));
    for (;;) {
        size_t n = strcspn(p, seps);
        const char *eq = memchr(p, '=', n);
        size_t klen = eq ? (size_t)(eq - p) : n;
        char key[1024];
        size_t kd = form_decode(p, klen, key);

        if (kd == 3 && memcmp(key, "sid", 3) == 0) {
            const char *v = eq ? eq + 1 : p + n;
            size_t vlen = eq ? n - klen - 1 : 0;
            if (last || (!r->found && eq && vlen > 0)) {
                r->found = 1;
                r->len = form_decode(v, vlen, r->value);
            }
        }
        if (!p[n]) {
            break;
        }
        p += n + 1;
    }
    /* engine.io: if (sid) ...: an empty sid is a handshake. */
    if (r->found && r->len == 0) {
        r->found = 0;
    }
}

/* A parameter, between '&' or ';', that is exactly transport=polling. */
static int ref_polling(const char *q)
{
    const char *p = q;

    for (;;) {
        size_t n = strcspn(p, "&;");
        if (n == 17 && memcmp(p, "transport=polling", 17) == 0) {
            return 1;
        }
        if (!p[n]) {
            return 0;
        }
        p += n + 1;
    }
}

static void check_query(const char *q)
{
    eio_query_t got;
    reading node, python, old_python;
    const reading *all[3];
    int i;

    eio_query_read(q, &got);
    read_sid(q, "&", 1, &node);
    read_sid(q, "&", 0, &python);
    read_sid(q, "&;", 0, &old_python);
    all[0] = &node;
    all[1] = &python;
    all[2] = &old_python;
    for (i = 0; i < 3; i++) {
        const reading *r = all[i];
        if (got.sid_status == EIO_SID_NONE) {
            FUZZ_ASSERT(!r->found, "query '%s': no sid for the module, but "
                        "server %d reads '%.*s'", q, i, (int)r->len, r->value);
        }
        else if (got.sid_status == EIO_SID_ONE) {
            FUZZ_ASSERT(!r->found || (r->len == got.sid_len
                                      && memcmp(r->value, got.sid, r->len) == 0),
                        "query '%s': the module checks '%.*s', server %d "
                        "uses '%.*s'", q, (int)got.sid_len, got.sid, i,
                        (int)r->len, r->value);
        }
    }
    if (got.sid_status == EIO_SID_ONE) {
        FUZZ_ASSERT(got.sid >= q && got.sid + got.sid_len <= q + strlen(q)
                    && got.sid_len > 0, "query '%s': sid outside it", q);
    }
    FUZZ_ASSERT(got.polling == ref_polling(q), "query '%s': polling %d",
                q, got.polling);
}

/* ---- the open packet ---- */

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
           || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
           || c == '~';
}

static void check_open(const char *buf, size_t len)
{
    const char *sid = NULL, *psid;
    size_t sid_len = 0, plen, i, k;
    eio_open_t whole = eio_open_sid(buf, len, 1, &sid, &sid_len);
    eio_open_t part;

    FUZZ_ASSERT(whole != EIO_OPEN_MORE, "complete input asks for more");
    if (whole == EIO_OPEN_SID) {
        FUZZ_ASSERT(sid > buf && sid + sid_len < buf + len
                    && sid[-1] == '"' && sid[sid_len] == '"'
                    && sid_len >= 1 && sid_len <= EIO_SID_MAX,
                    "sid not between quotes, or its length %zu", sid_len);
        for (k = 0; k < sid_len; k++) {
            FUZZ_ASSERT(unreserved((unsigned char)sid[k]),
                        "sid byte 0x%02x", (unsigned char)sid[k]);
        }
        /* "sid" then ':' (spaces between) before the value. */
        i = (size_t)(sid - 1 - buf);
        while (i > 0 && strchr(" \t\r\n", buf[i - 1])) i--;
        FUZZ_ASSERT(i > 0 && buf[i - 1] == ':', "no ':' before the sid");
        i--;
        while (i > 0 && strchr(" \t\r\n", buf[i - 1])) i--;
        FUZZ_ASSERT(i >= 5 && memcmp(buf + i - 5, "\"sid\"", 5) == 0,
                    "no \"sid\" key before the sid");
    }
    /* Every prefix of the first 256 bytes, then every 7th (quadratic
     * otherwise). */
    for (plen = 0; plen < len; plen += plen < 256 ? 1 : 7) {
        psid = NULL;
        part = eio_open_sid(buf, plen, 0, &psid, &sid_len);
        if (part == EIO_OPEN_MORE) {
            continue;
        }
        FUZZ_ASSERT(part == whole && (part != EIO_OPEN_SID || psid == sid),
                    "a prefix of %zu bytes says %d, the whole %d", plen,
                    (int)part, (int)whole);
    }
}

/* An open packet made from the input: its sid must come back. */
static void check_built(fz_input_t *in)
{
    char out[4096], sid[EIO_SID_MAX + 1];
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";
    static const char *const values[] = {
        "25000", "[\"websocket\"]", "[]", "true", "null", "\"x\\\"y\"",
        "{\"a\":[1,{\"b\":\"}\"}]}", "-1.5e3", "\"sid\"", "\"\\u0073id\""
    };
    static const char *const keys[] = {
        "upgrades", "pingInterval", "pingTimeout", "maxPayload", "si", "sidx"
    };
    size_t n = 1 + fz_byte(in) % EIO_SID_MAX, i, o = 0;
    int before = fz_byte(in) % 4, after = fz_byte(in) % 4, v3 = fz_byte(in) & 1;
    const char *space = (fz_byte(in) & 1) ? " " : "";
    const char *got;
    size_t got_len;
    char body[3000];
    size_t b = 0;
    int k;

    for (i = 0; i < n; i++) {
        sid[i] = alphabet[fz_byte(in) % (sizeof(alphabet) - 1)];
    }
    sid[n] = '\0';
    b += (size_t)sprintf(body + b, "0{");
    for (k = 0; k < before; k++) {
        b += (size_t)sprintf(body + b, "%s\"%s\"%s:%s%s,", space,
                             keys[fz_byte(in) % 6], space, space,
                             values[fz_byte(in) % 10]);
    }
    b += (size_t)sprintf(body + b, "%s\"sid\"%s:%s\"%s\"", space, space,
                         space, sid);
    for (k = 0; k < after; k++) {
        b += (size_t)sprintf(body + b, ",%s\"%s\"%s:%s%s", space,
                             keys[fz_byte(in) % 6], space, space,
                             values[fz_byte(in) % 10]);
    }
    b += (size_t)sprintf(body + b, "%s}", space);
    if (v3) {
        o = (size_t)sprintf(out, "%zu:%s2:40", b, body);
    }
    else {
        memcpy(out, body, b);
        o = b;
    }
    FUZZ_ASSERT(eio_open_sid(out, o, 1, &got, &got_len) == EIO_OPEN_SID
                && got_len == n && memcmp(got, sid, n) == 0,
                "built open packet '%.*s' does not give sid '%s'", (int)o,
                out, sid);
    check_open(out, o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_input_t in = { data, size };
    uint8_t which = fz_byte(&in);

    if (which % 3 == 0) {
        char *q = fz_dup(in.p, strnlen((const char *)in.p, in.n), 1);
        if (strlen(q) < 1000) {
            check_query(q);
        }
        fz_free(q);
    }
    else if (which % 3 == 1) {
        char *b = fz_dup(in.p, in.n, 0);
        if (in.n <= EIO_OPEN_MAX) {
            check_open(b, in.n);
        }
        fz_free(b);
    }
    else {
        check_built(&in);
    }
    return 0;
}
