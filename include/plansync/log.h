/* log.h - leveled logging, one line per event: plain on stderr for the CLI,
 * with sd-daemon level prefixes for the journal, or to syslog. */
#ifndef PLANSYNC_LOG_H
#define PLANSYNC_LOG_H

enum ps_log_level { PS_LOG_ERROR, PS_LOG_WARN, PS_LOG_INFO, PS_LOG_DEBUG };

enum ps_log_style {
	PS_LOG_PLAIN,   /* "warning: message" on stderr (the CLI) */
	PS_LOG_JOURNAL, /* "<4>message" on stderr: the journal keeps the level */
	PS_LOG_SYSLOG,  /* syslog(3), ident plansyncd */
};
void ps_log_set_style(enum ps_log_style style);
void ps_log_set_level(enum ps_log_level level);
/* Returns -1 for an unknown name. */
int ps_log_level_parse(const char *name);
void ps_log(enum ps_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Progress callbacks write here; NULL silences them. */
typedef void (*ps_progress_fn)(void *ctx, const char *what, long done, long total);

#endif
