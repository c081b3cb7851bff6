/* The service manager's notification protocol (sd_notify(3) of libsystemd): READY, STATUS,
 * RELOADING, STOPPING and the watchdog. Without $NOTIFY_SOCKET every call does nothing. */
#include <stdarg.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "app/app.h"

void nb_app_notify(const char *fmt, ...)
{
    char state[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(state, sizeof state, fmt, ap);
    va_end(ap);
    (void)sd_notify(0, state); /* nothing to do when the manager does not listen */
}

int64_t nb_app_watchdog_ms(void)
{
    uint64_t usec = 0;
    return sd_watchdog_enabled(0, &usec) > 0 ? (int64_t)(usec / 1000) : 0;
}
