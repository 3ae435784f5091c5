/*
 * session_store/shm_segment.h: anonymous shared memory kept in the process pool, so that
 * it outlives the configuration pool and every restart, found again by
 * key.  Children inherit it over fork.
 */
#ifndef SHM_SEGMENT_H
#define SHM_SEGMENT_H

#include "httpd.h"
#include "apr_shm.h"

/* The segment kept under key, or NULL. */
apr_shm_t *shm_segment_find(server_rec *s, const char *key);

/* A new segment of size bytes, kept under key from now on.  A segment
 * kept before under that key is the caller's to destroy. */
apr_status_t shm_segment_create(server_rec *s, const char *key,
                                apr_size_t size, apr_shm_t **shm);

#endif
