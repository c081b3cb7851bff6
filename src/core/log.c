/* SPDX-License-Identifier: MIT */
/* Log writer. Lines are assembled in a fixed buffer, redacted (core/redact), then written
 * with one fwrite so concurrent writers never interleave within a line. */
#include "core/log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/memory.h"
#include "core/redact.h"
#include "core/time.h"

#define LINE_MAX_BYTES 2048

int nb_log_threshold = NB_LOG_WARN;
static FILE *log_out;
static char *traced; /* ",http,feed," or NULL */

void nb_log_set_level(nb_log_level level)
{
    nb_log_threshold = (int)level;
}

void nb_log_set_output(FILE *out)
{
    log_out = out;
}

void nb_log_add_secret(const char *secret)
{
    nb_redact_add(secret);
}

void nb_log_reset(void)
{
    nb_redact_clear();
    free(traced);
    traced = NULL;
}

void nb_log_trace_from_env(void)
{
    const char *env = getenv("NB_TRACE");
    free(traced);
    traced = env && *env ? nb_xasprintf(",%s,", env) : NULL;
}

int nb_log_traced(const char *subsystem)
{
    if (!traced)
        return 0;
    char key[64];
    snprintf(key, sizeof key, ",%s,", subsystem);
    return strstr(traced, key) != NULL || strstr(traced, ",all,") != NULL;
}

static const char *level_name(nb_log_level level)
{
    switch (level) {
    case NB_LOG_ERROR:
        return "error";
    case NB_LOG_WARN:
        return "warn";
    case NB_LOG_INFO:
        return "info";
    case NB_LOG_DEBUG:
        return "debug";
    }
    return "?";
}

void nb_log_write(nb_log_level level, const char *subsystem, const char *fmt, ...)
{
    char raw[LINE_MAX_BYTES], line[LINE_MAX_BYTES];
    char when[32];
    nb_time_format_iso(nb_clock_now(), when, sizeof when);
    int head = snprintf(raw, sizeof raw, "%s %s %s ", when, level_name(level), subsystem);
    if (head < 0 || (size_t)head >= sizeof raw)
        head = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw + head, sizeof raw - (size_t)head, fmt, ap);
    va_end(ap);
    /* One event, one line: a newline inside a value would forge another line. */
    for (char *c = raw; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    nb_redact_copy(raw, line, sizeof line - 1);
    size_t len = strlen(line);
    line[len++] = '\n';
    fwrite(line, 1, len, log_out ? log_out : stderr);
}
