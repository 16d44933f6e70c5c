/* log.h - leveled logging to stderr, one line per event ("<level>: message").
 * The format is the one systemd's journal keeps; nothing else is printed. */
#ifndef PLANSYNC_LOG_H
#define PLANSYNC_LOG_H

enum ps_log_level { PS_LOG_ERROR, PS_LOG_WARN, PS_LOG_INFO, PS_LOG_DEBUG };

void ps_log_set_level(enum ps_log_level level);
/* Returns -1 for an unknown name. */
int ps_log_level_parse(const char *name);
void ps_log(enum ps_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Progress callbacks write here; NULL silences them. */
typedef void (*ps_progress_fn)(void *ctx, const char *what, long done, long total);

#endif
