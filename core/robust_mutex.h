/*
 * robust_mutex.h: a process-shared, robust POSIX mutex for tables in
 * shared memory.  "Robust": when its holder dies, the next locker gets it
 * with EOWNERDEAD instead of waiting for ever, and may repair what the
 * dead holder left half-done before marking it consistent.
 */
#ifndef ROBUST_MUTEX_H
#define ROBUST_MUTEX_H

#include <errno.h>
#include <pthread.h>

static inline int robust_mutex_init(pthread_mutex_t *m)
{
    pthread_mutexattr_t attr;
    int rv;

    if ((rv = pthread_mutexattr_init(&attr)) != 0) {
        return rv;
    }
    if ((rv = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED)) == 0
        && (rv = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST)) == 0) {
        rv = pthread_mutex_init(m, &attr);
    }
    pthread_mutexattr_destroy(&attr);
    return rv;
}

/* Lock m; when its last holder died holding it, call repair(ctx) first
 * (may be NULL).  Returns 0 or an errno value. */
static inline int robust_mutex_lock(pthread_mutex_t *m,
                                    void (*repair)(void *ctx), void *ctx)
{
    int rv = pthread_mutex_lock(m);

    if (rv == EOWNERDEAD) {
        if (repair) {
            repair(ctx);
        }
        rv = pthread_mutex_consistent(m);
        if (rv != 0) {
            /* Held but unusable: let go, so that callers, which do not
             * unlock after an error, leave no lock behind. */
            pthread_mutex_unlock(m);
        }
    }
    return rv;
}

#endif
