/*
 * session_store/shm_segment.c: shared memory that outlives restarts.
 */
#include "shm_segment.h"

apr_shm_t *shm_segment_find(server_rec *s, const char *key)
{
    apr_shm_t *shm = NULL;
    apr_pool_userdata_get((void **)&shm, key, s->process->pool);
    return shm;
}

apr_status_t shm_segment_create(server_rec *s, const char *key,
                                apr_size_t size, apr_shm_t **shm)
{
    apr_status_t rv = apr_shm_create(shm, size, NULL, s->process->pool);
    if (rv == APR_SUCCESS) {
        apr_pool_userdata_set(*shm, key, apr_pool_cleanup_null,
                              s->process->pool);
    }
    return rv;
}
