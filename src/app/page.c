/* SPDX-License-Identifier: MIT */
/* One page read for a command that works on a single article (`extract`, `summarize`): from
 * a URL through the HTTP engine (trusted as configuration is, redirects followed), from a
 * file, or from standard input. The body is capped at NB_LIMIT_BODY_BYTES in every case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "core/limits.h"
#include "core/memory.h"
#include "core/url.h"

typedef struct fetched {
    nb_app_page *page;
    nb_errbuf *err;
    nb_err rc;
} fetched;

static void on_page(void *user, const nb_http_response *r)
{
    fetched *f = user;
    if (r->error) {
        f->rc = nb_errf(f->err, r->error, "%s", r->error_message);
        return;
    }
    if (r->status < 200 || r->status > 299) {
        f->rc = nb_errf(f->err, NB_ERR_HTTP, "%s: HTTP %ld", r->url, r->status);
        return;
    }
    f->rc = nb_buf_append(&f->page->body, r->body, r->body_len);
    if (f->rc)
        nb_errf(f->err, f->rc, "%s: body over the cap", r->url);
    f->page->content_type = r->content_type ? nb_xstrdup(r->content_type) : NULL;
    f->page->final_url = r->final_url ? nb_xstrdup(r->final_url) : NULL;
}

static nb_err fetch(nb_http *http, const char *url, nb_app_page *page, nb_errbuf *err)
{
    fetched f = {page, err, NB_OK};
    nb_http *own = http ? NULL : nb_http_new(NULL);
    /* the URL given on the command line is trusted as configuration is */
    nb_http_request req = {.url = url,
                           .caller = NB_HTTP_SOURCE,
                           .reach = NB_HTTP_TRUSTED,
                           .max_redirects = NB_LIMIT_REDIRECTS,
                           .done = on_page,
                           .user = &f};
    nb_http_submit(http ? http : own, &req);
    nb_http_run(http ? http : own);
    nb_http_free(own);
    return f.rc;
}

static nb_err read_stdin(nb_buf *b, nb_errbuf *err)
{
    char chunk[65536];
    size_t n;
    nb_err rc = NB_OK;
    while (!rc && (n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        rc = nb_buf_append(b, chunk, n);
    if (rc)
        return nb_errf(err, rc, "standard input: over the cap of %u bytes",
                       (unsigned)NB_LIMIT_BODY_BYTES);
    if (ferror(stdin))
        return nb_errf(err, NB_ERR_IO, "standard input: read error");
    return NB_OK;
}

nb_err nb_app_read_page(nb_http *http, const char *source, int allow_stdin, nb_app_page *page,
                        nb_errbuf *err)
{
    memset(page, 0, sizeof *page);
    nb_buf_init(&page->body, NB_LIMIT_BODY_BYTES);
    if (nb_url_is_http(source))
        return fetch(http, source, page, err);
    if (allow_stdin && !strcmp(source, "-"))
        return read_stdin(&page->body, err);
    return nb_buf_read_file(&page->body, source, err);
}

void nb_app_page_free(nb_app_page *page)
{
    nb_buf_free(&page->body);
    free(page->content_type);
    free(page->final_url);
    page->content_type = page->final_url = NULL;
}
