/* Log writer. Lines are assembled in a fixed buffer, redacted, then written with one
 * fwrite so concurrent writers never interleave within a line. */
#include "core/log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/memory.h"
#include "core/time.h"

#define MAX_SECRETS 64
#define LINE_MAX_BYTES 2048

int nb_log_threshold = NB_LOG_WARN;
static FILE *log_out;
static char *secrets[MAX_SECRETS];
static size_t secret_count;
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
    if (!secret || strlen(secret) < 4 || secret_count == MAX_SECRETS)
        return;
    for (size_t i = 0; i < secret_count; i++)
        if (strcmp(secrets[i], secret) == 0)
            return;
    secrets[secret_count++] = nb_xstrdup(secret);
}

void nb_log_reset(void)
{
    for (size_t i = 0; i < secret_count; i++)
        free(secrets[i]);
    secret_count = 0;
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

/* Query parameters whose values are credentials on the platforms we talk to. */
static const char *const secret_params[] = {"key",     "token",  "access_token", "secret", "sign",
                                            "api_key", "apikey", "password",     NULL};

static int is_secret_param(const char *name, size_t len)
{
    for (size_t i = 0; secret_params[i]; i++)
        if (strlen(secret_params[i]) == len && strncasecmp(name, secret_params[i], len) == 0)
            return 1;
    return 0;
}

void nb_log_redact(const char *text, char *out, size_t n)
{
    if (n == 0)
        return;
    size_t o = 0;
    const char *p = text;
    while (*p && o + 1 < n) {
        size_t matched = 0;
        for (size_t i = 0; i < secret_count && !matched; i++) {
            size_t len = strlen(secrets[i]);
            if (strncmp(p, secrets[i], len) == 0)
                matched = len;
        }
        if (matched) {
            for (const char *m = "***"; *m && o + 1 < n; m++)
                out[o++] = *m;
            p += matched;
            continue;
        }
        /* "?key=VALUE" or "&token=VALUE": keep the name, mask the value. */
        if ((*p == '?' || *p == '&') && p[1]) {
            const char *name = p + 1;
            size_t len = strcspn(name, "=&# \"");
            if (name[len] == '=' && is_secret_param(name, len)) {
                size_t keep = (size_t)(name + len + 1 - p);
                for (size_t i = 0; i < keep && o + 1 < n; i++)
                    out[o++] = p[i];
                for (const char *m = "***"; *m && o + 1 < n; m++)
                    out[o++] = *m;
                p += keep;
                p += strcspn(p, "&# \"");
                continue;
            }
        }
        out[o++] = *p++;
    }
    out[o] = '\0';
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
    nb_log_redact(raw, line, sizeof line - 1);
    size_t len = strlen(line);
    line[len++] = '\n';
    fwrite(line, 1, len, log_out ? log_out : stderr);
}
