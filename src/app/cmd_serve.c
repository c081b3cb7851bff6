/* SPDX-License-Identifier: MIT */
/* `newsbrief serve`: the archive on the web until SIGINT or SIGTERM. The signals are taken
 * synchronously (sigwait) by the main thread; the server's threads never see them. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "core/log.h"
#include "web/web.h"

static nb_err serve_main(const nb_cli *cli, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    nb_config *config = NULL;
    nb_err loaded = nb_app_config(cli, &config);
    if (loaded != NB_OK)
        return loaded;
    /* Block the stop signals before any thread starts, so that only sigwait sees them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    nb_web *web = NULL;
    nb_errbuf err;
    nb_web_options options = {.listen = cli->listen};
    if (nb_web_start(config, &options, &web, &err) != NB_OK) {
        fprintf(stderr, "newsbrief: %s\n", err.msg);
        nb_config_free(config);
        return NB_ERR_CONFIG; /* the listen address (--listen or web.listen) cannot be used */
    }
    printf("newsbrief: serving %s/\n", nb_web_url(web));
    fflush(stdout);
    nb_log(NB_LOG_INFO, "web", "url=%s database=%s", nb_web_url(web), config->database);
    int sig = 0;
    while (sigwait(&stop, &sig) == 0 && sig == SIGHUP)
        nb_log(NB_LOG_WARN, "web",
               "signal=SIGHUP note=\"serve keeps its configuration; restart it to reload\"");
    nb_log(NB_LOG_INFO, "web", "signal=%s stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    nb_web_stop(web);
    nb_config_free(config);
    return NB_OK;
}

const nb_command nb_cmd_serve = {
    .name = "serve",
    .summary = "serve the archive: pages, search, feeds, JSON API, metrics",
    .usage = "Serves the archive of briefings and items over HTTP until interrupted:\n"
             "pages (/, /briefings/<id>, /days/<date>, /items/<id>, /sources, /search),\n"
             "feeds (/feed.atom, /feed.rss, /feed.json), the JSON API (/api/..., see\n"
             "docs/API.md), /metrics and /healthz. Settings under web: in the configuration\n"
             "(listen, base_url, token, title, ...). Prints the address it serves on.\n\n"
             "options:\n"
             "  -c, --config FILE      configuration file\n"
             "      --listen ADDR:PORT address to serve on (default web.listen, else\n"
             "                         127.0.0.1:8080; port 0 picks a free port)\n"
             "  -h, --help             this help\n",
    .main = serve_main,
    .options = NB_OPT_LISTEN,
};
