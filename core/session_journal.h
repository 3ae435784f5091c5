/*
 * session_journal.h: an append-only journal of the sessions that ended
 * (logouts, revocations, evictions), beside the persist file, so that an
 * ended session does not come back from the last save after a crash.
 *
 * Plain C, no httpd.  Any process appends (a child that served the
 * logout): one short line a record, under an exclusive flock of the file,
 * written with one write() and flushed with fdatasync() before the caller
 * answers.  Replaying a record twice is harmless (ids are never reused),
 * so the loader replays the whole journal over the loaded file; each save
 * of the table then drops the records older than the save (sj_prune).
 *
 * Records, one a line:
 *   E <time> <id>           the session id ended
 *   U <time> <hex user>     every session of that user created at or
 *                           before time ended
 * time: microseconds since the epoch.
 */
#ifndef SESSION_JOURNAL_H
#define SESSION_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include "session_table.h"

/* Append "E": the session id ended at now.  0, or -1 with errno. */
int sj_end_session(const char *path, const char *id, int64_t now);

/* Append "U": every session of user created up to now ended. */
int sj_end_user(const char *path, const char *user, int64_t now);

/* End in t what the journal at path records.  A journal that does not
 * exist is not an error.  Returns the number of sessions ended, or -1
 * with a reason in err (a file others may write, a symlink; bad lines are
 * skipped, since a crash may cut the last one short). */
long sj_replay(st_table_t *t, const char *path, char *err, size_t errlen);

/* Drop the records written before since (the save that began then holds
 * their effect).  0, or -1 with a reason in err. */
int sj_prune(const char *path, int64_t since, char *err, size_t errlen);

#endif
