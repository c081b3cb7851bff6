/* SPDX-License-Identifier: MIT */
/* `newsbrief demo`: the whole pipeline offline. A loopback server (libmicrohttpd) answers
 * the API requests of the aibase and 机器之心 adapters from bundled recordings (data/demo),
 * the clock is pinned to their recording time, a temporary database is used and removed,
 * and the briefing is printed. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "app/demo_data.h"
#include "core/memory.h"
#include "core/time.h"

/* The recordings stand for the sites as they were at the seed's 20:46 update. */
#define DEMO_RECORDED_AT "2025-04-07T20:46:00+08:00"

/* Only ids made of these characters name a recording. */
static int plain_id(const char *s)
{
    return s && *s && strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz-") == strlen(s);
}

/* The recording that answers a request: "aibase/aiNews-<pageNo>.json",
 * "aibase/detail-<id>.json", "jiqizhixin/articles-<page>.json" or
 * "jiqizhixin/articles/<slug>.json". NULL when none does. Caller frees. */
static char *recording_for(struct MHD_Connection *c, const char *path)
{
    static const char detail_prefix[] = "/api/article_library/articles/";
    const char *page = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "pageNo");
    const char *id = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "id");
    if (!strcmp(path, "/api/aiInfo/aiNews") && plain_id(page))
        return nb_xasprintf("aibase/aiNews-%s.json", page);
    if (!strcmp(path, "/api/aiInfo/detail") && plain_id(id))
        return nb_xasprintf("aibase/detail-%s.json", id);
    page = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "page");
    if (!strcmp(path, "/api/article_library/articles.json") && plain_id(page))
        return nb_xasprintf("jiqizhixin/articles-%s.json", page);
    if (!strncmp(path, detail_prefix, sizeof detail_prefix - 1)) {
        char *slug = nb_xstrdup(path + sizeof detail_prefix - 1);
        size_t len = strlen(slug);
        if (len > 5 && !strcmp(slug + len - 5, ".json"))
            slug[len - 5] = '\0';
        char *name = plain_id(slug) ? nb_xasprintf("jiqizhixin/articles/%s.json", slug) : NULL;
        free(slug);
        return name;
    }
    return NULL;
}

static enum MHD_Result serve(void *cls, struct MHD_Connection *connection, const char *url,
                             const char *method, const char *version, const char *upload,
                             size_t *upload_size, void **state)
{
    (void)cls, (void)version, (void)upload, (void)upload_size, (void)state;
    const nb_demo_file *file = NULL;
    char *name = recording_for(connection, url);
    for (const nb_demo_file *f = nb_demo_files; name && f->name; f++)
        if (strcmp(name, f->name) == 0)
            file = f;
    free(name);
    struct MHD_Response *response;
    unsigned status = MHD_HTTP_OK;
    if (file && strcmp(method, "GET") == 0) {
        response =
            MHD_create_response_from_buffer(file->size, (void *)file->data, MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(response, "Content-Type", "application/json; charset=utf-8");
    } else {
        static const char missing[] = "not found\n";
        status = MHD_HTTP_NOT_FOUND;
        response = MHD_create_response_from_buffer(sizeof missing - 1, (void *)missing,
                                                   MHD_RESPMEM_PERSISTENT);
    }
    enum MHD_Result rc = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    return rc;
}

static struct MHD_Daemon *start_server(unsigned *port)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, serve, NULL,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_END);
    if (!d)
        return NULL;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    *port = info ? info->port : 0;
    return d;
}

static void remove_database(const char *dir)
{
    static const char *const files[] = {"demo.db", "demo.db-wal", "demo.db-shm", NULL};
    for (const char *const *f = files; *f; f++) {
        char *path = nb_xasprintf("%s/%s", dir, *f);
        unlink(path);
        free(path);
    }
    rmdir(dir);
}

static nb_err demo_main(const nb_cli *cli, int argc, char **argv)
{
    nb_errbuf err;
    if (!nb_clock_is_pinned() && nb_clock_pin(DEMO_RECORDED_AT, &err) != NB_OK) {
        fprintf(stderr, "newsbrief demo: %s\n", err.msg);
        return NB_ERR_INTERNAL; /* the recording time is the program's own */
    }
    const char *tmp = getenv("TMPDIR");
    char *dir = nb_xasprintf("%s/newsbrief-demo-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        fprintf(stderr, "newsbrief demo: cannot create a temporary directory %s\n", dir);
        free(dir);
        return NB_ERR_IO;
    }
    unsigned port = 0;
    struct MHD_Daemon *server = start_server(&port);
    nb_err rc = NB_ERR_NETWORK;
    nb_config *config = NULL;
    char *yaml = NULL;
    if (!server || !port) {
        fprintf(stderr, "newsbrief demo: cannot start the loopback server\n");
        goto out;
    }
    yaml = nb_xasprintf("newsbrief:\n"
                        "  database: %s/demo.db\n"
                        "  timezone: Asia/Shanghai\n"
                        "  title: 新闻简报\n"
                        "  window: 72h\n"
                        "  max_items: 30\n"
                        "sources:\n"
                        "  aibase:\n"
                        "    type: aibase\n"
                        "    base_url: http://127.0.0.1:%u\n"
                        "    delay_ms: 0\n"
                        "  jiqizhixin:\n"
                        "    type: jiqizhixin\n"
                        "    base_url: http://127.0.0.1:%u\n"
                        "    delay_ms: 0\n",
                        dir, port, port);
    if (nb_config_parse("demo", yaml, strlen(yaml), NULL, &config, &err) != NB_OK ||
        nb_app_check_config(config, &err) != NB_OK) {
        fprintf(stderr, "newsbrief demo: %s\n", err.msg);
        rc = NB_ERR_INTERNAL; /* the demo's own configuration: not the user's to fix */
        goto out;
    }
    rc = nb_pipeline_run(config, 0, stdout);
out:
    nb_config_free(config);
    free(yaml);
    if (server)
        MHD_stop_daemon(server);
    remove_database(dir);
    free(dir);
    return rc;
}

const nb_command nb_cmd_demo = {
    .name = "demo",
    .summary = "make a briefing from bundled recordings, offline",
    .usage = "Serves the bundled recordings of two news sites on a loopback port, runs the\n"
             "whole pipeline against them with a temporary database and the clock pinned\n"
             "to the recording time, prints the briefing, and removes its temporary files.\n"
             "No network and no keys are needed; two runs print the same briefing.\n\n"
             "options:\n"
             "      --now TIME     pin a different current time (ISO 8601)\n"
             "  -v, --verbose      more log lines on stderr\n"
             "  -h, --help         this help\n",
    .main = demo_main,
};
