/*
 * engineio.h: the two things mod_socketio_auth reads of Engine.IO to bind
 * a socket to the session that opened it: the sid a request names in its
 * query, and the sid the polling handshake's answer (the open packet)
 * hands out.
 *
 * Plain C, no httpd: unit-tested in tests/unit/t_engineio.c and fuzzed in
 * fuzz/fuzz_engineio.c.
 */
#ifndef ENGINEIO_H
#define ENGINEIO_H

#include <stddef.h>

/* Longest sid bound (engine.io's own are 20 characters). */
#define EIO_SID_MAX 64

/* Bytes of a handshake answer looked at for the open packet (about 130
 * bytes in engine.io 3 to 6). */
#define EIO_OPEN_MAX 1024

typedef enum {
    EIO_SID_NONE = 0,   /* no sid: a handshake, or not Engine.IO */
    EIO_SID_ONE,        /* one sid, the same for every server */
    EIO_SID_AMBIGUOUS   /* servers could read different sids */
} eio_sid_t;

/* What a request's query says about its socket. */
typedef struct eio_query {
    eio_sid_t   sid_status;
    const char *sid;        /* on EIO_SID_ONE: into the query */
    size_t      sid_len;
    int         polling;    /* 1 if a parameter is exactly
                               "transport=polling" */
} eio_query_t;

/* Read a request's query (without '?'; NULL for none).  Servers parse
 * queries differently: Node's URLSearchParams (engine.io) takes the last
 * of repeated keys, Python's parse_qs (python-engineio) the first and
 * drops empty values, older Pythons split at ';' too, and all of them
 * percent-decode keys and values and read '+' as a space.  So parameters
 * are split at '&' and ';', keys are decoded, and the sid is
 * EIO_SID_AMBIGUOUS when a key decodes to "sid" more than once, or is
 * spelled with escapes, or its value holds '%' or '+' or ends at ';'.  An
 * empty value alone is EIO_SID_NONE (no server reads a sid from it). */
void eio_query_read(const char *query, eio_query_t *q);

typedef enum {
    EIO_OPEN_MORE = 0,  /* so far an open packet: give more bytes */
    EIO_OPEN_SID,       /* an open packet and its sid */
    EIO_OPEN_NOT,       /* not an Engine.IO open packet */
    EIO_OPEN_UNREADABLE /* an open packet whose sid cannot be bound: none,
                           two, escaped, longer than EIO_SID_MAX, or with
                           bytes a client would percent-encode */
} eio_open_t;

/* Read the start of a polling handshake's answer, buf[0..len): the open
 * packet "0{...}" of Engine.IO 4, or "<length>:0{...}" of Engine.IO 3
 * (text payload), its JSON object read to its closing brace.  complete is
 * 1 when no more bytes will come (the answer ended, or EIO_OPEN_MAX bytes
 * are already given).  On EIO_OPEN_SID, *sid and *sid_len point into
 * buf: the sid has 1 to EIO_SID_MAX bytes, all of them unreserved in a URL
 * (A-Z a-z 0-9 - _ . ~), so a client sends it back as it is. */
eio_open_t eio_open_sid(const char *buf, size_t len, int complete,
                        const char **sid, size_t *sid_len);

#endif
