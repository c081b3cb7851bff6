/* SPDX-License-Identifier: MIT */
/* Logging: one line per event on stderr, "time level subsystem key=value ...".
 * A disabled level costs one comparison. Every line goes through core/redact, so no
 * registered secret or secret-looking URL part reaches the output. NB_TRACE=http,feed turns on
 * debug lines for the named subsystems. */
#ifndef NB_CORE_LOG_H
#define NB_CORE_LOG_H

#include <stdio.h>

#include "core/err.h"

typedef enum nb_log_level {
    NB_LOG_ERROR = 0,
    NB_LOG_WARN = 1,
    NB_LOG_INFO = 2,
    NB_LOG_DEBUG = 3,
} nb_log_level;

extern int nb_log_threshold; /* lines above this level are dropped (NB_TRACE aside) */

#define nb_log(level, subsystem, ...)                                                              \
    do {                                                                                           \
        if ((int)(level) <= nb_log_threshold || nb_log_traced(subsystem))                          \
            nb_log_write((level), (subsystem), __VA_ARGS__);                                       \
    } while (0)

void nb_log_set_level(nb_log_level level);
void nb_log_set_output(FILE *out);          /* default stderr; tests capture */
void nb_log_add_secret(const char *secret); /* the same as nb_redact_add */
void nb_log_reset(void);          /* forget traces and every registered secret (tests, exit) */
void nb_log_trace_from_env(void); /* reads NB_TRACE */
int nb_log_traced(const char *subsystem);
void nb_log_write(nb_log_level level, const char *subsystem, const char *fmt, ...) NB_PRINTF(3, 4);

#endif
